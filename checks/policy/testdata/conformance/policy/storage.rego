package storage

deny_unencrypted contains msg if {
	some name, dbs in input.resource.aws_db_instance
	some db in dbs
	not db.storage_encrypted
	msg := sprintf("database %q is not encrypted", [name])
}

deny_unencrypted contains msg if {
	some name, qs in input.resource.aws_sqs_queue
	some q in qs
	not q.sqs_managed_sse_enabled
	msg := sprintf("queue %q is not encrypted", [name])
}

warn contains {"msg": sprintf("queue %q keeps messages for less than an hour", [name]), "severity": "low"} if {
	some name, qs in input.resource.aws_sqs_queue
	some q in qs
	q.message_retention_seconds < 3600
}

exception contains rules if {
	input.resource.aws_sqs_queue.legacy
	rules := ["unencrypted"]
}
