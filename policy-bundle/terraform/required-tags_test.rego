package terraform.required_tags_test

import data.terraform.fixtures
import data.terraform.required_tags

test_rendered_resources_are_tagged if {
	count(required_tags.deny) == 0 with input as fixtures.database
	count(required_tags.deny) == 0 with input as fixtures.queue
	count(required_tags.deny) == 0 with input as fixtures.bucket
	count(required_tags.deny) == 0 with input as fixtures.iam_role
}

test_missing_tags_are_named if {
	q := json.patch(fixtures.queue, [
		{"op": "remove", "path": "/resource/aws_sqs_queue/dlq/0/tags/env"},
		{"op": "remove", "path": "/resource/aws_sqs_queue/dlq/0/tags/cost-center"},
	])
	required_tags.deny == {`aws_sqs_queue.dlq ("payments-order-events-production-dlq.fifo") lacks the tags cost-center, env`} with input as q
}

test_empty_tag_counts_as_missing if {
	db := json.patch(fixtures.database, [{"op": "replace", "path": "/resource/aws_db_instance/this/0/tags/team", "value": " "}])
	required_tags.deny == {`aws_db_instance.this ("payments-orders-db-production") lacks the tags team`} with input as db
}

test_taggable_resource_without_tags_fails if {
	b := json.patch(fixtures.bucket, [{"op": "remove", "path": "/resource/aws_s3_bucket/this/0/tags"}])
	required_tags.deny == {`aws_s3_bucket.this ("acme-catalog-product-images-production") lacks the tags cost-center, dip-request, env, managed-by, team`} with input as b
}

test_resource_outside_the_list_that_sets_tags_is_judged if {
	count(required_tags.deny) == 1 with input as {"resource": {"aws_sns_topic": {"alerts": [{"name": "alerts", "tags": {"team": "payments"}}]}}}
}

test_untaggable_resources_are_not_judged if {
	count(required_tags.deny) == 0 with input as fixtures.dns_record
}
