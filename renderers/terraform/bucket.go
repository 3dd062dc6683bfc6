package terraform

import (
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// abortMultipartDays cleans up uploads that never completed.
const abortMultipartDays = 7

func renderBucket(m *module, r *source.Request, spec *platform.BucketSpec) error {
	name := BucketName(r.Repo.Platform.Name, r.Team.Name, r.Request.Name, r.Env.Name)
	if err := checkName("bucket name", name, bucketPattern); err != nil {
		return err
	}
	bucketID := ref("aws_s3_bucket", "this", "id")
	bucketARN := ref("aws_s3_bucket", "this", "arn")

	b := m.resource("aws_s3_bucket", "this")
	b.SetAttributeValue("bucket", cty.StringVal(name))
	m.tag(b)

	if spec.Encrypted {
		// SSE-KMS with the AWS managed key, whose key policy already lets
		// every principal of the account that may use the bucket use it;
		// the bucket key keeps KMS requests, and their cost, low.
		enc := m.resource("aws_s3_bucket_server_side_encryption_configuration", "this")
		enc.SetAttributeTraversal("bucket", bucketID)
		rule := enc.AppendNewBlock("rule", nil).Body()
		rule.AppendNewBlock("apply_server_side_encryption_by_default", nil).Body().
			SetAttributeValue("sse_algorithm", cty.StringVal("aws:kms"))
		rule.SetAttributeValue("bucket_key_enabled", cty.True)
	}

	// Versioning turned off after it was on can only be suspended.
	status := "Suspended"
	if spec.Versioning {
		status = "Enabled"
	}
	ver := m.resource("aws_s3_bucket_versioning", "this")
	ver.SetAttributeTraversal("bucket", bucketID)
	ver.AppendNewBlock("versioning_configuration", nil).Body().SetAttributeValue("status", cty.StringVal(status))

	// A public bucket is readable through its bucket policy; object ACLs
	// stay blocked either way.
	pab := m.resource("aws_s3_bucket_public_access_block", "this")
	pab.SetAttributeTraversal("bucket", bucketID)
	pab.SetAttributeValue("block_public_acls", cty.True)
	pab.SetAttributeValue("block_public_policy", cty.BoolVal(!spec.Public))
	pab.SetAttributeValue("ignore_public_acls", cty.True)
	pab.SetAttributeValue("restrict_public_buckets", cty.BoolVal(!spec.Public))

	objects := call("format", lit("%s/*"), expr(bucketARN))
	doc := m.data("aws_iam_policy_document", "bucket")
	deny := doc.AppendNewBlock("statement", nil).Body()
	deny.SetAttributeValue("sid", cty.StringVal("DenyInsecureTransport"))
	deny.SetAttributeValue("effect", cty.StringVal("Deny"))
	anyone(deny)
	deny.SetAttributeValue("actions", stringList([]string{"s3:*"}))
	deny.SetAttributeRaw("resources", tuple(expr(bucketARN), objects))
	condition(deny, "Bool", lit("aws:SecureTransport"), "false")
	if spec.Public {
		read := doc.AppendNewBlock("statement", nil).Body()
		read.SetAttributeValue("sid", cty.StringVal("PublicRead"))
		read.SetAttributeValue("effect", cty.StringVal("Allow"))
		anyone(read)
		read.SetAttributeValue("actions", stringList([]string{"s3:GetObject"}))
		read.SetAttributeRaw("resources", tuple(objects))
	}

	pol := m.resource("aws_s3_bucket_policy", "this")
	pol.SetAttributeTraversal("bucket", bucketID)
	pol.SetAttributeTraversal("policy", ref("data", "aws_iam_policy_document", "bucket", "json"))
	// S3 refuses a public policy until the access block allows it.
	pol.SetAttributeRaw("depends_on", tuple(expr(ref("aws_s3_bucket_public_access_block", "this"))))

	if spec.LifecycleDays != nil {
		lifecycle(m, spec)
	}

	m.output("bucket", "The name of the bucket.", expr(bucketID))
	m.output("bucket_arn", "The ARN of the bucket.", expr(bucketARN))
	m.output("bucket_regional_domain_name", "The regional domain name of the bucket.",
		expr(ref("aws_s3_bucket", "this", "bucket_regional_domain_name")))
	return nil
}

// lifecycle expires what the bucket no longer needs after lifecycleDays:
// in a versioned bucket the versions that were overwritten or deleted (the
// current objects stay), in an unversioned bucket the objects themselves.
func lifecycle(m *module, spec *platform.BucketSpec) {
	days := *spec.LifecycleDays
	lc := m.resource("aws_s3_bucket_lifecycle_configuration", "this")
	lc.SetAttributeTraversal("bucket", ref("aws_s3_bucket", "this", "id"))
	rule := lc.AppendNewBlock("rule", nil).Body()
	rule.SetAttributeValue("id", cty.StringVal("dip-lifecycle"))
	rule.SetAttributeValue("status", cty.StringVal("Enabled"))
	rule.AppendNewBlock("filter", nil)
	if spec.Versioning {
		rule.AppendNewBlock("noncurrent_version_expiration", nil).Body().
			SetAttributeValue("noncurrent_days", number(days))
		rule.AppendNewBlock("expiration", nil).Body().
			SetAttributeValue("expired_object_delete_marker", cty.True)
	} else {
		rule.AppendNewBlock("expiration", nil).Body().SetAttributeValue("days", number(days))
	}
	rule.AppendNewBlock("abort_incomplete_multipart_upload", nil).Body().
		SetAttributeValue("days_after_initiation", number(abortMultipartDays))
	// The rules apply to versions only once versioning is configured.
	lc.SetAttributeRaw("depends_on", tuple(expr(ref("aws_s3_bucket_versioning", "this"))))
}

// anyone makes a policy statement apply to every principal.
func anyone(stmt *body) {
	p := stmt.AppendNewBlock("principals", nil).Body()
	p.SetAttributeValue("type", cty.StringVal("*"))
	p.SetAttributeValue("identifiers", stringList([]string{"*"}))
}

// condition adds a condition block to a policy statement.
func condition(stmt *body, test string, variable hclwrite.Tokens, values ...string) {
	c := stmt.AppendNewBlock("condition", nil).Body()
	c.SetAttributeValue("test", cty.StringVal(test))
	c.SetAttributeRaw("variable", variable)
	c.SetAttributeValue("values", stringList(values))
}
