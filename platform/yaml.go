package platform

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Limits on what a single file of the platform repo may hold. They keep a
// hostile or broken file from exhausting memory or time.
const (
	// MaxFileSize is the largest file read, in bytes.
	MaxFileSize = 1 << 20
	// MaxDepth is the deepest nesting of mappings and sequences.
	MaxDepth = 64
	// MaxNodes is the most values a document may denote, counting every
	// expansion of an alias.
	MaxNodes = 100_000
)

// Document is one parsed YAML document: the value it denotes and the node
// tree that records where each part of it was written.
type Document struct {
	File string
	// Root is the document's top node (after the document node itself).
	Root *yaml.Node
	// Value is Root as plain Go values: map[string]any, []any, string,
	// int64, float64, bool or nil.
	Value any
	// Data is the file as read.
	Data []byte
}

var yamlLine = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)

// ParseYAML parses data, the contents of file, as a single YAML document.
// It rejects files over MaxFileSize, invalid UTF-8, several documents in one
// file, duplicate mapping keys, non-string keys, nesting deeper than MaxDepth
// and alias expansion beyond MaxNodes. Every error is a Diagnostic.
func ParseYAML(file string, data []byte) (*Document, error) {
	at := func(line int, format string, args ...any) error {
		return Diagnostic{Pos: Pos{File: file, Line: line}, Rule: "yaml", Message: fmt.Sprintf(format, args...)}
	}
	if len(data) > MaxFileSize {
		return nil, at(1, "file is too large (more than %d bytes)", MaxFileSize)
	}
	if !utf8.Valid(data) {
		return nil, at(lineOfInvalidUTF8(data), "file is not valid UTF-8")
	}
	if i := bytes.IndexByte(data, 0); i >= 0 {
		return nil, at(1+bytes.Count(data[:i], []byte("\n")), "file contains a NUL byte")
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, at(1, "file is empty")
		}
		return nil, yamlError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, at(extra.Line, "file holds more than one YAML document; put one per file")
	} else if !errors.Is(err, io.EOF) {
		return nil, yamlError(file, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, at(1, "file is empty")
		}
		root = root.Content[0]
	}
	c := converter{file: file}
	v, err := c.value(root, 0)
	if err != nil {
		return nil, err
	}
	return &Document{File: file, Root: root, Value: v, Data: data}, nil
}

// parserProblems are the problems yaml.v3's parser, as opposed to its
// scanner, reports. It numbers their lines from zero, the scanner's from
// one.
var parserProblems = []string{
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"did not find expected '-' indicator",
	"did not find expected <document start>",
	"did not find expected <stream-start>",
	"did not find expected key",
	"did not find expected node content",
	"found duplicate %TAG directive",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found undefined tag handle",
}

func yamlError(file string, err error) error {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		msg = m[2]
		if m[1] != "" {
			line, _ = strconv.Atoi(m[1])
			if slices.Contains(parserProblems, msg) {
				line++
			}
		}
	}
	return Diagnostic{Pos: Pos{File: file, Line: line}, Rule: "yaml", Message: "invalid YAML: " + msg}
}

func lineOfInvalidUTF8(data []byte) int {
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			return line
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return line
}

type converter struct {
	file  string
	nodes int
	// alias is the outermost alias being expanded, where a document that
	// grows too large through aliases is reported.
	alias *yaml.Node
}

func (c *converter) fail(n *yaml.Node, format string, args ...any) error {
	return Diagnostic{Pos: Pos{File: c.file, Line: n.Line, Column: n.Column}, Rule: "yaml", Message: fmt.Sprintf(format, args...)}
}

func (c *converter) value(n *yaml.Node, depth int) (any, error) {
	c.nodes++
	if c.nodes > MaxNodes {
		if c.alias == nil {
			return nil, c.fail(n, "document is too large: more than %d values", MaxNodes)
		}
		return nil, c.fail(c.alias, "document is too large: more than %d values after expanding aliases", MaxNodes)
	}
	if depth > MaxDepth {
		return nil, c.fail(n, "document is nested too deeply (more than %d levels)", MaxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		if c.alias == nil {
			c.alias = n
			defer func() { c.alias = nil }()
		}
		return c.value(n.Alias, depth+1)
	case yaml.MappingNode:
		m := make(map[string]any, len(n.Content)/2)
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if k.Kind == yaml.ScalarNode && k.Tag == "!!merge" {
				return nil, c.fail(k, "merge keys (<<) are not supported; write the fields out")
			}
			if k.Kind != yaml.ScalarNode || (k.ShortTag() != "!!str" && k.ShortTag() != "!!int" && k.ShortTag() != "!!bool") {
				return nil, c.fail(k, "mapping keys must be strings")
			}
			if prev, ok := seen[k.Value]; ok {
				return nil, c.fail(k, "duplicate key %q (first at line %d)", k.Value, prev.Line)
			}
			seen[k.Value] = k
			val, err := c.value(v, depth+1)
			if err != nil {
				return nil, err
			}
			m[k.Value] = val
		}
		return m, nil
	case yaml.SequenceNode:
		s := make([]any, 0, len(n.Content))
		for _, e := range n.Content {
			val, err := c.value(e, depth+1)
			if err != nil {
				return nil, err
			}
			s = append(s, val)
		}
		return s, nil
	case yaml.ScalarNode:
		return c.scalar(n)
	default:
		return nil, c.fail(n, "unexpected YAML node")
	}
}

func (c *converter) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!str":
		return n.Value, nil
	case "!!null":
		return nil, nil
	case "!!bool":
		switch strings.ToLower(n.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err != nil {
			return nil, c.fail(n, "integer %s is out of range", n.Value)
		}
		return i, nil
	case "!!float":
		var f float64
		if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			return nil, c.fail(n, "number %s is not a finite number", n.Value)
		}
		return f, nil
	case "!!timestamp":
		// Dates stay as written; the schema decides what format they need.
		return n.Value, nil
	case "!!binary":
		return nil, c.fail(n, "binary values are not supported")
	}
	return nil, c.fail(n, "unsupported value %q (tag %s)", n.Value, n.ShortTag())
}
