package codemods

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/dipdev/dip/platform"
)

// verify parses out, the edited file of doc, and checks that it holds
// want and every comment doc holds. It returns the parsed file.
func verify(doc *platform.Document, out []byte, want any) (*platform.Document, error) {
	next, err := platform.ParseYAML(doc.File, out)
	if err != nil {
		return nil, fmt.Errorf("the edited file would not parse (%v)", err)
	}
	if !reflect.DeepEqual(next.Value, want) {
		return nil, fmt.Errorf("the edited file would not hold the migrated request")
	}
	if !slices.Equal(comments(doc.Root), comments(next.Root)) {
		return nil, fmt.Errorf("the edit would move or lose a comment")
	}
	return next, nil
}

// comments returns the lines of every comment below n, sorted.
func comments(n *yaml.Node) []string {
	var out []string
	walk(n, func(n *yaml.Node) {
		for _, c := range []string{n.HeadComment, n.LineComment, n.FootComment} {
			for _, line := range strings.Split(c, "\n") {
				if line = strings.TrimSpace(line); line != "" {
					out = append(out, line)
				}
			}
		}
	})
	slices.Sort(out)
	return out
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[k] = deepCopy(e)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, e := range v {
			s[i] = deepCopy(e)
		}
		return s
	}
	return v
}

var plainText = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9._/-]*$`)

// render writes v, a string, integer or boolean, as a YAML scalar in the
// quoting style of a node of style: double or single quotes as the node
// had them, else plain when the text reads back as the same string.
func render(v any, style yaml.Style) string {
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	switch {
	case style&yaml.DoubleQuotedStyle != 0:
		return quote(s)
	case style&yaml.SingleQuotedStyle != 0:
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	case plainText.MatchString(s) && readsAsString(s):
		return s
	}
	return quote(s)
}

// quote writes s double-quoted; a JSON string is a YAML one.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// readsAsString reports whether s, which plainText matches, reads back as
// the string s when written plain: it is none of the words YAML reads as
// a boolean or null. (Numbers cannot match plainText.) The migration is
// checked by parsing the file again in any case.
func readsAsString(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null":
		return false
	}
	return true
}
