package terraform.encryption

# METADATA
# title: Databases are encrypted at rest
# custom:
#   id: terraform.enforce_encryption
#   field: spec.encrypted
deny contains msg if {
	some name, dbs in input.resource.aws_db_instance
	some db in dbs
	not db.storage_encrypted
	msg := sprintf("database %s is not encrypted at rest", [name])
}
