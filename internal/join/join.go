// Package join joins per-customer results to a customer stream by
// customer ID, walking both in customer order so that no index is built
// in the common case. It is internal: the analyses use it behind their own
// APIs.
package join

import (
	"slices"
	"strings"
)

// Index finds per-customer records — summaries, scores, signals — by
// customer ID, to join them to a customer stream. It is built for the
// common case where both come in the same order (stores stream customers
// by ID, and analyses keep the order of the transaction stream, which is
// also by ID): then each Find is a comparison or two, with no index built
// at all. When the records are sorted by ID but the lookups jump around,
// Find searches; when the records are not sorted, the first Find builds a
// map. Any order of calls gives the same answers.
//
// Over a million customers this is the difference between building and
// probing a million-entry map and a sequential walk. An Index is not safe
// for concurrent use; make one per goroutine.
type Index[T any] struct {
	items  []T
	id     func(*T) string
	sorted bool // items strictly increasing by ID
	next   int  // where the next lookup in order is expected
	index  map[string]int
}

// New returns an Index over items, read through id. It keeps items (no
// copy) and checks once whether they are sorted by ID.
func New[T any](items []T, id func(*T) string) *Index[T] {
	l := &Index[T]{items: items, id: id, sorted: true}
	for i := 1; i < len(items) && l.sorted; i++ {
		l.sorted = id(&items[i-1]) < id(&items[i])
	}
	return l
}

// Find returns the index of the record with the customer ID, or -1 when
// there is none. IDs should be unique; with duplicates (possible only in
// unsorted records) Find returns one of them.
func (l *Index[T]) Find(customerID string) int {
	n := len(l.items)
	if l.next < n && l.id(&l.items[l.next]) == customerID {
		l.next++
		return l.next - 1
	}
	if !l.sorted {
		if l.index == nil {
			l.index = make(map[string]int, n)
			for i := range l.items {
				l.index[l.id(&l.items[i])] = i
			}
		}
		i, ok := l.index[customerID]
		if !ok {
			return -1
		}
		l.next = i + 1
		return i
	}
	// Sorted: a customer between the previous record and the expected
	// one has no record (a prospect, in a stream in order); otherwise
	// search.
	if (l.next == n || customerID < l.id(&l.items[l.next])) && (l.next == 0 || l.id(&l.items[l.next-1]) < customerID) {
		return -1
	}
	i, ok := slices.BinarySearchFunc(l.items, customerID, func(item T, id string) int {
		return strings.Compare(l.id(&item), id)
	})
	if !ok {
		l.next = i
		return -1
	}
	l.next = i + 1
	return i
}
