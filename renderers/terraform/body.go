package terraform

import (
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// file is a Terraform file being built. Its methods are those of
// hclwrite's File, Body and Block that the renderers use, and every value
// is turned into tokens by hclwrite (TokensForValue escapes template
// sequences, so a user string is never interpolated); but where
// hclwrite.Body keeps a syntax tree that it rebuilds into tokens at the
// end, file keeps the tokens of each attribute and writes them out once.
type file struct{ body body }

func newFile() *file { return &file{} }

// Body returns the file's top-level body.
func (f *file) Body() *body { return &f.body }

// empty reports whether nothing was added to f.
func (f *file) empty() bool { return len(f.body.items) == 0 }

// tokens returns the tokens of f, unspaced (see layout).
func (f *file) tokens() hclwrite.Tokens { return f.body.appendTokens(nil) }

// body is the content of a file or a block: attributes, blocks and blank
// lines in the order they were added.
type body struct{ items []item }

// item is one attribute, block or blank line of a body.
type item struct {
	name  string          // attribute name; "" for a block or a blank line
	value hclwrite.Tokens // attribute value
	block *block
}

// block is a nested block: type, labels and body.
type block struct {
	typ    string
	labels []string
	body   body
}

// Body returns the block's body.
func (b *block) Body() *body { return &b.body }

// AppendNewBlock appends a block and returns it.
func (b *body) AppendNewBlock(typ string, labels []string) *block {
	blk := &block{typ: typ, labels: labels}
	b.items = append(b.items, item{block: blk})
	return blk
}

// AppendNewline appends a blank line.
func (b *body) AppendNewline() { b.items = append(b.items, item{}) }

// SetAttributeRaw sets attribute name to the expression toks, in place
// when the body has it already.
func (b *body) SetAttributeRaw(name string, toks hclwrite.Tokens) {
	for i := range b.items {
		if b.items[i].name == name {
			b.items[i].value = toks
			return
		}
	}
	b.items = append(b.items, item{name: name, value: toks})
}

// SetAttributeValue sets attribute name to the literal v.
func (b *body) SetAttributeValue(name string, v cty.Value) {
	b.SetAttributeRaw(name, hclwrite.TokensForValue(v))
}

// SetAttributeTraversal sets attribute name to the reference t.
func (b *body) SetAttributeTraversal(name string, t hcl.Traversal) {
	b.SetAttributeRaw(name, hclwrite.TokensForTraversal(t))
}

var (
	tokNewline = punct(hclsyntax.TokenNewline, '\n')
	tokEqual   = punct(hclsyntax.TokenEqual, '=')
	tokOBrace  = punct(hclsyntax.TokenOBrace, '{')
	tokCBrace  = punct(hclsyntax.TokenCBrace, '}')
)

// appendTokens appends the tokens of b to toks: one line per attribute,
// block headers with their labels quoted by hclwrite.
func (b *body) appendTokens(toks hclwrite.Tokens) hclwrite.Tokens {
	for _, it := range b.items {
		switch {
		case it.block != nil:
			toks = append(toks, hclwrite.TokensForIdentifier(it.block.typ)...)
			for _, l := range it.block.labels {
				toks = append(toks, hclwrite.TokensForValue(cty.StringVal(l))...)
			}
			toks = append(toks, tokOBrace, tokNewline)
			toks = it.block.body.appendTokens(toks)
			toks = append(toks, tokCBrace, tokNewline)
		case it.name != "":
			toks = append(toks, hclwrite.TokensForIdentifier(it.name)...)
			toks = append(toks, tokEqual)
			toks = append(toks, it.value...)
			toks = append(toks, tokNewline)
		default:
			toks = append(toks, tokNewline)
		}
	}
	return toks
}
