# Cloud resources live in the platform's regions. dip gives policies
# platform.yaml's allowedRegions as data.dip.platform.allowedRegions; with
# conftest, pass them in a data file:
#
#	conftest test --data policy-data/ ...   # policy-data/dip.yaml:
#	dip:
#	  platform:
#	    allowedRegions: [eu-west-1, eu-central-1]
package terraform.allowed_regions

default_regions := {"eu-west-1", "eu-central-1"}

allowed := {r | some r in data.dip.platform.allowedRegions} if {
	count(data.dip.platform.allowedRegions) > 0
} else := default_regions

# METADATA
# title: Resources live in approved regions
# description: Every AWS provider block pins a region the platform approves.
# custom:
#   id: terraform.allowed_regions
#   field: spec.region
#   severity: high
deny contains msg if {
	some p in input.provider.aws
	not approved(p)
	msg := sprintf("provider aws%s uses region %s, which the platform does not approve; approved regions: %s", [alias(p), region(p), concat(", ", sort(allowed))])
}

approved(p) if p.region in allowed

region(p) := sprintf("%q", [p.region]) if {
	is_string(p.region)
} else := "(none set)"

alias(p) := sprintf(" (alias %s)", [p.alias]) if {
	is_string(p.alias)
} else := ""
