package requests

deny contains msg if {
	input.apiVersion == "dip/v1"
	input.kind == "Service"
	input.spec.public
	input.spec.tls == false
	msg := sprintf("public service %s must use TLS", [input.metadata.name])
}

warn contains msg if {
	input.apiVersion == "dip/v1"
	input.kind == "Bucket"
	input.spec.public
	msg := "public bucket"
}

deny_retention contains msg if {
	input.kind == "PostgresDatabase"
	input.spec.backupRetentionDays < 7
	msg := sprintf("backups kept %d days", [input.spec.backupRetentionDays])
}
