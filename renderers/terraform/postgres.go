package terraform

import (
	"fmt"
	"strings"

	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// masterUsername is the master user of every database. Its password is
// generated and kept in Secrets Manager by RDS: it never appears in the
// repo or in Terraform state.
const masterUsername = "dbadmin"

func renderPostgres(m *module, r *source.Request, spec *platform.PostgresDatabaseSpec) error {
	id := DatabaseIdentifier(r.Team.Name, r.Request.Name, r.Env.Name)
	if err := checkName("database identifier", id, rdsIdentifier); err != nil {
		return err
	}
	if err := checkName("instance class", spec.InstanceClass, instanceClass); err != nil {
		return err
	}
	dbName := DatabaseName(r.Request.Name)
	if err := checkName("database name", dbName, dbNamePattern); err != nil {
		return err
	}
	major, _, _ := strings.Cut(spec.Version, ".")
	if major == "" || strings.Trim(major, "0123456789") != "" {
		return fmt.Errorf("bad version %q", spec.Version)
	}

	m.variable("subnet_ids", typeListOfString(),
		"Private subnets of the environment's VPC that the database is placed in.")
	m.variable("security_group_ids", typeListOfString(),
		"Security groups that let the environment's workloads reach the database on port 5432.")

	subnets := m.resource("aws_db_subnet_group", "this")
	subnets.SetAttributeValue("name", cty.StringVal(id))
	subnets.SetAttributeTraversal("subnet_ids", ref("var", "subnet_ids"))
	m.tag(subnets)

	// The family is part of the name so that a major version upgrade
	// creates the new group before the instance moves to it.
	params := m.resource("aws_db_parameter_group", "this")
	params.SetAttributeValue("name", cty.StringVal(id+"-postgres"+major))
	params.SetAttributeValue("family", cty.StringVal("postgres"+major))
	params.SetAttributeValue("description", cty.StringVal("Managed by dip"))
	param := params.AppendNewBlock("parameter", nil).Body()
	param.SetAttributeValue("name", cty.StringVal("rds.force_ssl"))
	param.SetAttributeValue("value", cty.StringVal("1"))
	m.tag(params)
	params.AppendNewBlock("lifecycle", nil).Body().SetAttributeValue("create_before_destroy", cty.True)

	db := m.resource("aws_db_instance", "this")
	db.SetAttributeValue("identifier", cty.StringVal(id))
	db.SetAttributeValue("engine", cty.StringVal("postgres"))
	db.SetAttributeValue("engine_version", cty.StringVal(spec.Version))
	db.SetAttributeValue("instance_class", cty.StringVal(spec.InstanceClass))
	db.SetAttributeValue("db_name", cty.StringVal(dbName))
	db.SetAttributeValue("allocated_storage", number(spec.Storage.SizeGB))
	if spec.Storage.MaxSizeGB > 0 {
		if spec.Storage.MaxSizeGB < spec.Storage.SizeGB {
			return fmt.Errorf("storage.maxSizeGB %d is below storage.sizeGB %d", spec.Storage.MaxSizeGB, spec.Storage.SizeGB)
		}
		// Storage autoscaling: RDS grows the storage up to this size.
		db.SetAttributeValue("max_allocated_storage", number(spec.Storage.MaxSizeGB))
	}
	db.SetAttributeValue("storage_type", cty.StringVal("gp3"))
	db.SetAttributeValue("storage_encrypted", cty.BoolVal(spec.Encrypted))
	db.SetAttributeValue("multi_az", cty.BoolVal(spec.HighAvailability))
	db.SetAttributeTraversal("db_subnet_group_name", ref("aws_db_subnet_group", "this", "name"))
	db.SetAttributeTraversal("parameter_group_name", ref("aws_db_parameter_group", "this", "name"))
	db.SetAttributeTraversal("vpc_security_group_ids", ref("var", "security_group_ids"))
	db.SetAttributeValue("publicly_accessible", cty.False)
	db.SetAttributeValue("username", cty.StringVal(masterUsername))
	db.SetAttributeValue("manage_master_user_password", cty.True)
	// Services that use the database connect with IAM authentication.
	db.SetAttributeValue("iam_database_authentication_enabled", cty.True)
	db.SetAttributeValue("backup_retention_period", number(spec.BackupRetentionDays))
	db.SetAttributeValue("copy_tags_to_snapshot", cty.True)
	db.SetAttributeValue("deletion_protection", cty.True)
	db.SetAttributeValue("skip_final_snapshot", cty.False)
	db.SetAttributeValue("final_snapshot_identifier", cty.StringVal(id+"-final"))
	db.SetAttributeValue("auto_minor_version_upgrade", cty.True)
	// A major upgrade happens only when the request's version changes,
	// which is reviewed like any other change.
	db.SetAttributeValue("allow_major_version_upgrade", cty.True)
	m.tag(db)

	// The connection secret tells the workloads that use the database
	// where it is. It holds no credentials: each workload connects as its
	// own database user with IAM authentication.
	conn := m.resource("aws_secretsmanager_secret", "connection")
	conn.SetAttributeValue("name", cty.StringVal(source.DatabaseSecretName(r.Team.Name, r.Request.Name, r.Env.Name)))
	conn.SetAttributeValue("description", cty.StringVal("Where to reach database "+id+"; holds no credentials."))
	conn.SetAttributeValue("recovery_window_in_days", number(secretRecoveryDays))
	m.tag(conn)
	ver := m.resource("aws_secretsmanager_secret_version", "connection")
	ver.SetAttributeTraversal("secret_id", ref("aws_secretsmanager_secret", "connection", "id"))
	ver.SetAttributeRaw("secret_string", call("jsonencode", object(
		field{"engine", lit("postgres")},
		field{"host", expr(ref("aws_db_instance", "this", "address"))},
		field{"port", expr(ref("aws_db_instance", "this", "port"))},
		field{"dbname", expr(ref("aws_db_instance", "this", "db_name"))},
	)))

	m.output("identifier", "The RDS instance identifier.", expr(ref("aws_db_instance", "this", "identifier")))
	m.output("address", "The hostname of the database.", expr(ref("aws_db_instance", "this", "address")))
	m.output("port", "The port of the database.", expr(ref("aws_db_instance", "this", "port")))
	m.output("resource_id", "The RDS resource id, which IAM database authentication policies name.",
		expr(ref("aws_db_instance", "this", "resource_id")))
	m.output("connection_secret_arn", "The secret that tells workloads where the database is.",
		expr(ref("aws_secretsmanager_secret", "connection", "arn")))
	m.output("master_user_secret_arn", "The Secrets Manager secret RDS keeps the master password in.",
		expr(ref("aws_db_instance", "this", "master_user_secret", 0, "secret_arn")))
	return nil
}
