# Helpers shared by the policies on requests as written: the request file
# itself, before dip applies defaults or environment overrides.
package requests.lib

# is_request holds for a request of any blueprint version (dip/v1,
# dip/v2, ...).
is_request if {
	is_string(input.apiVersion)
	regex.match(`^dip/v[1-9][0-9]*$`, input.apiVersion)
	is_string(input.kind)
	is_object(input.spec)
}

# Defaults of the fields the request policies judge, as dip applies them,
# by blueprint version and kind.
defaults := {
	"dip/v1": {
		"PostgresDatabase": {"backupRetentionDays": 7, "highAvailability": false, "encrypted": true},
		"Queue": {"encrypted": true},
		"Bucket": {"versioning": true, "public": false, "encrypted": true},
		"Service": {"replicas": 2, "public": false, "tls": true},
	},
	"dip/v2": {
		"PostgresDatabase": {"backupRetentionDays": 7, "highAvailability": false, "encrypted": true},
		"Service": {"scaling": {"min": 2}, "public": false, "tls": true},
	},
}

# specs holds the request's spec for each of its environments: defaults,
# then the spec, then the environment's overrides merged over both
# (mappings merge, as dip merges them).
specs[env] := spec if {
	is_request
	some env in input.spec.environments
	base := object.remove(input.spec, ["overrides", "environments"])
	spec := object.union(object.union(object.get(defaults, [input.apiVersion, input.kind], {}), base), object.get(input.spec, ["overrides", env], {}))
}

# min_replicas is the fewest pods a Service runs with spec: replicas in
# dip/v1, scaling.min from dip/v2 on.
min_replicas(spec) := spec.replicas if {
	input.apiVersion == "dip/v1"
} else := spec.scaling.min

# production_specs holds the specs of production environments. A platform
# names its production environments with the data document
# dip.policy.productionEnvironments; the default is ["production"].
production_specs[env] := spec if {
	some env, spec in specs
	env in production_environments
}

production_environments := {e | some e in data.dip.policy.productionEnvironments} if {
	count(data.dip.policy.productionEnvironments) > 0
} else := {"production"}

# name names the request in messages, such as Service "orders-api".
name := sprintf("%s %q", [input.kind, input.metadata.name])
