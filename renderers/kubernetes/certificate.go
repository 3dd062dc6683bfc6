package kubernetes

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// CertificateAPIVersion is cert-manager's API.
const CertificateAPIVersion = "cert-manager.io/v1"

// Certificate is the part of cert-manager's Certificate (cert-manager.io/v1)
// that dip renders, with cert-manager's field names.
type Certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              CertificateSpec `json:"spec"`
}

type CertificateSpec struct {
	// SecretName is the Secret cert-manager stores the key pair in.
	SecretName string    `json:"secretName"`
	DNSNames   []string  `json:"dnsNames,omitempty"`
	IssuerRef  IssuerRef `json:"issuerRef"`
}

type IssuerRef struct {
	Name  string `json:"name"`
	Kind  string `json:"kind,omitempty"`
	Group string `json:"group,omitempty"`
}

// certificate renders a Certificate request: a Certificate from the
// ClusterIssuer spec.issuer, stored in the Secret named after the request.
func certificate(r *source.Request, s *platform.CertificateSpec) *Certificate {
	return &Certificate{
		TypeMeta:   typeMeta(CertificateAPIVersion, "Certificate"),
		ObjectMeta: meta(r, r.Request.Name, s.Namespace, nil),
		Spec: CertificateSpec{
			SecretName: r.Request.Name,
			DNSNames:   s.DNSNames,
			IssuerRef:  IssuerRef{Name: s.Issuer, Kind: "ClusterIssuer", Group: "cert-manager.io"},
		},
	}
}
