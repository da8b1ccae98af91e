package csvimport

import (
	"errors"
	"fmt"
	"io"
)

// aheadBatch is how many rows the reading goroutine hands over at a time:
// enough that handing over costs nothing per row, few enough that the
// consumer starts at once.
const aheadBatch = 256

// aheadBatches is how many batches may wait, read but not yet taken: the
// memory read ahead is bounded by aheadBatches+2 batches.
const aheadBatches = 4

type aheadItem[T any] struct {
	v   T
	err error
}

// ahead runs read on a goroutine of its own, rows ahead of the caller,
// so that reading and parsing the text take one processor and what the
// caller does with the rows another. next returns what read returned, in
// order; after read returns io.EOF or an error that is not a *RowError
// (after which read itself would go on returning io.EOF or that error),
// next calls read directly. stop ends the reading goroutine once it has
// finished the row it is reading; it must be called once the caller is
// done. A panic in read comes back from next as an error.
type ahead[T any] struct {
	read   func() (T, error)
	full   chan []aheadItem[T]
	free   chan []aheadItem[T]
	quit   chan struct{}
	cur    []aheadItem[T]
	at     int
	done   bool // the goroutine has ended: read may be called directly
	closed bool
}

func newAhead[T any](read func() (T, error)) *ahead[T] {
	a := &ahead[T]{read: read, full: make(chan []aheadItem[T], aheadBatches), free: make(chan []aheadItem[T], aheadBatches+2), quit: make(chan struct{})}
	go a.run()
	return a
}

// run reads batches until read reports the end, a final error, or quit.
func (a *ahead[T]) run() {
	defer close(a.full)
	var batch []aheadItem[T]
	defer func() {
		if r := recover(); r != nil {
			var zero T
			batch = append(batch, aheadItem[T]{zero, fmt.Errorf("csvimport: reading panicked: %v", r)})
			select {
			case a.full <- batch:
			case <-a.quit:
			}
		}
	}()
	for {
		select {
		case batch = <-a.free:
			batch = batch[:0]
		default:
			batch = make([]aheadItem[T], 0, aheadBatch)
		}
		last := false
		for len(batch) < aheadBatch && !last {
			if len(batch)%16 == 15 {
				select {
				case <-a.quit:
					return
				default:
				}
			}
			v, err := a.read()
			last = err != nil && !isRowError(err)
			if err != io.EOF {
				batch = append(batch, aheadItem[T]{v, err})
			}
		}
		if len(batch) > 0 {
			select {
			case a.full <- batch:
			case <-a.quit:
				return
			}
		}
		if last {
			return
		}
	}
}

func isRowError(err error) bool {
	var re *RowError
	return errors.As(err, &re)
}

// next returns the next row read, as read returned it.
func (a *ahead[T]) next() (T, error) {
	for a.at == len(a.cur) {
		if a.done {
			return a.read()
		}
		if a.cur != nil {
			select {
			case a.free <- a.cur:
			default:
			}
		}
		batch, ok := <-a.full
		if !ok {
			a.done, a.cur, a.at = true, nil, 0
			continue
		}
		a.cur, a.at = batch, 0
	}
	it := a.cur[a.at]
	a.cur[a.at] = aheadItem[T]{}
	a.at++
	return it.v, it.err
}

// stop ends the reading goroutine, once it has finished the row it is
// reading, and waits for that.
func (a *ahead[T]) stop() {
	if a.closed {
		return
	}
	a.closed = true
	close(a.quit)
	for range a.full { // wait for the goroutine to end
	}
	a.done = true
}
