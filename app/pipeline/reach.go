package pipeline

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/dipdev/dip/platform"
	"github.com/dipdev/dip/renderers"
	"github.com/dipdev/dip/renderers/kubernetes"
)

// needed returns the request files to read on both sides: those the
// change may put in scope (see mayChange), and everything they depend on.
// A file read on one side is read on the other too, so that ChangeScope
// and the comparison of problems see it on both.
func needed(head, base *side) map[string]bool {
	roots := map[string]bool{}
	teams := changedTeams(head.blobs, base.blobs)
	for _, pair := range [][2]*side{{head, base}, {base, head}} {
		s, other := pair[0], pair[1]
		for _, p := range s.paths {
			_, known := s.facts[p]
			if other.blobs[p] != s.blobs[p] || teams[teamOf(p)] || !known {
				roots[p] = true
			}
		}
	}
	if teamsAddedOrRemoved(head.blobs, base.blobs) {
		// The "did you mean" of an unknown team lists the teams.
		for _, s := range []*side{head, base} {
			for p, f := range s.facts {
				if f.Parsed && !s.hasTeam(f.Team) {
					roots[p] = true
				}
			}
		}
	}
	mayChange(head, base, roots)
	need := map[string]bool{}
	for _, s := range []*side{head, base} {
		s.close(roots, need)
	}
	return need
}

// mayChange adds to roots, the files a change touches, every file whose
// scope or problems the change may reach through another, until there is
// no more: the users of a touched request, which are judged with it and
// told when it is invalid; the requests that land in a touched Namespace,
// whose environments decide whether they may; the requests of the same
// kind and name, or whose rendered names may equal a touched one's (see
// partners), which are told of the clash; and the requests of a touched
// one's kind whose uses do not resolve, whose "did you mean" lists that
// kind's names. Each is itself touched then: a request told of a clash is
// invalid, and so its users are told.
func mayChange(head, base *side, roots map[string]bool) {
	sides := []*side{head, base}
	touched, namespaces, kinds := map[Ref]bool{}, map[string]bool{}, map[string]bool{}
	fresh := slices.Collect(maps.Keys(roots))
	// reached is how many touched requests the last pass over all files
	// looked for; namespaces and kinds grow with them.
	reached := -1
	for len(fresh) > 0 {
		// What the new roots are and claim, and who shares a name with them.
		var next []string
		add := func(ps []string) {
			for _, p := range ps {
				if !roots[p] {
					roots[p] = true
					next = append(next, p)
				}
			}
		}
		for _, p := range fresh {
			for _, s := range sides {
				f, ok := s.facts[p]
				if !ok || !f.Parsed {
					continue
				}
				touched[Ref{f.Kind, f.Name}], kinds[f.Kind] = true, true
				if f.Kind == "Namespace" {
					namespaces[f.Name] = true
				}
				add(s.byRef[Ref{f.Kind, f.Name}])
				for _, other := range sides {
					add(other.partners(f))
				}
			}
		}
		// Who uses them, lands in them, or is told their names: only
		// when there is more to reach than in the round before.
		if len(touched) == reached {
			fresh = next
			continue
		}
		reached = len(touched)
		for _, s := range sides {
			for p, f := range s.facts {
				if !roots[p] && s.reaches(f, touched, namespaces, kinds) {
					add([]string{p})
				}
			}
		}
		fresh = next
	}
}

// reaches reports whether a request with facts f uses a touched request,
// lands in a touched Namespace, or has a use of a touched kind that finds
// no request (its "did you mean" lists that kind's names).
func (s *side) reaches(f *Facts, touched map[Ref]bool, namespaces, kinds map[string]bool) bool {
	for _, u := range f.Uses {
		if touched[u] || (kinds[u.Kind] && !s.resolves(u)) {
			return true
		}
	}
	for _, ns := range f.Namespaces {
		if namespaces[ns] {
			return true
		}
	}
	return false
}

// hasTeam reports whether s has the file of team.
func (s *side) hasTeam(team string) bool {
	_, ok := s.blobs[platform.TeamsDir+"/"+team+".yaml"]
	return ok
}

// teamsAddedOrRemoved reports whether a team file is on one side only.
func teamsAddedOrRemoved(a, b Blobs) bool {
	for _, pair := range [][2]Blobs{{a, b}, {b, a}} {
		for p := range pair[0] {
			if _, ok := pair[1][p]; !ok && strings.HasPrefix(p, platform.TeamsDir+"/") {
				return true
			}
		}
	}
	return false
}

// close adds to need the files of roots and all they depend on in s.
func (s *side) close(roots, need map[string]bool) {
	var work []string
	for p := range roots {
		work = append(work, p)
	}
	seen := map[string]bool{}
	for len(work) > 0 {
		p := work[len(work)-1]
		work = work[:len(work)-1]
		if seen[p] {
			continue
		}
		seen[p], need[p] = true, true
		f, ok := s.facts[p]
		if !ok {
			continue
		}
		work = append(work, s.byRef[Ref{f.Kind, f.Name}]...)
		work = append(work, s.partners(f)...)
		for _, ns := range f.Namespaces {
			work = append(work, s.byRef[Ref{"Namespace", ns}]...)
		}
		for _, u := range f.Uses {
			work = append(work, s.byRef[u]...)
			if !s.resolves(u) {
				work = append(work, s.byKind[u.Kind]...)
			}
		}
	}
}

// changedTeams returns the names of the team files that differ between
// the two sides.
func changedTeams(a, b Blobs) map[string]bool {
	teams := map[string]bool{}
	for _, pair := range [][2]Blobs{{a, b}, {b, a}} {
		for p, id := range pair[0] {
			if strings.HasPrefix(p, platform.TeamsDir+"/") && pair[1][p] != id {
				teams[strings.TrimSuffix(path.Base(p), ".yaml")] = true
			}
		}
	}
	return teams
}

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
	keyStemPrefix = "stem-prefix "
	keyNamespaced = "namespaced"
	keyDNS        = "dns"
)

// claimKeys are the keys side.byClaim lists a request by: its stem in
// each space, and each part of it that ends before a dash; the
// namespace/name of each Kubernetes Secret it may fill; and one key for
// all DNS records. FactsOf computes them once per file's content.
func claimKeys(f *Facts) []Ref {
	if !f.Parsed {
		return nil
	}
	var out []Ref
	stem := f.Team + "-" + f.Name
	for _, space := range stemSpaces[f.Kind] {
		out = append(out, Ref{keyStem + space, stem})
		for _, prefix := range dashPrefixes(stem) {
			out = append(out, Ref{keyStemPrefix + space, prefix})
		}
	}
	out = append(out, namespacedKeys(f)...)
	if f.Kind == "DNSRecord" {
		out = append(out, Ref{keyDNS, ""})
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
		out = append(out, s.byClaim[Ref{keyStemPrefix + space, stem}]...)
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
