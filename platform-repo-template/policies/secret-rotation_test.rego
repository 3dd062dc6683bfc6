package acme.secret_rotation_test

import data.acme.secret_rotation

secret(spec) := {"apiVersion": "dip/v1", "kind": "Secret", "metadata": {"name": "k"}, "spec": spec}

test_rotating_secret_passes if {
	count(secret_rotation.deny) == 0 with input as secret({"rotationDays": 90})
}

test_missing_or_long_rotation_fails if {
	count(secret_rotation.deny) == 1 with input as secret({})
	count(secret_rotation.deny) == 1 with input as secret({"rotationDays": 365})
}
