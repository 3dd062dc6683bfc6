# Helpers shared by the policies on requests as written: the request file
# itself, before dip applies defaults or environment overrides.
package requests.lib

is_request if {
	input.apiVersion == "dip/v1"
	is_string(input.kind)
	is_object(input.spec)
}

# Defaults of the fields the request policies judge, as dip applies them.
defaults := {
	"PostgresDatabase": {"backupRetentionDays": 7, "highAvailability": false, "encrypted": true},
	"Queue": {"encrypted": true},
	"Bucket": {"versioning": true, "public": false, "encrypted": true},
	"Service": {"replicas": 2, "public": false, "tls": true},
}

# specs holds the request's spec for each of its environments: defaults,
# then the spec, then the environment's overrides merged over both.
specs[env] := spec if {
	is_request
	some env in input.spec.environments
	base := object.remove(input.spec, ["overrides", "environments"])
	spec := object.union(object.union(object.get(defaults, input.kind, {}), base), object.get(input.spec, ["overrides", env], {}))
}

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
