package terraform.required_tags_test

import data.terraform.required_tags

all_tags := {"team": "t", "cost-center": "cc", "env": "staging", "managed-by": "dip", "dip-request": "requests/t/q.yaml"}

test_all_tags_pass if {
	count(required_tags.deny) == 0 with input as {"resource": {"aws_sqs_queue": {"this": [{"tags": all_tags}]}}}
}

test_missing_tags_are_named if {
	required_tags.deny == {"aws_sqs_queue.this lacks the tags cost-center, env"} with input as {"resource": {"aws_sqs_queue": {"this": [{"tags": object.remove(all_tags, ["env", "cost-center"])}]}}}
}

test_taggable_resource_without_tags_fails if {
	count(required_tags.deny) == 1 with input as {"resource": {"aws_s3_bucket": {"this": [{"bucket": "b"}]}}}
}

test_untaggable_resource_is_not_judged if {
	count(required_tags.deny) == 0 with input as {"resource": {"aws_route53_record": {"this": [{"name": "x"}]}}}
}
