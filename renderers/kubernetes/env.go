package kubernetes

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers/source"
)

// The OpenTelemetry collector every Service exports to, over OTLP/HTTP.
const (
	otelEndpoint = "http://otel-collector.observability.svc.cluster.local:4318"
	otelProtocol = "http/protobuf"
)

// serviceEnv returns the environment of a Service's container, sorted by
// name: spec.env, the OpenTelemetry settings and what the Service's uses
// need (see uses). Values are literal: Kubernetes does not expand $(NAME)
// in them. A name set twice is an error, so that spec.env cannot silently
// shadow what dip sets.
func serviceEnv(r *source.Request, s *platform.ServiceSpec, u *uses) ([]corev1.EnvVar, error) {
	var env []corev1.EnvVar
	for name, value := range s.Env {
		env = append(env, corev1.EnvVar{Name: name, Value: literal(value)})
	}
	env = append(env, otelEnv(r)...)
	env = append(env, u.env...)
	slices.SortFunc(env, func(a, b corev1.EnvVar) int { return cmp.Compare(a.Name, b.Name) })
	for i := 1; i < len(env); i++ {
		if env[i].Name == env[i-1].Name {
			return nil, fmt.Errorf("spec.env: %s is also set by dip", env[i].Name)
		}
	}
	return env, nil
}

// otelEnv returns the OpenTelemetry SDK settings: the service's name, the
// resource attributes that tie its telemetry to its team, environment and
// request, and the collector it exports to.
func otelEnv(r *source.Request) []corev1.EnvVar {
	attrs := []string{
		"dip.team=" + otelValue(r.Team.Name),
		"deployment.environment.name=" + otelValue(r.Env.Name),
		"dip.request=" + otelValue(r.Request.File),
	}
	return []corev1.EnvVar{
		{Name: "OTEL_SERVICE_NAME", Value: literal(r.Request.Name)},
		{Name: "OTEL_RESOURCE_ATTRIBUTES", Value: literal(strings.Join(attrs, ","))},
		{Name: "OTEL_EXPORTER_OTLP_ENDPOINT", Value: otelEndpoint},
		{Name: "OTEL_EXPORTER_OTLP_PROTOCOL", Value: otelProtocol},
	}
}

// otelValue percent-encodes what OTEL_RESOURCE_ATTRIBUTES does not allow
// in a value unencoded (the W3C baggage octets exclude space, '"', ',',
// ';' and '\\', and '%' starts an escape).
func otelValue(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`",;\%`, c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// envPrefix turns a request name into the prefix of the variables that
// describe it: orders-db becomes ORDERS_DB.
func envPrefix(name string) string {
	b := []byte(strings.ToUpper(name))
	for i, c := range b {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	return string(b)
}
