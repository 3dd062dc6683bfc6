package terraform_test

import (
	"testing"

	"github.com/dipdev/dip/renderers/rendertest"
	"github.com/dipdev/dip/renderers/terraform"
)

func TestGolden(t *testing.T) {
	rendertest.Golden(t, "testdata", terraform.Render)
}
