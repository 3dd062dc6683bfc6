package terraform

import (
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// secretRecoveryDays is how long a deleted secret can still be restored.
const secretRecoveryDays = 30

// renderSecret renders the secret's container only: its value is set in
// Secrets Manager, never in the repo nor in Terraform state.
func renderSecret(m *module, r *source.Request, spec *platform.SecretSpec) {
	s := m.resource("aws_secretsmanager_secret", "this")
	s.SetAttributeValue("name", cty.StringVal(source.SecretName(r.Team.Name, r.Request.Name, r.Env.Name)))
	if spec.Description != "" {
		s.SetAttributeValue("description", cty.StringVal(spec.Description))
	}
	s.SetAttributeValue("recovery_window_in_days", number(secretRecoveryDays))
	m.tag(s)

	if spec.RotationDays != nil {
		m.variable("rotation_lambda_arn", typeString(),
			"The Lambda function that rotates the secret's value.")
		rot := m.resource("aws_secretsmanager_secret_rotation", "this")
		rot.SetAttributeTraversal("secret_id", ref("aws_secretsmanager_secret", "this", "id"))
		rot.SetAttributeTraversal("rotation_lambda_arn", ref("var", "rotation_lambda_arn"))
		rot.AppendNewBlock("rotation_rules", nil).Body().
			SetAttributeValue("automatically_after_days", number(*spec.RotationDays))
	}

	m.output("secret_arn", "The ARN of the secret.", expr(ref("aws_secretsmanager_secret", "this", "arn")))
	m.output("secret_name", "The name of the secret.", expr(ref("aws_secretsmanager_secret", "this", "name")))
}
