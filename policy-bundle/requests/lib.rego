# Helpers shared by the policies on requests as written.
package requests.lib

is_request if input.apiVersion == "dip/v1"

# specs holds the request's spec for each of its environments, with the
# environment's overrides merged over the rest.
specs[env] := object.union(object.remove(input.spec, ["overrides", "environments"]), object.get(input.spec, ["overrides", env], {})) if {
	is_request
	some env in input.spec.environments
}

name := sprintf("%s %s", [input.kind, input.metadata.name])
