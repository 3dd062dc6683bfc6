//go:build tools

// Package deps pins modules that the project is about to use, so that
// go.mod and go.sum stay complete while the code that uses them lands.
package deps

import (
	_ "github.com/bradleyfalzon/ghinstallation/v2"
	_ "github.com/go-git/go-git/v5"
	_ "github.com/google/go-cmp/cmp"
	_ "github.com/google/go-github/v92/github"
	_ "github.com/hashicorp/hcl/v2/hclsyntax"
	_ "github.com/hashicorp/hcl/v2/hclwrite"
	_ "github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/open-policy-agent/conftest/output"
	_ "github.com/open-policy-agent/conftest/parser"
	_ "github.com/open-policy-agent/conftest/policy"
	_ "github.com/open-policy-agent/opa/v1/rego"
	_ "github.com/open-policy-agent/opa/v1/tester"
	_ "github.com/prometheus/client_golang/prometheus"
	_ "github.com/prometheus/client_golang/prometheus/promhttp"
	_ "github.com/riverqueue/river"
	_ "github.com/riverqueue/river/riverdriver/riverpgxv5"
	_ "github.com/riverqueue/river/riverdriver/riversqlite"
	_ "github.com/riverqueue/river/rivermigrate"
	_ "github.com/santhosh-tekuri/jsonschema/v6"
	_ "github.com/spf13/cobra"
	_ "github.com/zricethezav/gitleaks/v8/detect"
	_ "gitlab.com/gitlab-org/api/client-go"
	_ "go.yaml.in/yaml/v3"
	_ "golang.org/x/tools/txtar"
	_ "k8s.io/api/apps/v1"
	_ "k8s.io/api/autoscaling/v2"
	_ "k8s.io/api/batch/v1"
	_ "k8s.io/api/core/v1"
	_ "k8s.io/api/networking/v1"
	_ "k8s.io/api/policy/v1"
	_ "k8s.io/apimachinery/pkg/apis/meta/v1"
	_ "modernc.org/sqlite"
	_ "sigs.k8s.io/yaml"
)
