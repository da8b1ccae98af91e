package campaign

// NewCollidingMemoryStore returns a memory store whose IDs all hash
// alike, so the conformance suite runs through the chains that resolve
// hash collisions.
func NewCollidingMemoryStore() *MemoryStore {
	m := NewMemoryStore()
	collide := func(s string) uint64 { return uint64(len(s) % 2) }
	m.ids.SetHash(collide)
	m.customers.SetHash(collide)
	return m
}
