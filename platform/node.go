package platform

import (
	"strconv"

	"go.yaml.in/yaml/v3"
)

// Lookup follows path from n through mappings (by key) and sequences (by
// index), resolving aliases, and returns the value node found, or nil.
func Lookup(n *yaml.Node, path ...string) *yaml.Node {
	for _, p := range path {
		n = resolveAlias(n)
		if n == nil {
			return nil
		}
		switch n.Kind {
		case yaml.MappingNode:
			_, v := mappingEntry(n, p)
			if v == nil {
				return nil
			}
			n = v
		case yaml.SequenceNode:
			i, err := strconv.Atoi(p)
			if err != nil || i < 0 || i >= len(n.Content) {
				return nil
			}
			n = n.Content[i]
		default:
			return nil
		}
	}
	return resolveAlias(n)
}

// LookupKey is like Lookup but returns the key node of the last path
// element, which is where a reader expects a problem with a field to be
// reported. It falls back to the value node for sequence elements.
func LookupKey(n *yaml.Node, path ...string) *yaml.Node {
	if len(path) == 0 {
		return n
	}
	parent := Lookup(n, path[:len(path)-1]...)
	if parent == nil {
		return nil
	}
	if parent.Kind == yaml.MappingNode {
		k, _ := mappingEntry(parent, path[len(path)-1])
		return k
	}
	return Lookup(parent, path[len(path)-1])
}

// Deepest returns the deepest node on path that exists, and how many path
// elements were followed to reach it. A missing field is best reported at
// its nearest existing parent.
func Deepest(n *yaml.Node, path ...string) (*yaml.Node, int) {
	best, depth := n, 0
	for i := range path {
		k := LookupKey(n, path[:i+1]...)
		if k == nil {
			break
		}
		best, depth = k, i+1
	}
	return best, depth
}

func mappingEntry(m *yaml.Node, key string) (k, v *yaml.Node) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i], m.Content[i+1]
		}
	}
	return nil, nil
}

func resolveAlias(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < MaxDepth; i++ {
		n = n.Alias
	}
	return n
}

// PosOf returns the position of node n in file.
func PosOf(file string, n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: file, Line: 1}
	}
	return Pos{File: file, Line: n.Line, Column: n.Column}
}
