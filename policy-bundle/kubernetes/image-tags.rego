package kubernetes.image_tags

import data.kubernetes.lib

# METADATA
# title: Images are pinned to a version
# description: An image without a tag, or with :latest, changes under a running service.
# custom:
#   id: kubernetes.image_tag
#   field: spec.image
#   severity: medium
deny contains msg if {
	some c in lib.all_containers
	not pinned(c.image)
	msg := sprintf("container %q in %s uses image %q; pin a version tag or digest other than latest", [c.name, lib.name, c.image])
}

pinned(image) if contains(image, "@sha256:")

pinned(image) if {
	not contains(image, "@")
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	contains(last, ":")
	not endswith(last, ":latest")
}
