package cycle

import "math"

// wilson is the Wilson score 95% interval of k successes in n trials.
func wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 0
	}
	const z = 1.959963984540054
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z*z/fn
	mid := (p + z*z/(2*fn)) / den
	half := z * math.Sqrt(p*(1-p)/fn+z*z/(4*fn*fn)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// meanInterval is the normal-approximation 95% interval of the mean of
// xs (0, 0 for fewer than two).
func meanInterval(xs []int, mean float64) (lo, hi float64) {
	if len(xs) < 2 {
		return 0, 0
	}
	ss := 0.0
	for _, x := range xs {
		d := float64(x) - mean
		ss += d * d
	}
	half := 1.959963984540054 * math.Sqrt(ss/float64(len(xs)-1)/float64(len(xs)))
	return mean - half, mean + half
}
