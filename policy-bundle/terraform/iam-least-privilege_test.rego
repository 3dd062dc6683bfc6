package terraform.iam_least_privilege_test

import data.terraform.fixtures
import data.terraform.iam_least_privilege

test_rendered_roles_pass if {
	count(iam_least_privilege.deny) == 0 with input as fixtures.iam_role
	count(iam_least_privilege.deny) == 0 with input as fixtures.bucket # s3:* in a Deny statement
}

test_allowing_every_action_fails if {
	role := json.patch(fixtures.iam_role, [{"op": "replace", "path": "/data/aws_iam_policy_document/this/0/statement/0/actions", "value": ["kms:Sign", "*"]}])
	iam_least_privilege.deny == {`statement 1 of data.aws_iam_policy_document.this allows "*"; list the actions the workload needs`} with input as role
	count(iam_least_privilege.deny) == 1 with input as json.patch(fixtures.iam_role, [{"op": "replace", "path": "/data/aws_iam_policy_document/this/0/statement/0/actions", "value": ["iam:*"]}])
}

test_statement_without_an_effect_is_an_allow if {
	role := json.patch(fixtures.iam_role, [
		{"op": "remove", "path": "/data/aws_iam_policy_document/this/0/statement/0/effect"},
		{"op": "replace", "path": "/data/aws_iam_policy_document/this/0/statement/0/actions", "value": ["*:*"]},
	])
	count(iam_least_privilege.deny) == 1 with input as role
}

# This is how dip renders managedPolicies: one attachment per ARN.
attachment(arn) := json.patch(fixtures.iam_role, [{"op": "add", "path": "/resource/aws_iam_role_policy_attachment", "value": {"managed": [{
	"for_each": sprintf(`${toset(["%s"])}`, [arn]),
	"policy_arn": "${each.value}",
	"role": "${aws_iam_role.this.name}",
}]}}])

test_attaching_an_administrator_policy_fails if {
	iam_least_privilege.deny == {{
		"msg": "aws_iam_role_policy_attachment.managed attaches the AWS managed policy AdministratorAccess; grant the actions the workload needs with statements instead",
		"field": "spec.managedPolicies",
	}} with input as attachment("arn:aws:iam::aws:policy/AdministratorAccess")
}

test_attaching_a_narrow_policy_passes if {
	count(iam_least_privilege.deny) == 0 with input as attachment("arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess")
}
