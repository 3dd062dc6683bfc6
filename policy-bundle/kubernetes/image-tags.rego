# An image without a tag, or tagged latest, changes under a running
# service: a restart may run different code than the one reviewed.
package kubernetes.image_tags

import data.kubernetes.lib

# METADATA
# title: Images are pinned to a version
# description: Every container image has a version tag other than latest, or a digest.
# custom:
#   id: kubernetes.image_tag
#   field: spec.image
#   severity: medium
deny contains msg if {
	some c in lib.all_containers
	not pinned(object.get(c, "image", ""))
	msg := sprintf("container %q in %s uses image %q; pin a version tag other than latest, or a digest", [c.name, lib.name, object.get(c, "image", "")])
}

pinned(image) if regex.match(`@sha256:[0-9a-f]{64}$`, image)

pinned(image) if {
	not contains(image, "@")
	parts := split(image, "/")
	last := parts[count(parts) - 1]
	tag := split(last, ":")
	count(tag) == 2
	tag[1] != ""
	tag[1] != "latest"
}
