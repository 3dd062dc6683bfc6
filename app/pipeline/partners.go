package pipeline

import (
	"cmp"
	"slices"
	"strings"

	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/kubernetes"
)

// The path of facts reads, with each request it reads, the requests whose
// rendered names may equal its own (renderers.Claims), so that validation
// reports a clash as it would with everything read. Facts do not hold the
// names themselves, which depend on the environments and the spec; they
// hold enough to find every request that may share one, and a few more.

// stemSpaces are, by kind, the spaces of renderers.Claims in which the
// request's names are <team>-<name>-<env>, with a prefix or suffix of the
// space's own: names that the team and name choose (the stem).
var stemSpaces = map[string][]string{
	"PostgresDatabase": {renderers.SpaceDatabase, renderers.SpaceSecretsManager},
	"Queue":            {renderers.SpaceQueue},
	"Bucket":           {renderers.SpaceBucket},
	"Secret":           {renderers.SpaceSecretsManager},
	"IAMRole":          {renderers.SpaceIAMRole},
	"Service":          {renderers.SpaceIAMRole},
}

// Kinds of claim keys.
const (
	keyStem       = "stem "
	keyNamespaced = "namespaced"
	keyDNS        = "dns"
)

// claimKeys are the keys side.byClaim lists a request by: its stem in
// each space; the namespace/name of each Kubernetes Secret it may fill;
// and one key for all DNS records.
func claimKeys(f *Facts) []Ref {
	var out []Ref
	for _, space := range stemSpaces[f.Kind] {
		out = append(out, Ref{keyStem + space, f.Team + "-" + f.Name})
	}
	out = append(out, namespacedKeys(f)...)
	if f.Kind == "DNSRecord" {
		out = append(out, Ref{keyDNS, ""})
	}
	return out
}

// stemmed lists a side's stems of one space, sorted, for the requests
// whose stems start with another's.
type stemmed struct {
	stem, path string
}

// sortStems makes s.stems from s.byClaim, once.
func (s *side) sortStems() {
	if s.stems != nil {
		return
	}
	s.stems = map[string][]stemmed{}
	for key, paths := range s.byClaim {
		space, ok := strings.CutPrefix(key.Kind, keyStem)
		if !ok {
			continue
		}
		for _, p := range paths {
			s.stems[space] = append(s.stems[space], stemmed{key.Name, p})
		}
	}
	for _, list := range s.stems {
		slices.SortFunc(list, func(a, b stemmed) int {
			return cmp.Or(strings.Compare(a.stem, b.stem), strings.Compare(a.path, b.path))
		})
	}
}

// withPrefix returns the files of space whose stems start with prefix.
func (s *side) withPrefix(space, prefix string) []string {
	s.sortStems()
	list := s.stems[space]
	i, _ := slices.BinarySearchFunc(list, prefix, func(e stemmed, p string) int { return strings.Compare(e.stem, p) })
	var out []string
	for ; i < len(list) && strings.HasPrefix(list[i].stem, prefix); i++ {
		out = append(out, list[i].path)
	}
	return out
}

// namespacedKeys are the namespace/name of the Kubernetes Secrets a
// request may fill, in any of the namespaces it lands in.
func namespacedKeys(f *Facts) []Ref {
	var name string
	switch f.Kind {
	case "Secret", "Certificate":
		name = f.Name
	case "Service":
		if slices.ContainsFunc(f.Uses, func(u Ref) bool { return u.Kind == "PostgresDatabase" }) {
			name = kubernetes.DatabasesSecretName(f.Name)
		}
	}
	if name == "" {
		return nil
	}
	out := make([]Ref, 0, len(f.Namespaces))
	for _, ns := range f.Namespaces {
		out = append(out, Ref{keyNamespaced, ns + "/" + name})
	}
	return out
}

// partners returns the request files of s whose rendered names may equal
// those of a request with facts f. Names of a space are <stem>-<env>
// (with a fixed prefix or suffix): stems a-b and a-b-c give one name when
// environments c-d and d exist. So the requests at risk have the stem, a
// stem that starts with it and a dash, or a stem it starts with, followed
// by a dash, in a space they share; or a Kubernetes Secret of the same
// namespace and name; or, for a DNS record, are DNS records.
func (s *side) partners(f *Facts) []string {
	if !f.Parsed {
		return nil
	}
	var out []string
	stem := f.Team + "-" + f.Name
	for _, space := range stemSpaces[f.Kind] {
		out = append(out, s.byClaim[Ref{keyStem + space, stem}]...)
		out = append(out, s.withPrefix(space, stem+"-")...)
		for _, prefix := range dashPrefixes(stem) {
			out = append(out, s.byClaim[Ref{keyStem + space, prefix}]...)
		}
	}
	for _, key := range namespacedKeys(f) {
		out = append(out, s.byClaim[key]...)
	}
	if f.Kind == "DNSRecord" {
		out = append(out, s.byClaim[Ref{keyDNS, ""}]...)
	}
	return out
}

// dashPrefixes returns the parts of s before each of its dashes.
func dashPrefixes(s string) []string {
	var out []string
	for i := range len(s) {
		if s[i] == '-' && i > 0 {
			out = append(out, s[:i])
		}
	}
	return out
}
