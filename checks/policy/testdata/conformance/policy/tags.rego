package tags

required := {"team", "env", "cost-center"}

violation contains {"msg": msg, "_loc": {"file": data.conftest.file.name, "line": 1}} if {
	some type, resources in input.resource
	some name, rs in resources
	some r in rs
	missing := required - {k | some k, _ in object.get(r, "tags", {})}
	count(missing) > 0
	msg := sprintf("%s.%s lacks tags %v", [type, name, sort(missing)])
}
