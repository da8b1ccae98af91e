package scoring

import (
	"context"
	"fmt"
	"math"
	"sync"

	"github.com/crmkit/crm"
)

// SummaryColumns returns the summaries' frequency, recency and age as
// three columns, in the summaries' order: the input AliveColumns takes, as
// a numerical library keeps it.
func SummaryColumns(summaries []Summary) (x, tx, T []float64) {
	x, tx, T = make([]float64, len(summaries)), make([]float64, len(summaries)), make([]float64, len(summaries))
	for i := range summaries {
		s := &summaries[i]
		x[i], tx[i], T[i] = float64(s.Frequency), s.Recency, s.T
	}
	return x, tx, T
}

// maxPowTable bounds the table AliveColumns keeps of (α + k)^(r+x) for
// ages and recencies k that are whole numbers of periods: 65,536 ages,
// about 180 years of days. The table is also kept to 4,096 + n/2 ages for
// n customers (it costs a power each), to the ages whose (α+T)^(r+63)
// stays below 2^1000, and to 65,536 + 2n entries in all (one row of ages
// per purchase count x, each row a multiplication per entry from the one
// before).
const maxPowTable = 1 << 16

// AliveColumns is ProbabilityAlive for many customers at once:
// out[i] = P(alive | x[i], tx[i], T[i]), the four columns of one length.
// It runs on every processor. For a customer whose age and recency are
// whole numbers of periods (summaries in days, weeks or months) and who
// made at most 63 repeat purchases, the odds' power ((α+T)/(α+tx))^(r+x)
// is (α+T)^(r+x) / (α+tx)^(r+x) from a table made once per call — or,
// past the rows the table holds, (α+T)^r / (α+tx)^r from it times the
// ratio's x-th power by squaring — and P(alive) takes one division: no
// logarithm or exponential per customer. Others take one of each. It
// agrees with ProbabilityAlive to about 1e-13 relative (tested to 1e-12).
// Columns of different lengths, or a row with x not a whole number
// ≥ 0, tx < 0, T < tx or T not finite, are an error naming the first such
// row, and out is then not written.
func (m *BGNBD) AliveColumns(ctx context.Context, x, tx, T, out []float64) error {
	n := len(out)
	if len(x) != n || len(tx) != n || len(T) != n {
		return fmt.Errorf("scoring: alive columns: lengths %d, %d, %d and out %d differ: %w", len(x), len(tx), len(T), n, crm.ErrInvalid)
	}
	if m == nil {
		return fmt.Errorf("scoring: alive columns: nil model: %w", crm.ErrInvalid)
	}
	for _, p := range [...]float64{m.R, m.Alpha, m.A, m.B} {
		if !(p > 0) || math.IsInf(p, 0) {
			return fmt.Errorf("scoring: alive columns: model r = %v, alpha = %v, a = %v, b = %v: parameters must be positive and finite: %w", m.R, m.Alpha, m.A, m.B, crm.ErrInvalid)
		}
	}
	// Check every row, on every processor, noting the largest T and how
	// many customers made each number of purchases up to maxPowX.
	var mu sync.Mutex
	bad, top := n, 0.0
	var counts [maxPowX + 2]int // the last: more than maxPowX
	if err := parallel(ctx, n, func(lo, hi int) {
		localTop := 0.0
		var local [maxPowX + 2]int
		for i := lo; i < hi; i++ {
			// x whole and finite (below 2^53 its int64 conversion is exact;
			// above, every float64 is whole), T finite (v−v is NaN for
			// ±Inf); comparisons are false for NaN.
			xi, txi, ti := x[i], tx[i], T[i]
			if !(xi >= 0 && txi >= 0 && ti >= txi && ti-ti == 0 && (float64(int64(xi)) == xi || xi >= 1<<53 && xi-xi == 0)) {
				mu.Lock()
				bad = min(bad, i)
				mu.Unlock()
				return
			}
			localTop = max(localTop, ti)
			local[int(min(xi, maxPowX+1))]++
		}
		mu.Lock()
		top = max(top, localTop)
		for k, c := range local {
			counts[k] += c
		}
		mu.Unlock()
	}); err != nil {
		return err
	}
	if bad < n {
		return fmt.Errorf("scoring: alive columns: row %d: x = %v, tx = %v, T = %v is not a summary (whole x ≥ 0, 0 ≤ tx ≤ T, finite): %w", bad, x[bad], tx[bad], T[bad], crm.ErrInvalid)
	}
	t, err := m.powTable(ctx, int(min(top, maxPowTable-1)), counts[:maxPowX+1], n)
	if err != nil {
		return err
	}
	defer t.release()
	return parallel(ctx, n, func(lo, hi int) {
		m.aliveRows(t, x[lo:hi], tx[lo:hi], T[lo:hi], out[lo:hi])
	})
}

// powTable holds (α+k)^(r+x) for whole ages k < width, in one row per x
// < rows: row 0 a power per entry, each next row the one before times
// α+k (x multiplications: within x·2^-53 of the power).
type powTable struct {
	rows, width int
	pows        []float64
}

// powTable makes the table for ages up to top, among n customers of whom
// counts[x] made x repeat purchases: only as wide as it pays (a power per
// age) and keeps its entries finite, and with a row for x only while the
// customers with x or more purchases outnumber the row's entries (fewer
// are cheaper by squaring) and the table stays within 65,536 + 2n
// entries. A table whose first row holds a zero or an infinity is empty.
func (m *BGNBD) powTable(ctx context.Context, top int, counts []int, n int) (powTable, error) {
	r, alpha := m.R, m.Alpha
	width := max(0, min(top+1, 4096+n/2, int(math.Exp2(1000/(r+maxPowX))-alpha)))
	if width == 0 {
		return powTable{}, nil
	}
	rows, left := 1, n-counts[0] // left: the customers rows ≥ 1 could serve
	for rows < len(counts) && left > width && (rows+1)*width <= maxPowTable+2*n {
		left -= counts[rows]
		rows++
	}
	t := powTable{rows: rows, width: width}
	if b, ok := tablePool.Get().(*[]float64); ok && cap(*b) >= rows*width {
		t.pows = (*b)[:rows*width]
	} else {
		t.pows = make([]float64, rows*width)
	}
	err := parallelChunks(ctx, width, max(256, (width+1)/2), func(lo, hi int) {
		for k := lo; k < hi; k++ {
			t.pows[k] = math.Pow(alpha+float64(k), r)
		}
	})
	for j := 1; j < rows; j++ {
		prev, row := t.pows[(j-1)*width:j*width], t.pows[j*width:(j+1)*width]
		for k := range row {
			row[k] = prev[k] * (alpha + float64(k))
		}
	}
	if err != nil || t.pows[0] == 0 || math.IsInf(t.pows[width-1], 0) {
		t.release()
		return powTable{}, err
	}
	return t, nil
}

// tablePool keeps tables of at most maxPooled entries between calls: a
// host scoring batch after batch reuses one instead of allocating, and
// clearing, one per call.
var tablePool sync.Pool

const maxPooled = 1 << 20

// release gives the table's storage back to the pool.
func (t powTable) release() {
	if c := cap(t.pows); c > 0 && c <= maxPooled {
		b := t.pows[:0]
		tablePool.Put(&b)
	}
}

// aliveRows is AliveColumns' arithmetic on checked rows: a function of its
// own, so that the loop's values stay in registers.
func (m *BGNBD) aliveRows(t powTable, x, tx, T, out []float64) {
	alpha, a, b := m.Alpha, m.A, m.B
	tx, T, out = tx[:len(x)], T[:len(x)], out[:len(x)]
	pows := t.pows[:t.width] // row 0: (α+k)^r
	for i, xi := range x {
		ti, txi := T[i], tx[i]
		// P(alive) = 1 / (1 + odds) = den / (den + num), with
		// odds = a/(b+x−1) · ((α+T)/(α+tx))^(r+x) for x > 0 and 0 for
		// x = 0: num is multiplied by min(x, 1), and den's b+x−1 read as
		// b for x = 0, so that den/(den+0) is exactly 1 without a branch
		// on x the processor could not predict (many customers never come
		// back). An entry that underflowed to 0, or a ratio's power that
		// overflowed, goes the long way: ProbabilityAlive's.
		kt, ktx := int(ti), int(txi)
		if float64(kt) == ti && float64(ktx) == txi && uint(kt) < uint(len(pows)) && uint(ktx) < uint(len(pows)) {
			if kx := int(xi); kx < t.rows {
				row := t.pows[kx*t.width : (kx+1)*t.width]
				num := min(xi, 1) * a * row[kt]
				den := (b + max(xi, 1) - 1) * row[ktx]
				if den > 0 {
					out[i] = den / (den + num)
					continue
				}
			} else if xi <= maxPowX {
				num := a * pows[kt] * powSmall((alpha+ti)/(alpha+txi), uint64(xi))
				if num-num == 0 { // finite: the ratio's power can overflow where the odds do not
					out[i] = (b + xi - 1) * pows[ktx] / ((b+xi-1)*pows[ktx] + num)
					continue
				}
			}
		}
		out[i] = m.model().alive(xi, txi, ti)
	}
}

// maxPowX bounds the purchase counts AliveColumns raises to an integer
// power (powSmall's six steps).
const maxPowX = 63

// powSmall is q^n for n < 64 by squaring, in six steps whatever n is,
// each multiplying by q's power or by 1 as n's bit says, chosen by a mask
// of the bit: no branch on n's bits to mispredict.
func powSmall(q float64, n uint64) float64 {
	one := math.Float64bits(1)
	pick := func(bit uint64, v float64) float64 { // v when bit is 1, else 1
		return math.Float64frombits(one ^ (one^math.Float64bits(v))&-bit)
	}
	p := pick(n&1, q)
	q *= q
	p *= pick(n>>1&1, q)
	q *= q
	p *= pick(n>>2&1, q)
	q *= q
	p *= pick(n>>3&1, q)
	q *= q
	p *= pick(n>>4&1, q)
	q *= q
	return p * pick(n>>5&1, q)
}
