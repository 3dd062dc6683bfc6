package terraform

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/dipdev/dip/renderers/source"
)

// Provider pins of every rendered root module.
const (
	terraformVersion   = ">= 1.5"
	awsProviderSource  = "hashicorp/aws"
	awsProviderVersion = "~> 5.0"
)

// module is one rendered root module: the files of one request in one
// environment. Blocks are appended in the order the renderer writes them,
// so the output follows the code and never a map's order.
type module struct {
	region string
	tags   map[string]string
	// tagTokens is tags as an HCL object, built once per module.
	tagTokens hclwrite.Tokens
	// aliases holds the regions other than region that data sources read
	// from; each gets an aliased provider.
	aliases   map[string]bool
	main      *file
	variables *file
	outputs   *file
	req       *source.Request
	// serialise, when set, replaces bytesOf and the cache of providers.tf:
	// tests compare layout with hclwrite's formatter through it.
	serialise func(*file) []byte
}

func newModule(r *source.Request) *module {
	return &module{
		region:    r.Region,
		tags:      r.Tags(),
		aliases:   map[string]bool{},
		main:      newFile(),
		variables: newFile(),
		outputs:   newFile(),
		req:       r,
	}
}

func (m *module) bytes(f *file) []byte {
	if m.serialise != nil {
		return m.serialise(f)
	}
	return bytesOf(f)
}

// appendBlock appends a block to f, separated from the previous one by a
// blank line, and returns its body.
func appendBlock(f *file, typ string, labels ...string) *body {
	body := f.Body()
	if len(body.items) > 0 {
		body.AppendNewline()
	}
	return body.AppendNewBlock(typ, labels).Body()
}

// resource appends a resource block to main.tf.
func (m *module) resource(typ, name string) *body {
	return appendBlock(m.main, "resource", typ, name)
}

// data appends a data block to main.tf.
func (m *module) data(typ, name string) *body { return appendBlock(m.main, "data", typ, name) }

// tag sets the tags every taggable resource carries.
func (m *module) tag(b *body) {
	if m.tagTokens == nil {
		m.tagTokens = stringMapTokens(m.tags)
	}
	b.SetAttributeRaw("tags", m.tagTokens)
}

// variable declares an input variable in variables.tf. typ is a type
// expression such as string or list(string).
func (m *module) variable(name string, typ hclwrite.Tokens, description string) {
	b := appendBlock(m.variables, "variable", name)
	b.SetAttributeRaw("type", typ)
	b.SetAttributeValue("description", cty.StringVal(description))
	b.SetAttributeValue("nullable", cty.False)
}

// output declares an output in outputs.tf.
func (m *module) output(name, description string, value hclwrite.Tokens) {
	b := appendBlock(m.outputs, "output", name)
	b.SetAttributeValue("description", cty.StringVal(description))
	b.SetAttributeRaw("value", value)
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

// provider returns the provider a data source in region reads through: nil
// for the module's own region, else an aliased provider it declares.
func (m *module) provider(region string) (hcl.Traversal, error) {
	if region == m.region {
		return nil, nil
	}
	if !regionPattern.MatchString(region) {
		return nil, fmt.Errorf("bad region %q", region)
	}
	m.aliases[region] = true
	return ref("aws", providerAlias(region)), nil
}

func providerAlias(region string) string { return strings.ReplaceAll(region, "-", "_") }

// files returns the module's files by name, laid out the way terraform
// fmt lays them out (see bytesOf).
func (m *module) files() map[string][]byte {
	out := map[string][]byte{
		"providers.tf": m.providers(),
		"main.tf":      m.bytes(m.main),
	}
	if !m.variables.empty() {
		out["variables.tf"] = m.bytes(m.variables)
	}
	if !m.outputs.empty() {
		out["outputs.tf"] = m.bytes(m.outputs)
	}
	return out
}

// providerFiles caches providers.tf by region and aliases: most modules
// share a handful of them.
var providerFiles sync.Map

func (m *module) providers() []byte {
	if m.serialise != nil {
		return m.serialise(m.buildProviders())
	}
	key := m.region + " " + strings.Join(slices.Sorted(maps.Keys(m.aliases)), " ")
	if b, ok := providerFiles.Load(key); ok {
		return b.([]byte)
	}
	b := bytesOf(m.buildProviders())
	providerFiles.Store(key, b)
	return b
}

func (m *module) buildProviders() *file {
	f := newFile()
	tf := appendBlock(f, "terraform")
	tf.SetAttributeValue("required_version", cty.StringVal(terraformVersion))
	tf.AppendNewBlock("required_providers", nil).Body().SetAttributeValue("aws", cty.ObjectVal(map[string]cty.Value{
		"source":  cty.StringVal(awsProviderSource),
		"version": cty.StringVal(awsProviderVersion),
	}))
	appendBlock(f, "provider", "aws").SetAttributeValue("region", cty.StringVal(m.region))
	for _, region := range slices.Sorted(maps.Keys(m.aliases)) {
		p := appendBlock(f, "provider", "aws")
		p.SetAttributeValue("alias", cty.StringVal(providerAlias(region)))
		p.SetAttributeValue("region", cty.StringVal(region))
	}
	return f
}

// ref builds a reference such as aws_sqs_queue.dlq.arn or
// data.aws_eks_cluster.this.identity[0]: a string step is an attribute, an
// int step an index.
func ref(root string, steps ...any) hcl.Traversal {
	t := hcl.Traversal{hcl.TraverseRoot{Name: root}}
	for _, s := range steps {
		switch s := s.(type) {
		case string:
			t = append(t, hcl.TraverseAttr{Name: s})
		case int:
			t = append(t, hcl.TraverseIndex{Key: cty.NumberIntVal(int64(s))})
		default:
			panic(fmt.Sprintf("ref: bad step %T", s))
		}
	}
	return t
}

// expr returns the tokens of a reference.
func expr(t hcl.Traversal) hclwrite.Tokens { return hclwrite.TokensForTraversal(t) }

// lit returns the tokens of a string literal; hclwrite escapes template
// sequences, so s is never interpolated.
func lit(s string) hclwrite.Tokens { return hclwrite.TokensForValue(cty.StringVal(s)) }

// call returns the tokens of a function call: those of
// hclwrite.TokensForFunctionCall without its formatting pass over the
// expression alone, which counts columns in grapheme clusters. Like tuple,
// object and stringMapTokens it leaves spacing to the file's layout (see
// bytesOf).
func call(name string, args ...hclwrite.Tokens) hclwrite.Tokens {
	toks := hclwrite.TokensForIdentifier(name)
	toks = append(toks, punct(hclsyntax.TokenOParen, '('))
	for i, a := range args {
		if i > 0 {
			toks = append(toks, punct(hclsyntax.TokenComma, ','))
		}
		toks = append(toks, a...)
	}
	return append(toks, punct(hclsyntax.TokenCParen, ')'))
}

// tuple returns the tokens of a tuple of expressions: those of
// hclwrite.TokensForTuple.
func tuple(elems ...hclwrite.Tokens) hclwrite.Tokens {
	toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrack, '[')}
	for i, e := range elems {
		if i > 0 {
			toks = append(toks, punct(hclsyntax.TokenComma, ','))
		}
		toks = append(toks, e...)
	}
	return append(toks, punct(hclsyntax.TokenCBrack, ']'))
}

// punct returns a one-byte token.
func punct(typ hclsyntax.TokenType, c byte) *hclwrite.Token {
	return &hclwrite.Token{Type: typ, Bytes: []byte{c}}
}

// field is one attribute of an object expression.
type field struct {
	name  string
	value hclwrite.Tokens
}

// object returns the tokens of an object expression, fields in order:
// those of hclwrite.TokensForObject.
func object(fields ...field) hclwrite.Tokens {
	toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrace, '{')}
	if len(fields) > 0 {
		toks = append(toks, punct(hclsyntax.TokenNewline, '\n'))
	}
	for _, f := range fields {
		toks = append(toks, hclwrite.TokensForIdentifier(f.name)...)
		toks = append(toks, punct(hclsyntax.TokenEqual, '='))
		toks = append(toks, f.value...)
		toks = append(toks, punct(hclsyntax.TokenNewline, '\n'))
	}
	return append(toks, punct(hclsyntax.TokenCBrace, '}'))
}

// typeListOfString is the type expression list(string).
func typeListOfString() hclwrite.Tokens { return call("list", hclwrite.TokensForIdentifier("string")) }

// typeString is the type expression string.
func typeString() hclwrite.Tokens { return hclwrite.TokensForIdentifier("string") }

func stringList(ss []string) cty.Value {
	if len(ss) == 0 {
		return cty.ListValEmpty(cty.String)
	}
	vals := make([]cty.Value, len(ss))
	for i, s := range ss {
		vals[i] = cty.StringVal(s)
	}
	return cty.ListVal(vals)
}

func stringMap(m map[string]string) cty.Value {
	if len(m) == 0 {
		return cty.MapValEmpty(cty.String)
	}
	vals := make(map[string]cty.Value, len(m))
	for k, v := range m {
		vals[k] = cty.StringVal(v)
	}
	return cty.MapVal(vals)
}

// stringMapTokens returns the tokens of TokensForValue(stringMap(m)): an
// object with one line per key, in key order. Keys and values are still
// hclwrite's tokens (so hclwrite escapes them), but the object is not
// formatted on its own, which would count the columns of every line in
// grapheme clusters: it is laid out with the file it goes into.
func stringMapTokens(m map[string]string) hclwrite.Tokens {
	if len(m) == 0 {
		return hclwrite.TokensForValue(stringMap(m))
	}
	toks := hclwrite.Tokens{punct(hclsyntax.TokenOBrace, '{'), punct(hclsyntax.TokenNewline, '\n')}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if hclsyntax.ValidIdentifier(k) {
			toks = append(toks, hclwrite.TokensForIdentifier(k)...)
		} else {
			toks = append(toks, lit(k)...)
		}
		toks = append(toks, punct(hclsyntax.TokenEqual, '='))
		toks = append(toks, lit(m[k])...)
		toks = append(toks, punct(hclsyntax.TokenNewline, '\n'))
	}
	return append(toks, punct(hclsyntax.TokenCBrace, '}'))
}

func number(n int) cty.Value { return cty.NumberIntVal(int64(n)) }

func numberTokens(n int) hclwrite.Tokens { return hclwrite.TokensForValue(number(n)) }

// label returns a Terraform block label for a request name, in the
// snake_case Terraform labels use. Request names hold no underscores, so
// distinct names give distinct labels; a leading digit gets a prefix.
func label(name string) (string, error) {
	l := strings.ReplaceAll(name, "-", "_")
	if l != "" && l[0] >= '0' && l[0] <= '9' {
		l = "r_" + l
	}
	if !hclsyntax.ValidIdentifier(l) {
		return "", fmt.Errorf("name %q cannot be a Terraform label", name)
	}
	return l, nil
}
