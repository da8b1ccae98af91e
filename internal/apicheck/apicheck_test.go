package apicheck_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/internal/apicheck"
)

var update = flag.Bool("update", false, "write the listing of the exported API to api/exported.txt")

// The exported API is the checked-in listing: a change to it must update
// api/exported.txt in the same commit (go test ./internal/apicheck
// -update), so that every API change is seen in review.
func TestAPIListing(t *testing.T) {
	root := filepath.Join("..", "..")
	got, err := apicheck.List(root, "github.com/crmkit/crm")
	require.NoError(t, err)
	path := filepath.Join(root, "api", "exported.txt")
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no listing: run go test ./internal/apicheck -update")
	if got != string(want) {
		added, removed := diff(string(want), got)
		t.Fatalf("the exported API differs from api/exported.txt; if the change is meant, run go test ./internal/apicheck -update and commit the listing\nadded:\n%s\nremoved:\n%s", strings.Join(added, "\n"), strings.Join(removed, "\n"))
	}
}

func diff(want, got string) (added, removed []string) {
	in := func(s string) map[string]bool {
		m := map[string]bool{}
		for _, l := range strings.Split(s, "\n") {
			m[l] = true
		}
		return m
	}
	w, g := in(want), in(got)
	for _, l := range strings.Split(got, "\n") {
		if !w[l] {
			added = append(added, "+ "+l)
		}
	}
	for _, l := range strings.Split(want, "\n") {
		if !g[l] {
			removed = append(removed, "- "+l)
		}
	}
	return added, removed
}

// The listing sees what it must: an exported function with its signature,
// a struct without its unexported fields, an interface's methods.
func TestListSeesTheAPI(t *testing.T) {
	got, err := apicheck.List(filepath.Join("..", ".."), "github.com/crmkit/crm")
	require.NoError(t, err)
	for _, want := range []string{
		"pkg github.com/crmkit/crm/scoring, func Summarize(ctx context.Context, txs iter.Seq2[crm.Transaction, error], asOf time.Time, options *SummaryOptions) ([]Summary, error)",
		"pkg github.com/crmkit/crm/lifecycle, type Store interface { State(ctx context.Context, customerID string) (State, error) Move(ctx context.Context, s State, t Transition) (State, error) CustomerTransitions(ctx context.Context, customerID string) iter.Seq2[Transition, error] TransitionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Transition, error] }",
		"pkg github.com/crmkit/crm, func (s *MemoryStore) CreateCustomer(ctx context.Context, c Customer) (Customer, error)",
	} {
		require.True(t, strings.Contains(got, want+"\n"), "the listing lacks %s", want)
	}
	for _, not := range []string{"pkg github.com/crmkit/crm/internal/", "pkg github.com/crmkit/crm/examples/", "func (m *MemoryStore) get("} {
		require.False(t, strings.Contains(got, not), "the listing has %s, which is not API", not)
	}
}

// Every package opens its docs with code, and every exported name, field
// and interface method has a comment.
func TestEveryExportedNameIsDocumented(t *testing.T) {
	missing, err := apicheck.Undocumented(filepath.Join("..", ".."))
	require.NoError(t, err)
	require.Empty(t, missing, "undocumented:\n%s", strings.Join(missing, "\n"))
}
