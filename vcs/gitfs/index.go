package gitfs

import (
	"bytes"
	"crypto/sha1"
	"encoding/binary"
	"errors"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
)

// stamp is a time as the index keeps it: seconds and nanoseconds.
type stamp struct{ sec, nsec uint32 }

func (a stamp) before(b stamp) bool { return a.sec < b.sec || a.sec == b.sec && a.nsec < b.nsec }

// indexEntry is what WorkTreeBlobs needs of one entry of the index.
type indexEntry struct {
	hash         plumbing.Hash
	ctime, mtime stamp
	ino, size    uint32
	mode         uint32
	// usable is false for entries whose stat data git itself would not
	// trust: unmerged, assumed valid, skipped in the work tree or only
	// intended to be added.
	usable bool
}

var errIndex = errors.New("unsupported or corrupted index")

// parseIndex reads the entries of a git index file (versions 2 to 4)
// whose names start with prefix, by name without it. It reads only what
// it needs and is much faster than a general decoder on large indexes.
func parseIndex(data []byte, prefix string) (map[string]indexEntry, error) {
	if len(data) < 12+sha1.Size || string(data[:4]) != "DIRC" {
		return nil, errIndex
	}
	body, sum := data[:len(data)-sha1.Size], data[len(data)-sha1.Size:]
	if !bytes.Equal(sum, make([]byte, sha1.Size)) { // index.skipHash leaves it zero
		if h := sha1.Sum(body); !bytes.Equal(h[:], sum) {
			return nil, errIndex
		}
	}
	version := binary.BigEndian.Uint32(data[4:8])
	if version < 2 || version > 4 {
		return nil, errIndex
	}
	n := int(binary.BigEndian.Uint32(data[8:12]))
	out := make(map[string]indexEntry, min(n, len(body)/62))
	be := binary.BigEndian
	off := 12
	var name []byte
	for range n {
		if off+62 > len(body) {
			return nil, errIndex
		}
		e := body[off:]
		flags := be.Uint16(e[60:62])
		ie := indexEntry{
			ctime: stamp{be.Uint32(e[0:4]), be.Uint32(e[4:8])},
			mtime: stamp{be.Uint32(e[8:12]), be.Uint32(e[12:16])},
			ino:   be.Uint32(e[20:24]),
			mode:  be.Uint32(e[24:28]),
			size:  be.Uint32(e[36:40]),
		}
		copy(ie.hash[:], e[40:60])
		ie.usable = flags&0x8000 == 0 && flags&0x3000 == 0
		head := 62
		if flags&0x4000 != 0 {
			if version < 3 || off+64 > len(body) {
				return nil, errIndex
			}
			if be.Uint16(e[62:64])&0x6000 != 0 {
				ie.usable = false
			}
			head = 64
		}
		rest := e[head:]
		if version == 4 {
			strip, k := varint(rest)
			if k == 0 || strip > len(name) {
				return nil, errIndex
			}
			end := bytes.IndexByte(rest[k:], 0)
			if end < 0 {
				return nil, errIndex
			}
			name = append(name[:len(name)-strip], rest[k:k+end]...)
			off += head + k + end + 1
		} else {
			end := bytes.IndexByte(rest, 0)
			if end < 0 {
				return nil, errIndex
			}
			name = append(name[:0], rest[:end]...)
			off += (head + end + 8) &^ 7
		}
		if rel, ok := strings.CutPrefix(string(name), prefix); ok {
			out[rel] = ie
		}
	}
	return out, nil
}

// varint decodes git's offset encoding of the strip count of index
// version 4, returning the value and how many bytes it took (0 when
// malformed).
func varint(b []byte) (int, int) {
	if len(b) == 0 {
		return 0, 0
	}
	v := int(b[0] & 0x7f)
	i := 1
	for b[i-1]&0x80 != 0 {
		if i >= len(b) || i > 8 {
			return 0, 0
		}
		v = ((v + 1) << 7) | int(b[i]&0x7f)
		i++
	}
	return v, i
}
