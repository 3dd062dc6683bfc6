package kubernetes

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// External Secrets Operator settings shared by every ExternalSecret.
const (
	ExternalSecretAPIVersion = "external-secrets.io/v1beta1"
	// secretStore is the ClusterSecretStore that reads AWS Secrets Manager.
	secretStore = "aws-secrets-manager"
	// refreshInterval is how often the operator syncs a secret.
	refreshInterval = "1h"
	// secretValueKey is the key of a Secret request's value in the
	// Kubernetes Secret.
	secretValueKey = "value"
)

// ExternalSecret is the part of the External Secrets Operator's
// ExternalSecret (external-secrets.io/v1beta1) that dip renders, with the
// operator's field names.
type ExternalSecret struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              ExternalSecretSpec `json:"spec"`
}

type ExternalSecretSpec struct {
	// RefreshInterval is a Go duration, such as "1h".
	RefreshInterval string               `json:"refreshInterval"`
	SecretStoreRef  SecretStoreRef       `json:"secretStoreRef"`
	Target          ExternalSecretTarget `json:"target"`
	Data            []ExternalSecretData `json:"data,omitempty"`
}

type SecretStoreRef struct {
	Name string `json:"name"`
	Kind string `json:"kind"`
}

type ExternalSecretTarget struct {
	Name string `json:"name"`
	// CreationPolicy "Owner" makes the ExternalSecret own the Secret, so
	// that deleting one deletes the other.
	CreationPolicy string `json:"creationPolicy"`
}

type ExternalSecretData struct {
	SecretKey string    `json:"secretKey"`
	RemoteRef RemoteRef `json:"remoteRef"`
}

type RemoteRef struct {
	Key string `json:"key"`
	// Property picks one key of a secret holding a JSON object.
	Property string `json:"property,omitempty"`
}

// externalSecret returns an ExternalSecret called name in ns that fills the
// Secret of the same name with data.
func externalSecret(r *source.Request, name, ns string, data []ExternalSecretData) *ExternalSecret {
	return &ExternalSecret{
		TypeMeta:   typeMeta(ExternalSecretAPIVersion, "ExternalSecret"),
		ObjectMeta: meta(r, name, ns, nil),
		Spec: ExternalSecretSpec{
			RefreshInterval: refreshInterval,
			SecretStoreRef:  SecretStoreRef{Name: secretStore, Kind: "ClusterSecretStore"},
			Target:          ExternalSecretTarget{Name: name, CreationPolicy: "Owner"},
			Data:            data,
		},
	}
}

// secret renders a Secret request: an ExternalSecret that brings the AWS
// Secrets Manager secret the Terraform renderer creates into a Kubernetes
// Secret named after the request, under the key "value".
func secret(r *source.Request, s *platform.SecretSpec) *ExternalSecret {
	return externalSecret(r, r.Request.Name, s.Namespace, []ExternalSecretData{{
		SecretKey: secretValueKey,
		RemoteRef: RemoteRef{Key: source.SecretName(r.Team.Name, r.Request.Name, r.Env.Name)},
	}})
}
