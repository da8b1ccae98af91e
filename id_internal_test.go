package crm

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPlainIDIsValid: an ID plainID accepts at once is one the full
// checks accept, and the full checks still refuse what it passes on.
func TestPlainIDIsValid(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	accepted := 0
	for range 200_000 {
		b := make([]byte, r.IntN(260))
		for i := range b {
			b[i] = byte(0x21 + r.IntN(0x7e-0x21+1))
			if r.IntN(40) == 0 {
				b[i] = byte(r.IntN(256)) // now and then a space, a control byte or non-ASCII
			}
		}
		id := string(b)
		if plainID(id) {
			accepted++
			var p problems
			checkID(&p, "id", id)
			require.Empty(t, p, "plainID accepted %q, which the full check refuses", id)
		}
	}
	require.Greater(t, accepted, 10_000)
	for _, id := range []string{"", " a", "a ", "a\x00b", "a\x7f", string(make([]byte, 257))} {
		var p problems
		validateID(&p, "id", id)
		require.NotEmpty(t, p, "%q", id)
	}
}
