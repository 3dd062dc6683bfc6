package pipeline_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/dipdev/dip/app/pipeline"
	"github.com/dipdev/dip/platform"
)

func sampleFacts(i int) pipeline.Facts {
	return pipeline.Facts{Parsed: true, APIVersion: "dip/v1", Kind: "Service", Name: fmt.Sprintf("svc-%d", i),
		Uses: []pipeline.Ref{{Kind: "Queue", Name: "q"}}, Namespaces: []string{"ns"}}
}

func TestFactIndexSaveAndLoad(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dip", "facts")
	x := pipeline.NewFactIndex()
	x.Add("a", sampleFacts(1))
	x.Add("b", pipeline.Facts{})
	if !x.Changed() {
		t.Fatal("an index with new facts is not changed")
	}
	if err := x.Save(file, "v1"); err != nil {
		t.Fatal(err)
	}
	if x.Changed() {
		t.Error("a saved index is still changed")
	}
	y := pipeline.LoadFactIndex(file, "v1")
	if y.Len() != 2 || y.Changed() {
		t.Fatalf("loaded %d facts, changed %v", y.Len(), y.Changed())
	}
	got, ok := y.Lookup("a")
	if diff := cmp.Diff(sampleFacts(1), got, cmpopts.IgnoreUnexported(pipeline.Facts{})); !ok || diff != "" {
		t.Errorf("facts of a (found %v):\n%s", ok, diff)
	}
	if got, ok := y.Lookup("b"); !ok || got.Parsed {
		t.Errorf("facts of b = %+v, %v", got, ok)
	}
	// Saving keeps only what was used since loading.
	y = pipeline.LoadFactIndex(file, "v1")
	y.Lookup("a")
	if err := y.Save(file, "v1"); err != nil {
		t.Fatal(err)
	}
	if n := pipeline.LoadFactIndex(file, "v1").Len(); n != 1 {
		t.Errorf("after saving what was used, %d facts", n)
	}
}

func TestFactIndexPrune(t *testing.T) {
	x := pipeline.NewFactIndex()
	x.Add("a", sampleFacts(1))
	x.Add("b", sampleFacts(2))
	x.Prune() // both were just added
	if x.Len() != 2 {
		t.Fatalf("%d facts after the first prune", x.Len())
	}
	x.Lookup("b")
	x.Prune()
	if _, ok := x.Lookup("a"); ok || x.Len() != 1 {
		t.Errorf("a survived a prune without being used; %d facts", x.Len())
	}
}

func TestFactIndexOfAnotherVersionIsIgnored(t *testing.T) {
	file := filepath.Join(t.TempDir(), "facts")
	x := pipeline.NewFactIndex()
	x.Add("a", sampleFacts(1))
	if err := x.Save(file, "old"); err != nil {
		t.Fatal(err)
	}
	if n := pipeline.LoadFactIndex(file, "new").Len(); n != 0 {
		t.Errorf("an index of another version gave %d facts", n)
	}
	if pipeline.FactsVersion() == "" || pipeline.FactsVersion() != pipeline.FactsVersion() {
		t.Errorf("FactsVersion is not stable: %q", pipeline.FactsVersion())
	}
}

func TestCorruptedFactIndexIsIgnored(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "facts")
	x := pipeline.NewFactIndex()
	for i := range 100 {
		x.Add(fmt.Sprint(i), sampleFacts(i))
	}
	if err := x.Save(file, "v"); err != nil {
		t.Fatal(err)
	}
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	flipped := append([]byte{}, good...)
	flipped[len(flipped)-10] ^= 0x40
	for name, data := range map[string][]byte{
		"empty":     {},
		"truncated": good[:len(good)/2],
		"flipped":   flipped,
		"garbage":   []byte("dip facts\nv\n\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00hello"),
		"extended":  append(append([]byte{}, good...), 'x'),
	} {
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if n := pipeline.LoadFactIndex(file, "v").Len(); n != 0 {
			t.Errorf("%s: a corrupted index gave %d facts", name, n)
		}
	}
	if n := pipeline.LoadFactIndex(filepath.Join(dir, "missing"), "v").Len(); n != 0 {
		t.Errorf("a missing index gave %d facts", n)
	}
}

// TestConcurrentSavesLeaveAWholeIndex saves from many indexes at once, as
// concurrent checks of one repository do, while others load: every load
// sees one whole index or none, never a mix.
func TestConcurrentSavesLeaveAWholeIndex(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dip", "facts")
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Go(func() {
			x := pipeline.NewFactIndex()
			for i := range 200 {
				x.Add(fmt.Sprintf("%d-%d", w, i), sampleFacts(i))
			}
			for range 5 {
				x.Add(fmt.Sprintf("%d-extra", w), sampleFacts(0))
				if err := x.Save(file, "v"); err != nil {
					t.Error(err)
				}
			}
		})
		wg.Go(func() {
			for range 20 {
				if n := pipeline.LoadFactIndex(file, "v").Len(); n != 0 && n != 201 {
					t.Errorf("loaded %d facts, want 0 or 201", n)
				}
			}
		})
	}
	wg.Wait()
	if n := pipeline.LoadFactIndex(file, "v").Len(); n != 201 {
		t.Errorf("after the saves, %d facts", n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, "dip", "*.tmp"))
	if len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestFactsOf(t *testing.T) {
	doc, err := platform.ParseYAML("requests/a/svc.yaml", []byte(`apiVersion: dip/v1
kind: Service
metadata: {name: svc, team: a}
spec:
  namespace: ns1
  uses: [{kind: Queue, name: q1}]
  overrides:
    production:
      namespace: ns2
      uses: [{kind: Queue, name: q2}]
      serviceAccount: {namespace: ns3}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := pipeline.FactsOf(doc)
	if got.Kind != "Service" || got.Name != "svc" || got.APIVersion != "dip/v1" || !got.Parsed {
		t.Errorf("identity: %+v", got)
	}
	if diff := cmp.Diff([]string{"ns1", "ns2", "ns3"}, got.Namespaces); diff != "" {
		t.Errorf("namespaces:\n%s", diff)
	}
	if len(got.Uses) != 2 {
		t.Errorf("uses: %v", got.Uses)
	}
}
