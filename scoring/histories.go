package scoring

import (
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
	xIndex := map[float64]int32{}
	tIndex := map[float64]int32{}
	index := func(m map[float64]int32, list *[]float64, v float64) int32 {
		i, ok := m[v]
		if !ok {
			i = int32(len(*list))
			m[v] = i
			*list = append(*list, v)
		}
		return i
	}
	for i, r := range rows {
		xi := index(xIndex, &h.xs, r.Frequency)
		if int(xi) == len(h.xWeight) {
			h.xWeight = append(h.xWeight, 0)
		}
		h.xWeight[xi] += r.Weight
		h.total += r.Weight
		h.rows[i] = hrow{w: r.Weight, x: r.Frequency, xi: xi, txi: index(tIndex, &h.times, r.Recency), ti: index(tIndex, &h.times, r.T)}
	}
	return h
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
