# Every taggable cloud resource carries the platform's tags, which tie it
# to its team, budget, environment and request.
package terraform.required_tags

import data.terraform.lib

required := {"team", "cost-center", "env", "managed-by", "dip-request"}

# Resource types dip renders that take tags. Any other resource that sets
# tags is judged too; aws_route53_record and attachments take none.
taggable := {
	"aws_db_instance", "aws_db_subnet_group", "aws_db_parameter_group",
	"aws_sqs_queue", "aws_s3_bucket", "aws_secretsmanager_secret",
	"aws_iam_role", "aws_iam_policy", "aws_kms_key",
}

# METADATA
# title: Cloud resources carry the platform's tags
# description: team, cost-center, env, managed-by and dip-request tie every resource to its owner, budget and request.
# custom:
#   id: terraform.required_tags
#   severity: medium
deny contains msg if {
	some r in lib.resources
	judged(r)
	tags := object.get(r.body, "tags", {})
	missing := {t | some t in required; not present(tags, t)}
	count(missing) > 0
	msg := sprintf("%s lacks the tags %s", [lib.label(r), concat(", ", sort(missing))])
}

judged(r) if r.type in taggable

judged(r) if r.body.tags

present(tags, t) if {
	is_string(tags[t])
	trim_space(tags[t]) != ""
}
