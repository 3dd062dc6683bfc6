package kubernetes.image_tags_test

import data.kubernetes.fixtures
import data.kubernetes.image_tags

with_image(image) := json.patch(fixtures.deployment, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": image}])

digest := "sha256:4f53cda18c2baa0c0354bb5f9a3ecbe5ed12ab4d8e11ba873c2f11161202b945"

test_tags_and_digests_pass if {
	count(image_tags.deny) == 0 with input as fixtures.deployment
	count(image_tags.deny) == 0 with input as fixtures.cronjob
	count(image_tags.deny) == 0 with input as with_image("registry.example:5000/orders-api:2")
	count(image_tags.deny) == 0 with input as with_image(sprintf("ghcr.io/acme/orders-api@%s", [digest]))
	count(image_tags.deny) == 0 with input as with_image(sprintf("ghcr.io/acme/orders-api:1.4.2@%s", [digest]))
}

test_latest_fails if {
	image_tags.deny == {`container "orders-api" in Deployment "orders-api" uses image "ghcr.io/acme/orders-api:latest"; pin a version tag other than latest, or a digest`} with input as with_image("ghcr.io/acme/orders-api:latest")
}

test_untagged_fails if {
	count(image_tags.deny) == 1 with input as with_image("ghcr.io/acme/orders-api")
	count(image_tags.deny) == 1 with input as with_image("registry.example:5000/orders-api")
	count(image_tags.deny) == 1 with input as with_image("ghcr.io/acme/orders-api:")
	count(image_tags.deny) == 1 with input as with_image("ghcr.io/acme/orders-api@sha256:abc")
}

test_cronjob_images_are_judged if {
	j := json.patch(fixtures.cronjob, [{"op": "replace", "path": "/spec/jobTemplate/spec/template/spec/containers/0/image", "value": "ghcr.io/acme/catalog-reindex"}])
	count(image_tags.deny) == 1 with input as j
}
