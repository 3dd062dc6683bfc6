# Every bucket has a public access block with all four flags on. A bucket
# made public on purpose (public: true in its request) turns off only the
# two flags about bucket policies, so that its policy can grant public
# reads: that is a warning for the reviewer. ACLs are never a way to share
# a bucket, so the two ACL flags stay on for every bucket.
package terraform.s3_public_access

import data.terraform.lib

acl_flags := ["block_public_acls", "ignore_public_acls"]

policy_flags := ["block_public_policy", "restrict_public_buckets"]

blocks := lib.of_type("aws_s3_bucket_public_access_block")

# METADATA
# title: Buckets have a public access block
# description: Every bucket has an aws_s3_bucket_public_access_block that blocks public ACLs.
# custom:
#   id: terraform.s3_public_access_block
#   field: spec.public
#   severity: high
deny contains msg if {
	some bucket in lib.of_type("aws_s3_bucket")
	not has_block(bucket)
	msg := sprintf("%s has no aws_s3_bucket_public_access_block; add one with all four flags set to true", [lib.label(bucket)])
}

# METADATA
# title: Buckets have a public access block
# description: Every bucket has an aws_s3_bucket_public_access_block that blocks public ACLs.
# custom:
#   id: terraform.s3_public_access_block
#   field: spec.public
#   severity: high
deny contains msg if {
	some b in blocks
	off := [f | some f in acl_flags; not b.body[f] == true]
	count(off) > 0
	msg := sprintf("the public access block of %s must set %s = true: ACLs are never a way to share a bucket", [bucket_name(b), concat(" and ", off)])
}

# METADATA
# title: Public buckets are deliberate
# description: A bucket whose public access block lets a bucket policy make it public is readable by anyone; the request must say public on purpose.
# custom:
#   id: terraform.s3_public_bucket
#   field: spec.public
#   severity: low
warn contains msg if {
	some b in blocks
	off := [f | some f in policy_flags; not b.body[f] == true]
	count(off) > 0
	msg := sprintf("%s is public: its public access block sets %s to false, so a bucket policy can grant access to anyone; make sure it holds nothing private", [bucket_name(b), concat(" and ", off)])
}

has_block(bucket) if {
	some b in blocks
	lib.attached(b, "bucket", bucket)
}

# bucket_name names the bucket a public access block belongs to.
bucket_name(b) := lib.label(bucket) if {
	some bucket in lib.of_type("aws_s3_bucket")
	lib.attached(b, "bucket", bucket)
} else := lib.label(b)
