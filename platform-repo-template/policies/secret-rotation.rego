# acme's own policy, evaluated beside dip's default bundle. Policies here
# are plain conftest policies: `conftest test --all-namespaces -p policies`
# gives the same results.
package acme.secret_rotation

# METADATA
# title: Secrets rotate at least twice a year
# description: Credentials in Secrets Manager are rotated within 180 days.
# custom:
#   id: acme.secret_rotation
#   field: spec.rotationDays
deny contains msg if {
	input.apiVersion == "dip/v1"
	input.kind == "Secret"
	not input.spec.rotationDays
	msg := sprintf("Secret %s has no rotationDays; rotate it at least every 180 days", [input.metadata.name])
}

deny contains msg if {
	input.apiVersion == "dip/v1"
	input.kind == "Secret"
	input.spec.rotationDays > 180
	msg := sprintf("Secret %s rotates every %d days; the most is 180", [input.metadata.name, input.spec.rotationDays])
}
