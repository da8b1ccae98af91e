// Package stats holds the small interval formulas the packages share.
package stats

import "math"

// z95 is the two-sided 95% normal quantile.
const z95 = 1.959963984540054

// Wilson is the Wilson score 95% interval of k successes in n trials
// (0, 0 for no trials).
func Wilson(k, n int) (lo, hi float64) {
	if n <= 0 {
		return 0, 0
	}
	p, fn := float64(k)/float64(n), float64(n)
	den := 1 + z95*z95/fn
	mid := (p + z95*z95/(2*fn)) / den
	half := z95 * math.Sqrt(p*(1-p)/fn+z95*z95/(4*fn*fn)) / den
	return math.Max(0, mid-half), math.Min(1, mid+half)
}

// Difference is the 95% interval of p1 − p2, for k1 of n1 and k2 of n2,
// by Newcombe's hybrid score method (from the two Wilson intervals),
// which stays inside −1..1 and behaves at rates near 0 or 1.
func Difference(k1, n1, k2, n2 int) (d, lo, hi float64) {
	if n1 <= 0 || n2 <= 0 {
		return 0, 0, 0
	}
	p1, p2 := float64(k1)/float64(n1), float64(k2)/float64(n2)
	l1, u1 := Wilson(k1, n1)
	l2, u2 := Wilson(k2, n2)
	d = p1 - p2
	lo = d - math.Sqrt((p1-l1)*(p1-l1)+(u2-p2)*(u2-p2))
	hi = d + math.Sqrt((u1-p1)*(u1-p1)+(p2-l2)*(p2-l2))
	return d, lo, hi
}

// MeanInterval is the normal-approximation 95% interval of the mean of
// xs (0, 0 for fewer than two).
func MeanInterval(xs []int, mean float64) (lo, hi float64) {
	if len(xs) < 2 {
		return 0, 0
	}
	ss := 0.0
	for _, x := range xs {
		d := float64(x) - mean
		ss += d * d
	}
	half := z95 * math.Sqrt(ss/float64(len(xs)-1)/float64(len(xs)))
	return mean - half, mean + half
}
