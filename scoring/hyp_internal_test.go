package scoring

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"
	"gonum.org/v1/gonum/mathext"
)

// The bounded series agrees with gonum's general ₂F₁ wherever that one
// returns, including z close to 1.
func TestLogHypergeoNextMatchesGonum(t *testing.T) {
	for _, c := range []float64{0.3, 1.2, 5, 40, 300} {
		for _, bFrac := range []float64{0.05, 0.5, 0.95, 1.0} {
			b := bFrac * (c + 1) // b < c+1 as the model's are
			if bFrac == 1.0 {
				b = c + 0.7
			}
			for _, z := range []float64{1e-6, 0.1, 0.5, 0.9, 0.99} {
				want := math.Log(mathext.Hypergeo(c, b, c+1, z))
				require.InDelta(t, want, logHypergeoNext(c, b, z), 1e-10*math.Max(1, math.Abs(want)), "c=%v b=%v z=%v", c, b, z)
			}
		}
	}
	require.Zero(t, logHypergeoNext(2, 1, 0))
	// Large purchase counts (b and c in the hundreds of thousands), where
	// the general series slows down, agree too.
	for _, z := range []float64{0.01, 0.3} {
		c, b := 2e5+1.6, 2e5+0.5
		want := math.Log(mathext.Hypergeo(c, b, c+1, z))
		require.InDelta(t, want, logHypergeoNext(c, b, z), 1e-9*math.Abs(want), "z=%v", z)
	}
}
