package terraform.s3_public_access_test

import data.terraform.s3_public_access

bucket_with(block) := {"resource": {
	"aws_s3_bucket": {"this": [{"bucket": "b"}]},
	"aws_s3_bucket_public_access_block": {"this": [object.union({"bucket": "${aws_s3_bucket.this.id}"}, block)]},
}}

closed := {"block_public_acls": true, "block_public_policy": true, "ignore_public_acls": true, "restrict_public_buckets": true}

test_closed_bucket_passes if {
	count(s3_public_access.deny) == 0 with input as bucket_with(closed)
	count(s3_public_access.warn) == 0 with input as bucket_with(closed)
}

test_missing_block_fails if {
	count(s3_public_access.deny) == 1 with input as {"resource": {"aws_s3_bucket": {"this": [{"bucket": "b"}]}}}
}

test_public_policy_warns if {
	open := object.union(closed, {"block_public_policy": false, "restrict_public_buckets": false})
	count(s3_public_access.deny) == 0 with input as bucket_with(open)
	count(s3_public_access.warn) == 2 with input as bucket_with(open)
}

test_public_acls_fail if {
	count(s3_public_access.deny) == 1 with input as bucket_with(object.union(closed, {"block_public_acls": false}))
}
