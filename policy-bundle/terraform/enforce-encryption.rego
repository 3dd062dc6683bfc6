# Storage encrypts what it keeps: RDS instances, SQS queues and S3 buckets.
# A bucket is judged with the file it is rendered in: without an
# aws_s3_bucket_server_side_encryption_configuration for it there, it fails.
package terraform.enforce_encryption

import data.terraform.lib

sse_algorithms := {"AES256", "aws:kms", "aws:kms:dsse"}

# METADATA
# title: Storage is encrypted at rest
# description: Databases, queues and buckets encrypt what they store.
# custom:
#   id: terraform.enforce_encryption
#   field: spec.encrypted
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_db_instance")
	not r.body.storage_encrypted == true
	msg := sprintf("%s does not encrypt its storage: set storage_encrypted = true (encrypted: true in the request)", [lib.label(r)])
}

# METADATA
# title: Storage is encrypted at rest
# description: Databases, queues and buckets encrypt what they store.
# custom:
#   id: terraform.enforce_encryption
#   field: spec.encrypted
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_sqs_queue")
	not queue_encrypted(r.body)
	msg := sprintf("%s does not encrypt messages at rest: set sqs_managed_sse_enabled = true or a kms_master_key_id", [lib.label(r)])
}

# METADATA
# title: Storage is encrypted at rest
# description: Databases, queues and buckets encrypt what they store.
# custom:
#   id: terraform.enforce_encryption
#   field: spec.encrypted
#   severity: high
deny contains msg if {
	some r in lib.of_type("aws_s3_bucket")
	not bucket_encrypted(r)
	msg := sprintf("%s has no aws_s3_bucket_server_side_encryption_configuration with an SSE algorithm (%s)", [lib.label(r), concat(", ", sort(sse_algorithms))])
}

queue_encrypted(q) if q.sqs_managed_sse_enabled == true

queue_encrypted(q) if {
	is_string(q.kms_master_key_id)
	q.kms_master_key_id != ""
}

bucket_encrypted(bucket) if {
	some enc in lib.of_type("aws_s3_bucket_server_side_encryption_configuration")
	lib.attached(enc, "bucket", bucket)
	some rule in enc.body.rule
	some by_default in rule.apply_server_side_encryption_by_default
	by_default.sse_algorithm in sse_algorithms
}
