package terraform

import (
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
)

// bytesOf returns the text of f laid out as terraform fmt lays it out.
//
// hclwrite's File.Bytes formats the whole file first, and its formatter
// measures every aligned attribute name by splitting it into grapheme
// clusters with a newly allocated scanner: that alone took a third of all
// rendering time. The files this package builds use a small part of HCL
// (blocks, attributes, references, string and number literals, calls,
// tuples and objects), so bytesOf lays them out directly with layout, and
// leaves anything layout does not know to hclwrite.Format. Tests hold the
// two to the same bytes on every golden file, on generated repos and on
// fuzzed strings.
func bytesOf(f *file) []byte {
	toks := f.tokens()
	if b, ok := layout(toks); ok {
		return b
	}
	return hclwrite.Format(unspaced(toks))
}

// unspaced writes toks with a space between two tokens where layout would
// put one in a line, and no indentation or alignment.
func unspaced(toks hclwrite.Tokens) []byte {
	var out []byte
	for i, t := range toks {
		if i > 0 && toks[i-1].Type != hclsyntax.TokenNewline && t.Type != hclsyntax.TokenNewline && !tight(toks[i-1].Type, t.Type) {
			out = append(out, ' ')
		}
		out = append(out, t.Bytes...)
	}
	return out
}

// layout writes toks with the spacing terraform fmt gives them:
//
//   - a line that leaves brackets open indents the lines after it by two
//     spaces, up to the line that closes them, which starts with them;
//   - within a line one space separates two tokens, except after an
//     opening bracket, a dot or an opening quote; before a closing
//     bracket, a comma, a dot or a closing quote; in an empty object; and
//     between a name or a closing bracket and the bracket of a call or an
//     index that follows it;
//   - the equals signs of consecutive attributes that fit on one line are
//     aligned one space after the widest name.
//
// It reports false for a token or a line it has no rule for: any other
// token type, a line that closes brackets it did not start with or other
// than those one line opened, or a name to align that is not ASCII (whose
// width terraform fmt counts in grapheme clusters). It ignores the tokens'
// own spacing and leaves it as it is, so a token may appear more than
// once.
func layout(toks hclwrite.Tokens) ([]byte, bool) {
	var (
		// spaces[i] is the number of spaces before toks[i].
		spaces = make([]int, len(toks))
		// levels holds, for each indentation level open, how many
		// brackets the line that opened it left open: jsonencode({ is one
		// level, closed by one line, })
		levels []int
		// chain holds the indexes of the equals signs of the current run
		// of one-line attributes, and widths the width of the name before
		// each.
		chain, widths []int
	)
	closeChain := func() {
		widest := 0
		for _, w := range widths {
			widest = max(widest, w)
		}
		for i, eq := range chain {
			spaces[eq] = widest - widths[i] + 1
		}
		chain, widths = chain[:0], widths[:0]
	}
	for start := 0; start < len(toks); {
		end := start
		for end < len(toks) && toks[end].Type != hclsyntax.TokenNewline && toks[end].Type != hclsyntax.TokenEOF {
			end++
		}
		line := toks[start:end]
		net, closesFirst, eq, ok := scanLine(line)
		if !ok || closesFirst != (net < 0) {
			return nil, false
		}
		if net < 0 {
			if len(levels) == 0 || levels[len(levels)-1] != -net {
				return nil, false
			}
			levels = levels[:len(levels)-1]
		}
		for i := 1; i < len(line); i++ {
			if !tight(line[i-1].Type, line[i].Type) {
				spaces[start+i] = 1
			}
		}
		if len(line) > 0 {
			spaces[start] = 2 * len(levels)
		}
		if eq > 0 && net == 0 {
			w, ascii := width(line[:eq], spaces[start:])
			if !ascii {
				return nil, false
			}
			chain, widths = append(chain, start+eq), append(widths, w)
		} else {
			closeChain()
		}
		if net > 0 {
			levels = append(levels, net)
		}
		if end < len(toks) {
			end++
		}
		start = end
	}
	closeChain()
	if len(levels) != 0 {
		return nil, false
	}
	n := 0
	for i, t := range toks {
		n += spaces[i] + len(t.Bytes)
	}
	out := make([]byte, 0, n)
	for i, t := range toks {
		for range spaces[i] {
			out = append(out, ' ')
		}
		out = append(out, t.Bytes...)
	}
	return out, true
}

// scanLine returns the brackets a line opens less those it closes, whether
// it starts with a closing bracket, and the index of the equals sign of an
// attribute (0 when the line is not one: an attribute's name comes first).
// ok is false for a token layout has no rule for.
func scanLine(line hclwrite.Tokens) (net int, closesFirst bool, eq int, ok bool) {
	for i, t := range line {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen:
			net++
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen:
			net--
			if i == 0 {
				closesFirst = true
			}
		case hclsyntax.TokenEqual:
			if eq == 0 && i > 0 && net == 0 {
				eq = i
			}
		case hclsyntax.TokenIdent, hclsyntax.TokenOQuote, hclsyntax.TokenQuotedLit, hclsyntax.TokenCQuote,
			hclsyntax.TokenNumberLit, hclsyntax.TokenComma, hclsyntax.TokenDot:
		default:
			return 0, false, 0, false
		}
	}
	return net, closesFirst, eq, true
}

// tight reports whether no space goes between tokens of types a and b.
func tight(a, b hclsyntax.TokenType) bool {
	switch a {
	case hclsyntax.TokenOParen, hclsyntax.TokenOBrack, hclsyntax.TokenDot, hclsyntax.TokenOQuote:
		return true
	}
	switch b {
	case hclsyntax.TokenComma, hclsyntax.TokenCParen, hclsyntax.TokenCBrack, hclsyntax.TokenDot,
		hclsyntax.TokenCQuote, hclsyntax.TokenQuotedLit:
		return true
	case hclsyntax.TokenCBrace:
		return a == hclsyntax.TokenOBrace
	case hclsyntax.TokenOParen, hclsyntax.TokenOBrack:
		return a == hclsyntax.TokenIdent || a == hclsyntax.TokenCBrack || a == hclsyntax.TokenCParen
	}
	return false
}

// width returns the columns of an attribute's name, the spaces between
// its tokens included, and false when it is not all ASCII.
func width(name hclwrite.Tokens, spaces []int) (int, bool) {
	w := 0
	for i, t := range name {
		if i > 0 {
			w += spaces[i]
		}
		for _, c := range t.Bytes {
			if c >= 0x80 {
				return 0, false
			}
		}
		w += len(t.Bytes)
	}
	return w, true
}
