package crm

import "hash/fnv"

// NewCollidingMemoryStore returns a memory store whose transaction and
// touchpoint IDs hash to one of 256 values, so that the conformance
// suites run through the chains that resolve hash collisions (long ones:
// a suite's thousands of records share 256 hashes).
func NewCollidingMemoryStore() *MemoryStore {
	s := NewMemoryStore()
	collide := func(id string) uint64 {
		h := fnv.New64a()
		h.Write([]byte(id))
		return h.Sum64() & 0xff
	}
	s.txs.ids.SetHash(collide)
	s.touchpoints.ids.SetHash(collide)
	return s
}
