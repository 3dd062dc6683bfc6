package audit_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dipdev/dip/app/audit"
)

const src = "0123456789abcdef0123456789abcdef01234567"

func sample() *audit.Trail {
	return &audit.Trail{
		Source: src,
		Pulls: []audit.Pull{
			{Number: 21, URL: "https://github.example/acme/platform/pull/21", Author: "alice", Approvers: []string{"bob", "dave"}},
			{Number: 22, URL: "https://github.example/acme/platform/pull/22"},
		},
		Bundle:     "1.0.0",
		Renderer:   "1",
		Requests:   []string{"requests/payments/orders-db.yaml", "requests/payments/refunds.yaml"},
		Exceptions: []audit.Exception{{Request: "requests/payments/orders-db.yaml", Policy: "terraform.restrict_instance_types", Expires: "2999-01-01"}},
	}
}

// The trailers keep the bytes dip serve wrote before they had a package of
// their own: other tools read them.
func TestMessageBytes(t *testing.T) {
	t.Parallel()
	got := sample().Message("Merge pull request #21 from acme/refunds\n\nbody")
	want := `Render 0123456789ab: Merge pull request #21 from acme/refunds

Rendered by dip from 0123456789abcdef0123456789abcdef01234567.

Dip-Source-Commit: 0123456789abcdef0123456789abcdef01234567
Dip-Pull-Request: 21 https://github.example/acme/platform/pull/21
Dip-Requested-By: alice
Dip-Approved-By: bob
Dip-Approved-By: dave
Dip-Pull-Request: 22 https://github.example/acme/platform/pull/22
Dip-Policy-Bundle: 1.0.0
Dip-Renderer: 1
Dip-Request: requests/payments/orders-db.yaml
Dip-Request: requests/payments/refunds.yaml
Dip-Exception: requests/payments/orders-db.yaml terraform.restrict_instance_types 2999-01-01
`
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("message (-want +got):\n%s", diff)
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	odd := sample()
	odd.Requests = []string{
		"requests/a b/c  d.yaml", // spaces, two in a row
		`requests/"quoted".yaml`, `requests/back\slash.yaml`,
		"requests/tab\tand\nnewline.yaml", "requests/ünïcödé.yaml", "requests/\xffbad-utf8.yaml",
		`"requests/leading-quote.yaml`,
	}
	odd.Pulls[0].URL = "https://host/pull/21?q=a b"
	odd.Pulls[0].Author = "name with space"
	odd.Exceptions[0].Request = "requests/a b/c  d.yaml"
	for name, tr := range map[string]*audit.Trail{"plain": sample(), "unusual": odd, "bare": {Source: src, Bundle: "1.0.0"}} {
		t.Run(name, func(t *testing.T) {
			got, err := audit.Parse(tr.Message("subject"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tr, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("round trip (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseOldCommits(t *testing.T) {
	t.Parallel()
	// A commit of a dip that wrote no Dip-Renderer, with a sign-off.
	msg := "Render abc: x\n\nRendered by dip.\n\nDip-Source-Commit: " + src + "\nDip-Policy-Bundle: 1.0.0\nSigned-off-by: Dev <dev@example.com>\n"
	got, err := audit.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	if got.Renderer != "" || got.Source != src || got.Bundle != "1.0.0" {
		t.Errorf("got %+v", got)
	}
	// Keys are matched without regard to case, as git does; unknown Dip-
	// keys of a newer dip are listed, not fatal.
	got, err = audit.Parse("x\n\ndip-source-commit: " + src + "\nDIP-POLICY-BUNDLE: 2\nDip-Future: yes\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Bundle != "2" || len(got.Unknown) != 1 || got.Unknown[0] != "Dip-Future" {
		t.Errorf("got %+v", got)
	}
}

func TestParseErrors(t *testing.T) {
	t.Parallel()
	head := "Render x\n\nbody\n\n"
	ok := "Dip-Source-Commit: " + src + "\nDip-Policy-Bundle: 1.0.0\n"
	cases := map[string]struct{ msg, want string }{
		"moved up":         {"Dip-Source-Commit: " + src + "\nDip-Policy-Bundle: 1\n\nA line after the trailers.\n", "line 1: Dip-Source-Commit is not in the trailer block"},
		"above the block":  {head + "Dip-Request: requests/a.yaml\n\n" + ok, "line 5: Dip-Request above the trailer block"},
		"prose in block":   {head + ok + "some prose\n", `line 7: "some prose" in the trailer block is not a trailer`},
		"folded":           {head + ok + "Dip-Request: requests/a.yaml\n  continued\n", "line 8: a folded trailer value"},
		"no source":        {head + "Dip-Policy-Bundle: 1\n", "no Dip-Source-Commit"},
		"no bundle":        {head + "Dip-Source-Commit: " + src + "\n", "no Dip-Policy-Bundle"},
		"two sources":      {head + ok + "Dip-Source-Commit: " + src + "\n", "line 7: Dip-Source-Commit: repeated"},
		"short source":     {head + "Dip-Source-Commit: abc123\nDip-Policy-Bundle: 1\n", `"abc123" is not a commit id`},
		"approver first":   {head + ok + "Dip-Approved-By: bob\n", "before any Dip-Pull-Request"},
		"two authors":      {head + ok + "Dip-Pull-Request: 3 u\nDip-Requested-By: a\nDip-Requested-By: b\n", "repeated for pull request 3"},
		"bad number":       {head + ok + "Dip-Pull-Request: -3 u\n", `"-3" is not a pull request number`},
		"no url":           {head + ok + "Dip-Pull-Request: 3\n", "1 fields, want 2"},
		"bad expiry":       {head + ok + "Dip-Exception: requests/a.yaml p 2026-13-01\n", `expiry "2026-13-01"`},
		"exception fields": {head + ok + "Dip-Exception: requests/a b.yaml p 2026-01-01\n", "4 fields, want 3"},
		"bad quote":        {head + ok + "Dip-Request: \"requests/a.yaml\n", "bad quoted field"},
		"double space":     {head + ok + "Dip-Pull-Request: 3  u\n", "separated by one space"},
		"bad path":         {head + ok + "Dip-Request: ../etc/passwd\n", "not a path in the repository"},
		"empty value":      {head + ok + "Dip-Request:\n", "no value"},
		"too long":         {strings.Repeat("x", audit.MaxMessage+1), "longer than"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			_, err := audit.Parse(c.msg)
			var me *audit.MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a MalformedError", err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to say %q", err, c.want)
			}
		})
	}
	for _, msg := range []string{"", "\n\n", "Hand-made note\n\nSigned-off-by: Dev <dev@example.com>\n", "Mentions Dip-Source-Commit in prose\n"} {
		if _, err := audit.Parse(msg); !errors.Is(err, audit.ErrNoTrail) {
			t.Errorf("Parse(%q) = %v, want ErrNoTrail", msg, err)
		}
	}
}

// Parse never panics; whatever it reads, it writes back to a message that
// reads the same.
func FuzzParse(f *testing.F) {
	f.Add(sample().Message("subject"))
	f.Add("x\n\nDip-Source-Commit: " + src + "\nDip-Policy-Bundle: 1\nDip-Request: \"a\\x00b\"\n")
	f.Add("Dip-Request: a\n\nDip-Source-Commit: " + src + "\n")
	f.Fuzz(func(t *testing.T, msg string) {
		tr, err := audit.Parse(msg)
		if err != nil {
			return
		}
		tr.Unknown = nil // not written back
		again, err := audit.Parse(tr.Message("s"))
		if err != nil {
			t.Fatalf("a parsed trail does not read back: %v\n%q", err, tr.Message("s"))
		}
		if diff := cmp.Diff(tr, again, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
	})
}
