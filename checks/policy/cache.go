package policy

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"sync"
)

// Cache keeps the engines it compiled lately, by a digest of their
// modules and data, and gives one back when the same modules and data are
// compiled again. An engine is not changed by evaluating it, so one may
// serve any number of checks at once. A server checks pull request after
// pull request against the same base's policies: compiling them is most
// of the policy step's fixed cost. The zero value holds nothing; it is
// safe for concurrent use.
type Cache struct {
	// Size is how many engines it keeps; 0 is 8.
	Size int

	mu      sync.Mutex
	engines map[[sha256.Size]byte]*Engine
	order   [][sha256.Size]byte // oldest first
}

// Compile is the package's Compile, through the cache. Errors are not
// kept: a set that does not compile is compiled again, and fails again,
// each time. Data that does not encode as JSON is compiled and not kept.
func (c *Cache) Compile(modules []Module, data map[string]any) (*Engine, error) {
	key, ok := engineKey(modules, data)
	if !ok {
		return Compile(modules, data)
	}
	c.mu.Lock()
	e := c.engines[key]
	c.mu.Unlock()
	if e != nil {
		return e, nil
	}
	e, err := Compile(modules, data)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.engines == nil {
		c.engines = map[[sha256.Size]byte]*Engine{}
	}
	if _, dup := c.engines[key]; !dup {
		c.engines[key] = e
		c.order = append(c.order, key)
		size := c.Size
		if size <= 0 {
			size = 8
		}
		for len(c.order) > size {
			delete(c.engines, c.order[0])
			c.order = c.order[1:]
		}
	}
	return e, nil
}

// engineKey digests modules, in order, and data; each part is prefixed
// with its length, so no two different inputs share a digest's input.
func engineKey(modules []Module, data map[string]any) ([sha256.Size]byte, bool) {
	raw, err := json.Marshal(data) // map keys sorted: one encoding per value
	if err != nil {
		return [sha256.Size]byte{}, false
	}
	h := sha256.New()
	part := func(b []byte) {
		h.Write(binary.BigEndian.AppendUint64(nil, uint64(len(b))))
		h.Write(b)
	}
	part(binary.BigEndian.AppendUint64(nil, uint64(len(modules))))
	for _, m := range modules {
		part([]byte(m.Path))
		part(m.Source)
	}
	part(raw)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, true
}
