package terraform.allowed_regions

# The platform's allowedRegions (platform.yaml, given to policies as
# data.dip.platform.allowedRegions), else these.
default_regions := {"eu-west-1", "eu-central-1"}

configured := {r | some r in data.dip.platform.allowedRegions}

allowed := configured if {
	count(configured) > 0
} else := default_regions

# METADATA
# title: Resources live in approved regions
# custom:
#   id: terraform.allowed_regions
#   field: spec.region
#   severity: high
deny contains msg if {
	some p in input.provider.aws
	not p.region in allowed
	msg := sprintf("region %s is not approved; approved regions: %s", [p.region, concat(", ", sort(allowed))])
}
