package terraform.enforce_encryption_test

import data.terraform.enforce_encryption
import data.terraform.fixtures

test_rendered_storage_passes if {
	count(enforce_encryption.deny) == 0 with input as fixtures.database
	count(enforce_encryption.deny) == 0 with input as fixtures.queue
	count(enforce_encryption.deny) == 0 with input as fixtures.bucket
}

test_unencrypted_database_fails if {
	db := json.patch(fixtures.database, [{"op": "replace", "path": "/resource/aws_db_instance/this/0/storage_encrypted", "value": false}])
	enforce_encryption.deny == {`aws_db_instance.this ("payments-orders-db-production") does not encrypt its storage: set storage_encrypted = true (encrypted: true in the request)`} with input as db
}

test_database_without_the_attribute_fails if {
	db := json.patch(fixtures.database, [{"op": "remove", "path": "/resource/aws_db_instance/this/0/storage_encrypted"}])
	count(enforce_encryption.deny) == 1 with input as db
}

test_queue_with_a_kms_key_passes if {
	q := json.patch(fixtures.queue, [
		{"op": "remove", "path": "/resource/aws_sqs_queue/this/0/sqs_managed_sse_enabled"},
		{"op": "add", "path": "/resource/aws_sqs_queue/this/0/kms_master_key_id", "value": "alias/payments"},
	])
	count(enforce_encryption.deny) == 0 with input as q
}

test_unencrypted_queue_fails if {
	q := json.patch(fixtures.queue, [{"op": "replace", "path": "/resource/aws_sqs_queue/dlq/0/sqs_managed_sse_enabled", "value": false}])
	enforce_encryption.deny == {`aws_sqs_queue.dlq ("payments-order-events-production-dlq.fifo") does not encrypt messages at rest: set sqs_managed_sse_enabled = true or a kms_master_key_id`} with input as q
}

test_bucket_without_an_encryption_configuration_fails if {
	b := json.patch(fixtures.bucket, [{"op": "remove", "path": "/resource/aws_s3_bucket_server_side_encryption_configuration"}])
	enforce_encryption.deny == {`aws_s3_bucket.this ("acme-catalog-product-images-production") has no aws_s3_bucket_server_side_encryption_configuration with an SSE algorithm (AES256, aws:kms, aws:kms:dsse)`} with input as b
}

# The configuration of another file (or another bucket) does not count:
# each rendered file is its own input.
test_configuration_of_another_bucket_does_not_count if {
	b := json.patch(fixtures.bucket, [{"op": "replace", "path": "/resource/aws_s3_bucket_server_side_encryption_configuration/this/0/bucket", "value": "${aws_s3_bucket.logs.id}"}])
	count(enforce_encryption.deny) == 1 with input as b
	count(enforce_encryption.deny) == 1 with input as {"resource": {"aws_s3_bucket": fixtures.bucket.resource.aws_s3_bucket}}
}

test_configuration_naming_the_bucket_literally_passes if {
	b := json.patch(fixtures.bucket, [{"op": "replace", "path": "/resource/aws_s3_bucket_server_side_encryption_configuration/this/0/bucket", "value": "acme-catalog-product-images-production"}])
	count(enforce_encryption.deny) == 0 with input as b
}

test_configuration_without_an_algorithm_fails if {
	b := json.patch(fixtures.bucket, [{"op": "replace", "path": "/resource/aws_s3_bucket_server_side_encryption_configuration/this/0/rule", "value": [{"bucket_key_enabled": true}]}])
	count(enforce_encryption.deny) == 1 with input as b
}

test_other_documents_are_not_judged if {
	count(enforce_encryption.deny) == 0 with input as fixtures.providers
	count(enforce_encryption.deny) == 0 with input as {"apiVersion": "dip/v1", "kind": "Queue", "metadata": {"name": "q"}, "spec": {"encrypted": false}}
}
