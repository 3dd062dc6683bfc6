# No public-facing resource without TLS: an Ingress serves every host over
# HTTPS, and a Service of type LoadBalancer terminates TLS at the load
# balancer. dip's Service requests reach the internet through an Ingress.
package kubernetes.ingress_tls

import data.kubernetes.lib

# The annotation that gives an AWS load balancer its certificate.
lb_certificate := "service.beta.kubernetes.io/aws-load-balancer-ssl-cert"

# METADATA
# title: Public endpoints use TLS
# description: Every host of an Ingress is listed under spec.tls, and every LoadBalancer Service has a certificate.
# custom:
#   id: kubernetes.ingress_tls
#   field: spec.tls
#   severity: high
deny contains msg if {
	is_ingress
	count(object.get(input, ["spec", "tls"], [])) == 0
	msg := sprintf("%s has no spec.tls: it serves %s over plain HTTP", [lib.name, hosts_text])
}

# METADATA
# title: Public endpoints use TLS
# description: Every host of an Ingress is listed under spec.tls, and every LoadBalancer Service has a certificate.
# custom:
#   id: kubernetes.ingress_tls
#   field: spec.tls
#   severity: high
deny contains msg if {
	is_ingress
	count(object.get(input, ["spec", "tls"], [])) > 0
	some host in hosts
	not covered(host)
	msg := sprintf("%s serves %s without TLS: no entry of spec.tls lists that host", [lib.name, host])
}

# METADATA
# title: Public endpoints use TLS
# description: Every host of an Ingress is listed under spec.tls, and every LoadBalancer Service has a certificate.
# custom:
#   id: kubernetes.ingress_tls
#   field: spec.tls
#   severity: high
deny contains msg if {
	lib.is_kubernetes
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	not input.metadata.annotations[lb_certificate]
	msg := sprintf("%s is a public load balancer without TLS; give it a certificate with the %s annotation, or route it through an Ingress", [lib.name, lb_certificate])
}

is_ingress if {
	lib.is_kubernetes
	input.kind == "Ingress"
}

hosts contains rule.host if some rule in input.spec.rules

hosts_text := concat(", ", sort(hosts)) if {
	count(hosts) > 0
} else := "every host"

covered(host) if {
	some tls in input.spec.tls
	some pattern in tls.hosts
	matches(pattern, host)
}

# An entry without hosts covers the controller's default host, which is
# every host of the Ingress.
covered(_) if {
	some tls in input.spec.tls
	count(object.get(tls, "hosts", [])) == 0
}

matches(pattern, host) if pattern == host

matches(pattern, host) if {
	startswith(pattern, "*.")
	suffix := substring(pattern, 1, -1)
	endswith(host, suffix)
	not contains(trim_suffix(host, suffix), ".")
}
