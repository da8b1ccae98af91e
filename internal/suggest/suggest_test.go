package suggest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNearest(t *testing.T) {
	names := []string{"recency_days", "frequency", "lifecycle.advocates"}
	require.Equal(t, "recency_days", Nearest("recency_dayz", names))
	require.Equal(t, "frequency", Nearest("FREQUENCY", names), "case is ignored")
	require.Equal(t, "lifecycle.advocates", Nearest("lifecycle.advocate", names))
	require.Empty(t, Nearest("country", names), "nothing near")
	require.Equal(t, 3, distance("kitten", "sitting"))
	require.Equal(t, 0, distance("", ""))
}
