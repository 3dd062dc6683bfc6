package pipeline

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
)

// factsFormat is the version of what FactsOf extracts and of the file
// Save writes; change it whenever either changes.
const factsFormat = 2

// factsMagic starts a saved FactIndex.
const factsMagic = "dip facts\n"

// FactsVersion identifies this dip binary for a saved FactIndex: the
// format, the build (module and dependency versions, VCS revision) and the
// executable file itself, so that a rebuilt or upgraded dip never trusts
// facts an older one saved.
func FactsVersion() string {
	h := sha256.New()
	fmt.Fprintf(h, "format %d\n", factsFormat)
	if bi, ok := debug.ReadBuildInfo(); ok {
		h.Write([]byte(bi.String()))
	}
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			fmt.Fprintf(h, "%s %d %d\n", exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// savedFact is one entry of a saved index.
type savedFact struct {
	ID string
	F  Facts
}

// LoadFactIndex reads the index Save wrote to file for version. A missing,
// unreadable or corrupted file, or one of another version, gives an empty
// index: the cache is rebuilt, never trusted blindly and never an error.
func LoadFactIndex(file, version string) *FactIndex {
	x := NewFactIndex()
	data, err := os.ReadFile(file)
	if err != nil {
		return x
	}
	entries, err := decodeFacts(data, version)
	if err != nil {
		return x
	}
	x.facts = make(map[string]*factEntry, len(entries))
	stored := make([]factEntry, len(entries))
	for i, e := range entries {
		stored[i].Facts = e.F
		stored[i].claims = claimKeys(&stored[i].Facts)
		x.facts[e.ID] = &stored[i]
	}
	return x
}

// Changed reports whether facts were added since the index was loaded,
// that is whether Save has anything to write.
func (x *FactIndex) Changed() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.dirty
}

// Save writes the facts looked up or added since the index was made to
// file, for version, replacing the file atomically: concurrent runs each
// write a whole index, and the last one wins. Facts of files no longer
// seen are dropped.
func (x *FactIndex) Save(file, version string) error {
	x.mu.Lock()
	var entries []savedFact
	for id, e := range x.facts {
		if e.used {
			entries = append(entries, savedFact{id, e.Facts})
		}
	}
	x.mu.Unlock()
	slices.SortFunc(entries, func(a, b savedFact) int { return cmp.Compare(a.ID, b.ID) })
	data, err := encodeFacts(entries, version)
	if err != nil {
		return fmt.Errorf("save facts: %w", err)
	}
	dir := filepath.Dir(file)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("save facts: %w", err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(file)+".*.tmp")
	if err != nil {
		return fmt.Errorf("save facts: %w", err)
	}
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), file)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("save facts: %w", err)
	}
	x.mu.Lock()
	x.dirty = false
	x.mu.Unlock()
	return nil
}

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// encodeFacts lays out a saved index: the magic line, the version line,
// the payload's length and CRC-32C, then the gob-encoded entries.
func encodeFacts(entries []savedFact, version string) ([]byte, error) {
	var payload bytes.Buffer
	if err := gob.NewEncoder(&payload).Encode(entries); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.WriteString(factsMagic)
	out.WriteString(version + "\n")
	var head [12]byte
	binary.BigEndian.PutUint64(head[:8], uint64(payload.Len()))
	binary.BigEndian.PutUint32(head[8:], crc32.Checksum(payload.Bytes(), crcTable))
	out.Write(head[:])
	out.Write(payload.Bytes())
	return out.Bytes(), nil
}

var errBadFacts = errors.New("not a saved fact index of this version")

func decodeFacts(data []byte, version string) (entries []savedFact, err error) {
	want := factsMagic + version + "\n"
	if !bytes.HasPrefix(data, []byte(want)) || len(data) < len(want)+12 {
		return nil, errBadFacts
	}
	data = data[len(want):]
	n, sum := binary.BigEndian.Uint64(data[:8]), binary.BigEndian.Uint32(data[8:12])
	payload := data[12:]
	if uint64(len(payload)) != n || crc32.Checksum(payload, crcTable) != sum {
		return nil, errBadFacts
	}
	defer func() {
		// gob is not meant for hostile input; a file that passed the
		// checksum but still does not decode is treated as corrupted.
		if recover() != nil {
			entries, err = nil, errBadFacts
		}
	}()
	if err := gob.NewDecoder(bytes.NewReader(payload)).Decode(&entries); err != nil {
		return nil, errBadFacts
	}
	return entries, nil
}
