package validate

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/dipdev/dip/platform"
)

var printer = message.NewPrinter(language.English)

// patternHints says in words what each pattern of the schemas asks for.
// Every pattern in the schemas has one; a test makes sure.
var patternHints = map[string]string{
	`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`:                                               "a DNS-1123 label: at most 63 lowercase ASCII letters, digits and '-', starting and ending with a letter or digit",
	`^[a-z]{2}(-[a-z]+)+-[0-9]+$`:                                                        "a cloud region such as eu-west-1",
	`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$`:        "a lowercase DNS name such as orders.acme.example",
	`^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$`: "a lowercase DNS name such as orders.acme.example, optionally starting with \"*.\"",
	`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`:                                                       "a date written YYYY-MM-DD",
	`^([0-9]+(\.[0-9]+)?|[0-9]+m)$`:                                                      "a CPU quantity such as \"1\", \"0.5\" or \"250m\"",
	`^[0-9]+(\.[0-9]+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$`:                                "a memory quantity such as \"256Mi\" or \"1Gi\"",
	`^[^\s]+$`:  "a value without spaces",
	`^/[^\s]*$`: "an absolute HTTP path such as /healthz",
	`^(@(yearly|annually|monthly|weekly|daily|hourly)|[^\s]+(\s+[^\s]+){4})$`: "a cron schedule of five fields such as \"0 3 * * *\", or a macro such as @daily",
	`^[A-Za-z_][A-Za-z0-9_]*$`:                                         "a variable name of letters, digits and '_', not starting with a digit",
	`^arn:aws[a-z-]*:iam::(aws|[0-9]{12}):policy/[^\s]+$`:              "an IAM policy ARN such as arn:aws:iam::aws:policy/ReadOnlyAccess",
	`^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$`:                                  "an IAM action such as s3:GetObject",
	`^[A-Za-z0-9][A-Za-z0-9._/-]*$`:                                    "a branch name",
	`^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$`:   "a relative path whose parts do not start with '.'",
	`^(@[A-Za-z0-9][A-Za-z0-9-]*(/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+)$`: "a GitHub user or team (@org/team) or an email address",
	`^[A-Za-z0-9][A-Za-z0-9._-]*$`:                                     "letters, digits, '.', '_' and '-'",
	`^#[^\s]+$`:                                                        "a Slack channel such as #payments",
	`^([a-z0-9]+-)*[a-z0-9]*[a-z][a-z0-9]*(-[a-z0-9]+)*$`:              "a port name: lowercase letters and digits with single '-' between them, at least one letter",
	`^db\.[a-z0-9]+\.[a-z0-9]+(\.[a-z0-9]+)?$`:                         "an RDS instance class such as db.t4g.small",
}

// explainer turns a schema validation error into diagnostics a developer
// can act on: each names the field and sits on the line that holds it.
type explainer struct {
	set *schemaSet
	doc *platform.Document
	ds  *platform.Diagnostics
}

func (e explainer) walk(err *jsonschema.ValidationError) {
	if k, ok := err.ErrorKind.(*kind.PropertyNames); ok {
		e.propertyName(err, k)
		return
	}
	if len(err.Causes) > 0 {
		for _, c := range err.Causes {
			e.walk(c)
		}
		return
	}
	e.leaf(err)
}

func (e explainer) add(tokens []string, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if f := fieldPath(tokens); f != "" {
		msg = f + ": " + msg
	}
	e.ds.Add(e.pos(tokens), "schema", "%s", msg)
}

// pos is where the value at tokens is written: its key, or its nearest
// written parent when it is missing.
func (e explainer) pos(tokens []string) platform.Pos {
	if n := platform.LookupKey(e.doc.Root, tokens...); n != nil {
		return platform.PosOf(e.doc.File, n)
	}
	n, _ := platform.Deepest(e.doc.Root, tokens...)
	return platform.PosOf(e.doc.File, n)
}

func (e explainer) leaf(err *jsonschema.ValidationError) {
	loc := err.InstanceLocation
	got := valueAt(e.doc.Value, loc)
	switch k := err.ErrorKind.(type) {
	case *kind.Required:
		hint := ""
		if strings.HasSuffix(err.SchemaURL, "/then") {
			if d, ok := e.set.schemaAt(err.SchemaURL)["description"].(string); ok {
				hint = " (" + d + ")"
			}
		}
		for _, m := range k.Missing {
			e.add(loc, "missing required field %q%s", m, hint)
		}
	case *kind.AdditionalProperties:
		known := e.set.fieldNames(err.SchemaURL)
		for _, p := range k.Properties {
			e.unknownField(loc, p, known)
		}
	case *kind.FalseSchema:
		parent, ok := strings.CutSuffix(err.SchemaURL, "/unevaluatedProperties")
		if !ok || len(loc) == 0 {
			e.add(loc, "is not allowed here")
			return
		}
		e.unknownField(loc[:len(loc)-1], loc[len(loc)-1], e.set.fieldNames(parent))
	case *kind.Type:
		e.add(loc, "must be %s (got %s)%s", typeNames(k.Want), describe(got), quoteHint(k.Want, got))
	case *kind.Enum:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = fmt.Sprint(w)
		}
		e.add(loc, "must be one of %s (got %s)%s", strings.Join(want, ", "), describe(got), suggestion(got, want))
	case *kind.Const:
		e.add(loc, "must be %v (got %s)", k.Want, describe(got))
	case *kind.Minimum:
		e.add(loc, "must be at least %s (got %s)", k.Want.RatString(), describe(got))
	case *kind.Maximum:
		e.add(loc, "must be at most %s (got %s)", k.Want.RatString(), describe(got))
	case *kind.MinItems:
		if k.Want == 1 {
			e.add(loc, "must not be empty")
		} else {
			e.add(loc, "must have at least %d entries (got %d)", k.Want, k.Got)
		}
	case *kind.MaxItems:
		e.add(loc, "must have at most %d entries (got %d)", k.Want, k.Got)
	case *kind.UniqueItems:
		second := append(slices.Clone(loc), strconv.Itoa(k.Duplicates[1]))
		e.add(second, "repeats %s[%d] (%s); list each entry once", fieldPath(loc), k.Duplicates[0], describe(valueAt(e.doc.Value, second)))
	case *kind.Pattern:
		if k.Got == "" {
			e.add(loc, "must not be empty")
			return
		}
		e.add(loc, "must be %s (got %s)%s", patternHint(k.Want), describe(got), oddRunes(k.Got, k.Want))
	case *kind.MinLength:
		if k.Want == 1 {
			e.add(loc, "must not be empty")
		} else {
			e.add(loc, "must be at least %d characters long (got %d)", k.Want, k.Got)
		}
	case *kind.MaxLength:
		e.add(loc, "must be at most %d characters long (got %d)", k.Want, k.Got)
	default:
		e.add(loc, "%s", err.ErrorKind.LocalizedString(printer))
	}
}

// renamed says how the request's blueprint version writes field, a path
// of spec or of an environment's overrides, when another version of the
// blueprint names the field so: a dip/v1 field in a dip/v2 request, or the
// other way round.
func (e explainer) renamed(field []string) string {
	if len(field) < 2 || field[0] != "spec" {
		return ""
	}
	rest := field[1:]
	if len(rest) > 2 && rest[0] == "overrides" {
		rest = rest[2:]
	}
	top, _ := e.doc.Value.(map[string]any)
	version, _ := top["apiVersion"].(string)
	kind, _ := top["kind"].(string)
	path := "spec." + strings.Join(rest, ".")
	in := platform.FieldIn(version, kind, path)
	if in == path {
		return ""
	}
	return fmt.Sprintf(": %s %s writes it as %s", kind, version, strings.TrimPrefix(in, "spec."))
}

func (e explainer) unknownField(parent []string, name string, known []string) {
	if slices.Contains(known, name) {
		// A declared field whose value failed its own schema counts as
		// unevaluated too; its own error says what is wrong with it.
		return
	}
	field := append(slices.Clone(parent), name)
	hint := e.renamed(field)
	if hint == "" {
		hint = suggestion(name, known)
	}
	msg := fmt.Sprintf("unknown field %q%s", name, hint)
	if f := fieldPath(parent); f != "" {
		msg = f + ": " + msg
	}
	e.ds.Add(e.pos(field), "schema", "%s", msg)
}

// propertyName reports a mapping key that is not a valid name, such as an
// override for an environment called "Prod".
func (e explainer) propertyName(err *jsonschema.ValidationError, k *kind.PropertyNames) {
	what, pattern := "a valid name", ""
	var leaves []*jsonschema.ValidationError
	collectLeaves(err, &leaves)
	for _, l := range leaves {
		if p, ok := l.ErrorKind.(*kind.Pattern); ok {
			what, pattern = patternHint(p.Want), p.Want
		}
	}
	// The validator reports the mapping's location in a slice it goes on
	// to reuse: only its length can be trusted. Find the mapping of that
	// depth holding the key instead.
	loc := findKey(e.doc.Value, k.Property, len(err.InstanceLocation), nil)
	if loc == nil {
		loc = err.InstanceLocation[:0]
	}
	key := append(slices.Clone(loc), k.Property)
	e.ds.Add(e.pos(key), "schema", "%s: key %q must be %s%s", fieldPath(loc), k.Property, what, oddRunes(k.Property, pattern))
}

// findKey returns the path of the first mapping, depth levels into v,
// that has key, or nil.
func findKey(v any, key string, depth int, path []string) []string {
	switch x := v.(type) {
	case map[string]any:
		if depth == 0 {
			if _, ok := x[key]; ok {
				return append([]string{}, path...)
			}
			return nil
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if p := findKey(x[k], key, depth-1, append(path, k)); p != nil {
				return p
			}
		}
	case []any:
		for i, e := range x {
			if p := findKey(e, key, depth-1, append(path, strconv.Itoa(i))); p != nil {
				return p
			}
		}
	}
	return nil
}

func collectLeaves(err *jsonschema.ValidationError, out *[]*jsonschema.ValidationError) {
	if len(err.Causes) == 0 {
		*out = append(*out, err)
	}
	for _, c := range err.Causes {
		collectLeaves(c, out)
	}
}

// fieldPath writes a location as a reader writes a field:
// spec.uses[0].kind.
func fieldPath(tokens []string) string {
	var b strings.Builder
	for i, t := range tokens {
		if _, err := strconv.Atoi(t); err == nil && i > 0 {
			fmt.Fprintf(&b, "[%s]", t)
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(t)
	}
	return b.String()
}

// valueAt returns the value at tokens in v, or nil.
func valueAt(v any, tokens []string) any {
	for _, t := range tokens {
		switch x := v.(type) {
		case map[string]any:
			v = x[t]
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

// describe writes a value as found in the file, briefly.
func describe(v any) string {
	switch x := v.(type) {
	case nil:
		return "an empty value"
	case string:
		if len(x) > 80 {
			x = x[:77] + "..."
		}
		return strconv.Quote(x)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	default:
		return fmt.Sprint(x)
	}
}

func typeNames(want []string) string {
	names := make([]string, len(want))
	for i, w := range want {
		switch w {
		case "object":
			names[i] = "a mapping"
		case "array":
			names[i] = "a list"
		case "string":
			names[i] = "a string"
		case "integer":
			names[i] = "a whole number"
		case "number":
			names[i] = "a number"
		case "boolean":
			names[i] = "true or false"
		default:
			names[i] = w
		}
	}
	return strings.Join(names, " or ")
}

// quoteHint suggests quoting a number or boolean YAML read where a string
// was meant, the commonest YAML mistake (version: 16, cpu: 1).
func quoteHint(want []string, got any) string {
	if !slices.Contains(want, "string") {
		return ""
	}
	switch got.(type) {
	case int64, float64, bool:
		return fmt.Sprintf("; write it in quotes: \"%s\"", describe(got))
	}
	return ""
}

func patternHint(pattern string) string {
	if h, ok := patternHints[pattern]; ok {
		return h
	}
	return "a string matching " + pattern
}

// oddRunes points out characters of s that look right but are not what
// pattern allows: letters from other scripts, invisible characters, and
// upper case where the pattern has none.
func oddRunes(s, pattern string) string {
	for _, r := range s {
		switch {
		case r > unicode.MaxASCII:
			return fmt.Sprintf("; it contains %q (U+%04X), which is not an ASCII character", r, r)
		case unicode.IsUpper(r) && !strings.Contains(pattern, "A-Z"):
			return "; use lower case"
		}
	}
	return ""
}
