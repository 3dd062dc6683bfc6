package regions

deny contains msg if {
	some p in input.provider.aws
	not p.region in data.allowed.regions
	msg := sprintf("region %s is not allowed", [p.region])
}
