package terraform.s3_public_access

import data.terraform.lib

flags := ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]

# METADATA
# title: Buckets have a public access block
# custom:
#   id: terraform.s3_public_access_block
#   field: spec.public
#   severity: high
deny contains msg if {
	some r in lib.resources
	r.type == "aws_s3_bucket"
	not block_for(r.name)
	msg := sprintf("%s has no aws_s3_bucket_public_access_block", [lib.label(r)])
}

deny contains msg if {
	some b in blocks
	some f in ["block_public_acls", "ignore_public_acls"]
	not b.body[f] == true
	msg := sprintf("%s must set %s: ACLs are never a way to share a bucket", [lib.label(b), f])
}

# METADATA
# title: Public buckets are deliberate
# custom:
#   id: terraform.s3_public_bucket
#   field: spec.public
#   severity: low
warn contains msg if {
	some b in blocks
	some f in ["block_public_policy", "restrict_public_buckets"]
	not b.body[f] == true
	msg := sprintf("%s lets a bucket policy make the bucket public (%s is not true)", [lib.label(b), f])
}

blocks contains r if {
	some r in lib.resources
	r.type == "aws_s3_bucket_public_access_block"
}

block_for(name) if {
	some b in blocks
	contains(b.body.bucket, sprintf("aws_s3_bucket.%s.", [name]))
}
