package terraform

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// Actions a Service is granted on each kind of request it uses: enough to
// use the resource, never to change or delete it.
var (
	databaseActions = []string{"rds-db:connect"}
	queueActions    = []string{
		"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
		"sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage",
	}
	bucketActions = []string{"s3:GetBucketLocation", "s3:ListBucket"}
	objectActions = []string{"s3:DeleteObject", "s3:GetObject", "s3:PutObject"}
	secretActions = []string{"secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"}
)

// use is a cloud request a Service uses, resolved in the Service's
// environment.
type use struct {
	req    *platform.Request
	team   *platform.Team
	spec   platform.Spec
	region string
	label  string
}

// renderService renders the role a Service's service account assumes to
// reach the cloud requests it uses, and reports whether there was any.
// Each used resource is looked up by its cloud name, so the Service's
// module does not depend on the state of theirs.
func renderService(m *module, r *source.Request, spec *platform.ServiceSpec) (bool, error) {
	uses, err := cloudUses(r, spec.Uses)
	if err != nil || len(uses) == 0 {
		return false, err
	}
	name := ServiceRoleName(r.Team.Name, r.Request.Name, r.Env.Name)
	sa := platform.ServiceAccountRef{Namespace: spec.Namespace, Name: r.Request.Name}
	if err := workloadRole(m, name, sa); err != nil {
		return false, err
	}

	if slices.ContainsFunc(uses, func(u use) bool { return u.req.Kind == "PostgresDatabase" }) {
		m.data("aws_partition", "current")
		m.data("aws_caller_identity", "current")
	}
	type statement struct {
		actions   []string
		resources hclwrite.Tokens
	}
	var statements []statement
	for _, u := range uses {
		env := r.Env.Name
		provider, err := m.provider(u.region)
		if err != nil {
			return false, fmt.Errorf("%s %s: %w", u.req.Kind, u.req.Name, err)
		}
		lookup := func(typ, attr, value string) *body {
			d := m.data(typ, u.label)
			if provider != nil {
				d.SetAttributeTraversal("provider", provider)
			}
			d.SetAttributeValue(attr, cty.StringVal(value))
			return d
		}
		switch s := u.spec.(type) {
		case *platform.PostgresDatabaseSpec:
			lookup("aws_db_instance", "db_instance_identifier", DatabaseIdentifier(u.team.Name, u.req.Name, env))
			statements = append(statements, statement{databaseActions, tuple(call("format",
				lit("arn:%s:rds-db:%s:%s:dbuser:%s/%s"),
				expr(ref("data", "aws_partition", "current", "partition")),
				lit(u.region),
				expr(ref("data", "aws_caller_identity", "current", "account_id")),
				expr(ref("data", "aws_db_instance", u.label, "resource_id")),
				lit(DatabaseUser(r.Request.Name)),
			))})
		case *platform.QueueSpec:
			lookup("aws_sqs_queue", "name", QueueName(u.team.Name, u.req.Name, env, s.FIFO))
			statements = append(statements, statement{queueActions, tuple(expr(ref("data", "aws_sqs_queue", u.label, "arn")))})
		case *platform.BucketSpec:
			lookup("aws_s3_bucket", "bucket", BucketName(r.Repo.Platform.Name, u.team.Name, u.req.Name, env))
			arn := ref("data", "aws_s3_bucket", u.label, "arn")
			statements = append(statements,
				statement{bucketActions, tuple(expr(arn))},
				statement{objectActions, tuple(call("format", lit("%s/*"), expr(arn)))})
		case *platform.SecretSpec:
			lookup("aws_secretsmanager_secret", "name", source.SecretName(u.team.Name, u.req.Name, env))
			statements = append(statements, statement{secretActions, tuple(expr(ref("data", "aws_secretsmanager_secret", u.label, "arn")))})
		}
	}

	doc := m.data("aws_iam_policy_document", "this")
	for _, st := range statements {
		s := doc.AppendNewBlock("statement", nil).Body()
		s.SetAttributeValue("effect", cty.StringVal("Allow"))
		s.SetAttributeValue("actions", stringList(st.actions))
		s.SetAttributeRaw("resources", st.resources)
	}
	inlinePolicy(m, name)
	roleOutputs(m)
	return true, nil
}

// cloudKinds are the kinds a Service's role grants access to.
var cloudKinds = []string{"Bucket", "PostgresDatabase", "Queue", "Secret"}

// cloudUses resolves the uses of a Service that name cloud requests, sorted
// by kind and name without duplicates. Every use must resolve, and a cloud
// request must exist in the Service's environment.
func cloudUses(r *source.Request, uses []platform.Use) ([]use, error) {
	uses = slices.Clone(uses)
	slices.SortFunc(uses, func(a, b platform.Use) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Name, b.Name))
	})
	uses = slices.Compact(uses)
	var out []use
	for _, u := range uses {
		req := r.Find(u.Kind, u.Name)
		if req == nil {
			return nil, fmt.Errorf("uses %s %q, which does not exist", u.Kind, u.Name)
		}
		if !slices.Contains(cloudKinds, u.Kind) {
			continue
		}
		if !slices.Contains(req.Environments, r.Env.Name) {
			return nil, fmt.Errorf("uses %s %q, which is not requested in %s", u.Kind, u.Name, r.Env.Name)
		}
		team := r.LookupTeam(req.Team)
		if team == nil {
			return nil, fmt.Errorf("uses %s %q of unknown team %q", u.Kind, u.Name, req.Team)
		}
		spec, err := r.SpecOf(req)
		if err != nil {
			return nil, fmt.Errorf("uses %s %q: %w", u.Kind, u.Name, err)
		}
		region := r.Env.Region
		if c, ok := spec.(interface{ CloudRegion() string }); ok && c.CloudRegion() != "" {
			region = c.CloudRegion()
		}
		l, err := label(u.Name)
		if err != nil {
			return nil, fmt.Errorf("uses %s %q: %w", u.Kind, u.Name, err)
		}
		out = append(out, use{req: req, team: team, spec: spec, region: region, label: l})
	}
	return out, nil
}
