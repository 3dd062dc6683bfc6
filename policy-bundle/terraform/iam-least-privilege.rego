# Workload roles get the actions they need, not an administrator's. Judged:
# Allow statements of aws_iam_policy_document data sources, and AWS managed
# policies attached to a role.
package terraform.iam_least_privilege

import data.terraform.lib

# AWS managed policies that hand out administrator or IAM power.
admin_policies := {"AdministratorAccess", "PowerUserAccess", "IAMFullAccess"}

# METADATA
# title: IAM roles follow least privilege
# description: No policy allows every action, every action of IAM, or attaches an administrator policy.
# custom:
#   id: terraform.iam_least_privilege
#   field: spec.statements
#   severity: high
deny contains msg if {
	some doc in lib.data_sources
	doc.type == "aws_iam_policy_document"
	some i, st in doc.body.statement
	object.get(st, "effect", "Allow") == "Allow"
	some action in object.get(st, "actions", [])
	too_broad(action)
	msg := sprintf("statement %d of data.%s allows %q; list the actions the workload needs", [i + 1, lib.label(doc), action])
}

# METADATA
# title: IAM roles follow least privilege
# description: No policy allows every action, every action of IAM, or attaches an administrator policy.
# custom:
#   id: terraform.iam_least_privilege
#   field: spec.managedPolicies
#   severity: high
deny contains result if {
	some r in lib.resources
	r.type in {"aws_iam_role_policy_attachment", "aws_iam_policy_attachment"}
	some name in admin_policies
	some attr in ["policy_arn", "for_each"]
	value := object.get(r.body, attr, "")
	is_string(value)
	contains(value, sprintf(":policy/%s", [name]))
	result := {
		"msg": sprintf("%s attaches the AWS managed policy %s; grant the actions the workload needs with statements instead", [lib.label(r), name]),
		"field": "spec.managedPolicies",
	}
}

too_broad(action) if action in {"*", "*:*", "iam:*"}
