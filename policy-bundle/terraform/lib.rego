# Helpers shared by the Terraform policies. Inputs are .tf files as
# conftest's hcl2 parser gives them: every block is a list of bodies.
package terraform.lib

# resources holds every resource block of the input as
# {"type": ..., "name": ..., "body": ...}.
resources contains {"type": type, "name": name, "body": body} if {
	some type, blocks in input.resource
	some name, bodies in blocks
	some body in bodies
}

# label names a resource in messages, such as aws_db_instance.this.
label(r) := sprintf("%s.%s", [r.type, r.name])
