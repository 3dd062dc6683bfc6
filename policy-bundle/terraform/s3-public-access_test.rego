package terraform.s3_public_access_test

import data.terraform.fixtures
import data.terraform.s3_public_access

block := "/resource/aws_s3_bucket_public_access_block/this/0"

flags(values) := json.patch(fixtures.bucket, [{"op": "replace", "path": concat("/", [block, f]), "value": v} | some f, v in values])

test_closed_bucket_passes if {
	count(s3_public_access.deny) == 0 with input as fixtures.bucket
	count(s3_public_access.warn) == 0 with input as fixtures.bucket
}

test_missing_block_fails if {
	b := json.patch(fixtures.bucket, [{"op": "remove", "path": "/resource/aws_s3_bucket_public_access_block"}])
	s3_public_access.deny == {`aws_s3_bucket.this ("acme-catalog-product-images-production") has no aws_s3_bucket_public_access_block; add one with all four flags set to true`} with input as b
}

test_block_of_another_bucket_does_not_count if {
	b := json.patch(fixtures.bucket, [{"op": "replace", "path": concat("/", [block, "bucket"]), "value": "${aws_s3_bucket.logs.id}"}])
	count(s3_public_access.deny) == 1 with input as b
}

# This is how dip renders a request with public: true.
test_explicitly_public_bucket_warns if {
	b := flags({"block_public_policy": false, "restrict_public_buckets": false})
	count(s3_public_access.deny) == 0 with input as b
	s3_public_access.warn == {`aws_s3_bucket.this ("acme-catalog-product-images-production") is public: its public access block sets block_public_policy and restrict_public_buckets to false, so a bucket policy can grant access to anyone; make sure it holds nothing private`} with input as b
}

test_public_acls_fail if {
	s3_public_access.deny == {`the public access block of aws_s3_bucket.this ("acme-catalog-product-images-production") must set block_public_acls = true: ACLs are never a way to share a bucket`} with input as flags({"block_public_acls": false})
	count(s3_public_access.deny) == 1 with input as json.patch(fixtures.bucket, [{"op": "remove", "path": concat("/", [block, "ignore_public_acls"])}])
}
