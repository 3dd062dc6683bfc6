package kubernetes.ingress_tls_test

import data.kubernetes.fixtures
import data.kubernetes.ingress_tls

test_rendered_ingress_and_service_pass if {
	count(ingress_tls.deny) == 0 with input as fixtures.ingress
	count(ingress_tls.deny) == 0 with input as fixtures.service
}

# This is how dip renders a public Service request with tls: false.
test_ingress_without_tls_fails if {
	i := json.patch(fixtures.ingress, [{"op": "remove", "path": "/spec/tls"}])
	ingress_tls.deny == {`Ingress "orders-api" has no spec.tls: it serves orders.acme.example over plain HTTP`} with input as i
}

test_host_not_listed_under_tls_fails if {
	i := json.patch(fixtures.ingress, [{"op": "add", "path": "/spec/rules/-", "value": {"host": "www.orders.acme.example", "http": fixtures.ingress.spec.rules[0].http}}])
	ingress_tls.deny == {`Ingress "orders-api" serves www.orders.acme.example without TLS: no entry of spec.tls lists that host`} with input as i
}

test_wildcard_tls_host_covers_one_label if {
	i := json.patch(fixtures.ingress, [{"op": "replace", "path": "/spec/tls/0/hosts", "value": ["*.acme.example"]}])
	count(ingress_tls.deny) == 0 with input as i
	deeper := json.patch(i, [{"op": "replace", "path": "/spec/rules/0/host", "value": "a.orders.acme.example"}])
	count(ingress_tls.deny) == 1 with input as deeper
}

test_load_balancer_service_needs_a_certificate if {
	lb := json.patch(fixtures.service, [{"op": "replace", "path": "/spec/type", "value": "LoadBalancer"}])
	ingress_tls.deny == {`Service "orders-api" is a public load balancer without TLS; give it a certificate with the service.beta.kubernetes.io/aws-load-balancer-ssl-cert annotation, or route it through an Ingress`} with input as lb
	with_cert := json.patch(lb, [{"op": "add", "path": "/metadata/annotations/service.beta.kubernetes.io~1aws-load-balancer-ssl-cert", "value": "arn:aws:acm:eu-west-1:123456789012:certificate/abc"}])
	count(ingress_tls.deny) == 0 with input as with_cert
}

test_service_request_is_not_judged if {
	count(ingress_tls.deny) == 0 with input as {"apiVersion": "dip/v1", "kind": "Service", "metadata": {"name": "orders-api"}, "spec": {"type": "LoadBalancer"}}
}
