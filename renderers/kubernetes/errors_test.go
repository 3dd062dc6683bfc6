package kubernetes_test

import (
	"strings"
	"testing"

	"github.com/dipdev/dip/renderers/kubernetes"
)

// TestErrors renders requests that cannot be rendered and expects an error
// naming the field at fault.
func TestErrors(t *testing.T) {
	const service = `-- requests/payments/api.yaml --
apiVersion: dip/v1
kind: Service
metadata: {name: api, team: payments}
spec:
  environments: [staging]
  namespace: payments
  image: ghcr.io/acme/api:1.0.0
`
	for _, tc := range []struct {
		name, requests, want string
	}{
		{"unknown use", service + "  uses: [{kind: Queue, name: nope}]\n", `spec.uses[0]: no Queue named "nope"`},
		{"use in another environment", service + "  uses: [{kind: Queue, name: q}]\n" + `-- requests/payments/q.yaml --
apiVersion: dip/v1
kind: Queue
metadata: {name: q, team: payments}
spec:
  environments: [production]
`, "spec.uses[0]: Queue q is not in environment staging"},
		{"secret in another namespace", service + "  uses: [{kind: Secret, name: key}]\n" + `-- requests/payments/key.yaml --
apiVersion: dip/v1
kind: Secret
metadata: {name: key, team: payments}
spec:
  environments: [staging]
  namespace: billing
`, "lands in namespace billing, not in the service's namespace payments"},
		{"use of a kind without a connection", service + "  uses: [{kind: Namespace, name: payments}]\n" + `-- requests/payments/payments.yaml --
apiVersion: dip/v1
kind: Namespace
metadata: {name: payments, team: payments}
spec:
  environments: [staging]
  quota: {cpu: "1", memory: 1Gi, pods: 1}
`, "spec.uses[0]: a Service cannot use a Namespace"},
		{"env set by dip", service + "  env: {OTEL_SERVICE_NAME: other}\n", "spec.env: OTEL_SERVICE_NAME is also set by dip"},
		{"max below replicas", service + "  replicas: 5\n  maxReplicas: 3\n", "spec.scaling.max 3 is below spec.scaling.min 5"},
		{"bad cpu", service + "  resources: {cpu: lots, memory: 1Gi}\n", `spec.resources.cpu "lots"`},
		{"public without host", service + "  public: true\n", "spec.host: required when spec.public is true"},
		{"bad quota", `-- requests/payments/payments.yaml --
apiVersion: dip/v1
kind: Namespace
metadata: {name: payments, team: payments}
spec:
  environments: [staging]
  quota: {cpu: "1", memory: 1GB!, pods: 1}
`, `spec.quota.memory "1GB!"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := sources(t, tc.requests)[0]
			_, err := kubernetes.Render(src)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("render %s: error %v, want one containing %q", src.Request.File, err, tc.want)
			}
		})
	}
}
