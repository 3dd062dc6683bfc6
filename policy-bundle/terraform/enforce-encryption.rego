package terraform.enforce_encryption

import data.terraform.lib

# METADATA
# title: Storage is encrypted at rest
# description: Databases, queues and buckets encrypt what they store.
# custom:
#   id: terraform.enforce_encryption
#   field: spec.encrypted
#   severity: high
deny contains msg if {
	some r in lib.resources
	r.type == "aws_db_instance"
	not r.body.storage_encrypted == true
	msg := sprintf("%s does not encrypt its storage (storage_encrypted is not true)", [lib.label(r)])
}

deny contains msg if {
	some r in lib.resources
	r.type == "aws_sqs_queue"
	not queue_encrypted(r.body)
	msg := sprintf("%s does not encrypt messages at rest (set sqs_managed_sse_enabled or kms_master_key_id)", [lib.label(r)])
}

deny contains msg if {
	some r in lib.resources
	r.type == "aws_s3_bucket"
	not bucket_encrypted(r.name)
	msg := sprintf("%s has no aws_s3_bucket_server_side_encryption_configuration", [lib.label(r)])
}

queue_encrypted(q) if q.sqs_managed_sse_enabled == true

queue_encrypted(q) if q.kms_master_key_id

bucket_encrypted(name) if {
	some r in lib.resources
	r.type == "aws_s3_bucket_server_side_encryption_configuration"
	contains(r.body.bucket, sprintf("aws_s3_bucket.%s.", [name]))
}
