// Package policybundle is dip's default policy bundle, embedded in the
// binary: Rego v1 policies on rendered Terraform, rendered Kubernetes
// objects and requests as written, with their unit tests and metadata.
package policybundle

import "embed"

// FS holds terraform/, kubernetes/, requests/ and metadata/.
//
//go:embed terraform kubernetes requests metadata
var FS embed.FS
