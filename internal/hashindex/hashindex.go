// Package hashindex finds records by a string key through a map keyed by
// a 64-bit hash of the key: the map holds no pointers for the collector to
// scan and a lookup hashes once. Records are numbered 0, 1, 2, … in the
// order they are added; records whose keys' hashes collide are chained,
// and a lookup tells them apart by comparing keys, which the caller reads
// from its own records.
package hashindex

import "hash/maphash"

// Index maps keys to the positions of the records added under them.
type Index struct {
	hash func(string) uint64
	head map[uint64]int32 // the last position added under each hash
	prev []int32          // each position's predecessor under its hash, −1 for none
}

// New returns an empty index hashing with a seed of its own.
func New() *Index {
	seed := maphash.MakeSeed()
	return &Index{hash: func(s string) uint64 { return maphash.String(seed, s) }, head: map[uint64]int32{}}
}

// SetHash replaces the hash function of an empty index (tests use one
// that collides).
func (x *Index) SetHash(h func(string) uint64) { x.hash = h }

// Len is how many positions the index holds.
func (x *Index) Len() int { return len(x.prev) }

// Add records the next position (Len) under key and returns it.
func (x *Index) Add(key string) int {
	h := x.hash(key)
	p, ok := x.head[h]
	if !ok {
		p = -1
	}
	n := len(x.prev)
	x.prev = append(x.prev, p)
	x.head[h] = int32(n)
	return n
}

// Find returns the last position added under key, or −1; keyAt gives the
// key of the record at a position.
func (x *Index) Find(key string, keyAt func(int) string) int {
	for i := range x.Under(key) {
		if keyAt(i) == key {
			return i
		}
	}
	return -1
}

// Under yields, newest first, every position whose key hashes as key's
// does: the caller compares the keys.
func (x *Index) Under(key string) func(yield func(int) bool) {
	return func(yield func(int) bool) {
		i, ok := x.head[x.hash(key)]
		for ok && i >= 0 {
			if !yield(int(i)) {
				return
			}
			i = x.prev[i]
		}
	}
}

// Truncate removes the positions from n on, newest first, as if they had
// never been added; keyAt gives their keys.
func (x *Index) Truncate(n int, keyAt func(int) string) {
	for i := len(x.prev) - 1; i >= n; i-- {
		h := x.hash(keyAt(i))
		if p := x.prev[i]; p < 0 {
			delete(x.head, h)
		} else {
			x.head[h] = p
		}
		x.prev = x.prev[:i]
	}
}
