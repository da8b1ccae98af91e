package scoring

import (
	"math"
	"runtime"
	"sync"
)

// histories is rows rearranged for fast likelihoods: the distinct
// frequencies and the distinct times (recencies and ages together), with
// each row pointing into both tables. Terms that depend only on x, or only on
// a time, are then computed once per distinct value, not once per row.
type histories struct {
	xs      []float64 // distinct frequencies, in order of appearance
	xWeight []float64 // total weight of each distinct frequency
	times   []float64 // distinct recencies and T values, in order of appearance
	rows    []hrow
	total   float64
}

type hrow struct {
	w   float64
	x   float64
	xi  int32 // index into xs
	txi int32 // index into times of the recency
	ti  int32 // index into times of T
}

func newHistories(rows []Row) *histories {
	h := &histories{rows: make([]hrow, len(rows))}
	xs := indexer{list: &h.xs}
	times := indexer{list: &h.times}
	for i, r := range rows {
		xi := xs.index(r.Frequency)
		if int(xi) == len(h.xWeight) {
			h.xWeight = append(h.xWeight, 0)
		}
		h.xWeight[xi] += r.Weight
		h.total += r.Weight
		h.rows[i] = hrow{w: r.Weight, x: r.Frequency, xi: xi, txi: times.index(r.Recency), ti: times.index(r.T)}
	}
	return h
}

// indexer numbers distinct values in order of appearance, appending each
// new one to list. Whole numbers below denseIndex (counts, and ages in
// days, weeks or months) are found in a slice, others in a map.
type indexer struct {
	list  *[]float64
	dense []int32 // index+1 of the whole value k at k; 0 when not seen
	m     map[float64]int32
}

// denseIndex bounds the whole values an indexer keeps in its slice (4 MiB
// at most).
const denseIndex = 1 << 20

func (ix *indexer) index(v float64) int32 {
	if v >= 0 && v < denseIndex && v == math.Trunc(v) {
		k := int(v)
		if k >= len(ix.dense) {
			ix.dense = append(ix.dense, make([]int32, max(k+1-len(ix.dense), len(ix.dense)))...)
		}
		if j := ix.dense[k]; j > 0 {
			return j - 1
		}
		i := int32(len(*ix.list))
		*ix.list = append(*ix.list, v)
		ix.dense[k] = i + 1
		return i
	}
	if ix.m == nil {
		ix.m = map[float64]int32{}
	}
	i, ok := ix.m[v]
	if !ok {
		i = int32(len(*ix.list))
		ix.m[v] = i
		*ix.list = append(*ix.list, v)
	}
	return i
}

// parallelRows splits rows into one chunk per processor when there are
// enough of them to pay for it, calls fn on each chunk with its own
// gradient accumulator, and adds up the values and gradients.
func parallelRows(n, dim int, grad []float64, fn func(lo, hi int, grad []float64) float64) float64 {
	const minChunk = 8192
	workers := min(runtime.GOMAXPROCS(0), n/minChunk)
	if workers <= 1 {
		return fn(0, n, grad)
	}
	vals := make([]float64, workers)
	grads := make([][]float64, workers)
	var wg sync.WaitGroup
	for k := range workers {
		lo, hi := n*k/workers, n*(k+1)/workers
		if grad != nil {
			grads[k] = make([]float64, dim)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			vals[k] = fn(lo, hi, grads[k])
		}()
	}
	wg.Wait()
	sum := 0.0
	for k := range workers {
		sum += vals[k]
		for i := range grad {
			grad[i] += grads[k][i]
		}
	}
	return sum
}
