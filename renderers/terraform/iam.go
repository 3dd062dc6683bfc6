package terraform

import (
	"slices"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

func renderIAMRole(m *module, r *source.Request, spec *platform.IAMRoleSpec) error {
	name := RoleName(r.Team.Name, r.Request.Name, r.Env.Name)
	if err := workloadRole(m, name, spec.ServiceAccount); err != nil {
		return err
	}

	if len(spec.ManagedPolicies) > 0 {
		// One attachment per policy, keyed by its ARN so that adding or
		// removing one leaves the others in place.
		att := m.resource("aws_iam_role_policy_attachment", "managed")
		att.SetAttributeRaw("for_each", call("toset", hclwrite.TokensForValue(stringList(sortedUnique(spec.ManagedPolicies)))))
		att.SetAttributeTraversal("role", ref("aws_iam_role", "this", "name"))
		att.SetAttributeTraversal("policy_arn", ref("each", "value"))
	}

	if len(spec.Statements) > 0 {
		doc := m.data("aws_iam_policy_document", "this")
		for _, st := range spec.Statements {
			s := doc.AppendNewBlock("statement", nil).Body()
			s.SetAttributeValue("effect", cty.StringVal("Allow"))
			s.SetAttributeValue("actions", stringList(st.Actions))
			s.SetAttributeValue("resources", stringList(st.Resources))
		}
		inlinePolicy(m, name)
	}

	roleOutputs(m)
	return nil
}

// workloadRole renders the IAM role that a Kubernetes service account
// assumes through the cluster's OIDC provider (IAM roles for service
// accounts), with the variable and data sources that find the provider.
func workloadRole(m *module, name string, sa platform.ServiceAccountRef) error {
	if err := checkName("role name", name, rolePattern); err != nil {
		return err
	}
	m.variable("cluster_name", typeString(),
		"The EKS cluster of the environment, whose service accounts assume the role.")

	cluster := m.data("aws_eks_cluster", "this")
	cluster.SetAttributeTraversal("name", ref("var", "cluster_name"))

	issuerURL := ref("data", "aws_eks_cluster", "this", "identity", 0, "oidc", 0, "issuer")
	oidc := m.data("aws_iam_openid_connect_provider", "this")
	oidc.SetAttributeTraversal("url", issuerURL)

	// Condition keys name the issuer without its scheme.
	issuer := call("trimprefix", expr(issuerURL), lit("https://"))
	trust := m.data("aws_iam_policy_document", "assume_role")
	st := trust.AppendNewBlock("statement", nil).Body()
	st.SetAttributeValue("effect", cty.StringVal("Allow"))
	st.SetAttributeValue("actions", stringList([]string{"sts:AssumeRoleWithWebIdentity"}))
	p := st.AppendNewBlock("principals", nil).Body()
	p.SetAttributeValue("type", cty.StringVal("Federated"))
	p.SetAttributeRaw("identifiers", tuple(expr(ref("data", "aws_iam_openid_connect_provider", "this", "arn"))))
	condition(st, "StringEquals", call("format", lit("%s:sub"), issuer),
		"system:serviceaccount:"+sa.Namespace+":"+sa.Name)
	condition(st, "StringEquals", call("format", lit("%s:aud"), issuer), "sts.amazonaws.com")

	role := m.resource("aws_iam_role", "this")
	role.SetAttributeValue("name", cty.StringVal(name))
	role.SetAttributeValue("description", cty.StringVal("Assumed by Kubernetes service account "+sa.Namespace+"/"+sa.Name))
	role.SetAttributeTraversal("assume_role_policy", ref("data", "aws_iam_policy_document", "assume_role", "json"))
	m.tag(role)
	return nil
}

// inlinePolicy attaches data.aws_iam_policy_document.this to the role.
// Inline policies cannot carry tags; they live and die with their role.
func inlinePolicy(m *module, roleName string) {
	pol := m.resource("aws_iam_role_policy", "this")
	pol.SetAttributeValue("name", cty.StringVal(roleName))
	pol.SetAttributeTraversal("role", ref("aws_iam_role", "this", "id"))
	pol.SetAttributeTraversal("policy", ref("data", "aws_iam_policy_document", "this", "json"))
}

func roleOutputs(m *module) {
	m.output("role_arn", "The ARN of the role, for the service account's eks.amazonaws.com/role-arn annotation.",
		expr(ref("aws_iam_role", "this", "arn")))
	m.output("role_name", "The name of the role.", expr(ref("aws_iam_role", "this", "name")))
}

func sortedUnique(ss []string) []string {
	out := slices.Clone(ss)
	slices.Sort(out)
	return slices.Compact(out)
}
