package kubernetes.image_tags_test

import data.kubernetes.image_tags

deployment(image) := {"kind": "Deployment", "metadata": {"name": "api"}, "spec": {"template": {"spec": {"containers": [{"name": "app", "image": image}]}}}}

test_tag_and_digest_pass if {
	count(image_tags.deny) == 0 with input as deployment("ghcr.io/acme/api:1.4.2")
	count(image_tags.deny) == 0 with input as deployment("registry.example:5000/api:2")
	count(image_tags.deny) == 0 with input as deployment("ghcr.io/acme/api@sha256:0123456789abcdef")
}

test_latest_and_untagged_fail if {
	count(image_tags.deny) == 1 with input as deployment("ghcr.io/acme/api:latest")
	count(image_tags.deny) == 1 with input as deployment("ghcr.io/acme/api")
	count(image_tags.deny) == 1 with input as deployment("registry.example:5000/api")
}
