# Helpers shared by the Terraform policies. Inputs are .tf files as
# conftest's hcl2 parser gives them: a labelled block is an object keyed
# by its labels whose value is a list of bodies
# ({"resource": {"aws_s3_bucket": {"this": [{...}]}}}), an unlabelled
# nested block is a list of bodies ("rule": [{...}]), and an expression
# that is not a literal is a string such as "${aws_s3_bucket.this.id}".
package terraform.lib

# resources holds every resource block of the input as
# {"type": ..., "name": ..., "body": ...}.
resources contains {"type": type, "name": name, "body": body} if {
	some type, blocks in input.resource
	some name, bodies in blocks
	some body in bodies
}

# data_sources holds every data block of the input, shaped as resources.
data_sources contains {"type": type, "name": name, "body": body} if {
	some type, blocks in input.data
	some name, bodies in blocks
	some body in bodies
}

# of_type returns the resources of one type.
of_type(type) := {r | some r in resources; r.type == type}

# label names a resource in messages by its address and, when it has a
# literal one, its cloud name: aws_db_instance.this ("payments-orders-db-production").
label(r) := sprintf("%s.%s (%q)", [r.type, r.name, cloud_name(r)]) if {
	cloud_name(r)
} else := sprintf("%s.%s", [r.type, r.name])

# cloud_name is the first literal of a resource's naming attributes.
cloud_name(r) := [v |
	some attr in ["identifier", "bucket", "name"]
	v := r.body[attr]
	is_string(v)
	v != ""
	not contains(v, "${")
][0]

# refers_to holds when value is an expression that refers to the resource
# r, such as "${aws_s3_bucket.this.id}" for aws_s3_bucket.this.
refers_to(value, r) if {
	is_string(value)
	regex.match(sprintf(`(^|[^A-Za-z0-9_.])%s\.%s($|[^A-Za-z0-9_-])`, [r.type, r.name]), value)
}

# attached holds when the resource att names the bucket, queue or other
# resource r in its attribute attr, by reference or by r's literal name.
attached(att, attr, r) if refers_to(att.body[attr], r)

attached(att, attr, r) if {
	name := r.body[attr]
	is_string(name)
	not contains(name, "${")
	att.body[attr] == name
}

# env is the environment a resource was rendered for, from its env tag.
env(r) := r.body.tags.env

# production holds for a resource rendered for a production environment.
# A platform names its production environments with the data document
# dip.policy.productionEnvironments; the default is ["production"].
production(r) if env(r) in production_environments

production_environments := {e | some e in data.dip.policy.productionEnvironments} if {
	count(data.dip.policy.productionEnvironments) > 0
} else := {"production"}
