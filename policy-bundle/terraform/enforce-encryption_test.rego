package terraform.enforce_encryption_test

import data.terraform.enforce_encryption

db(encrypted) := {"resource": {"aws_db_instance": {"this": [{"storage_encrypted": encrypted}]}}}

test_encrypted_database_passes if {
	count(enforce_encryption.deny) == 0 with input as db(true)
}

test_unencrypted_database_fails if {
	enforce_encryption.deny == {"aws_db_instance.this does not encrypt its storage (storage_encrypted is not true)"} with input as db(false)
}

test_database_without_the_attribute_fails if {
	count(enforce_encryption.deny) == 1 with input as {"resource": {"aws_db_instance": {"this": [{}]}}}
}

test_queue_with_sse_or_kms_passes if {
	count(enforce_encryption.deny) == 0 with input as {"resource": {"aws_sqs_queue": {
		"a": [{"sqs_managed_sse_enabled": true}],
		"b": [{"kms_master_key_id": "alias/x"}],
	}}}
}

test_unencrypted_queue_fails if {
	count(enforce_encryption.deny) == 1 with input as {"resource": {"aws_sqs_queue": {"this": [{"sqs_managed_sse_enabled": false}]}}}
}

test_bucket_needs_an_encryption_configuration if {
	count(enforce_encryption.deny) == 1 with input as {"resource": {"aws_s3_bucket": {"this": [{"bucket": "b"}]}}}
	count(enforce_encryption.deny) == 0 with input as {"resource": {
		"aws_s3_bucket": {"this": [{"bucket": "b"}]},
		"aws_s3_bucket_server_side_encryption_configuration": {"this": [{"bucket": "${aws_s3_bucket.this.id}"}]},
	}}
}
