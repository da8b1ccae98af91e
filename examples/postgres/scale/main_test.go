package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestScaleOnPostgres(t *testing.T) {
	url := os.Getenv("CRM_POSTGRES_URL")
	if url == "" {
		if os.Getenv("CRM_REQUIRE_POSTGRES") == "1" {
			t.Fatal("CRM_REQUIRE_POSTGRES=1 but CRM_POSTGRES_URL is not set")
		}
		t.Skip(`no PostgreSQL: set CRM_POSTGRES_URL to run this test, e.g. eval "$(.ci/postgres start /tmp/pg)"`)
	}
	var out strings.Builder
	rep, err := runReport(context.Background(), &out, []string{"-customers", "3000", "-url", url, "-schema", "crm_scale_test", "-drop"})
	require.NoError(t, err, out.String())
	require.Greater(t, rep.transactions, int64(3000))
	require.Greater(t, rep.customers, int64(2000))
	require.LessOrEqual(t, rep.customers, int64(3000))
	require.Len(t, rep.segments, 11)
	total := 0
	for _, n := range rep.segments {
		total += n
	}
	require.Greater(t, total, int(rep.customers)/2, "the rules select customers")
	for _, stage := range []string{"COPY transactions", "summaries by SQL", "fits", "profiles COPY", "RFM rules counted by SQL", "peak RSS"} {
		require.Contains(t, out.String(), stage)
	}
}

func TestScaleRefusesBadFlags(t *testing.T) {
	var out strings.Builder
	require.ErrorContains(t, run(context.Background(), &out, []string{"-url", ""}), "no database")
	require.ErrorContains(t, run(context.Background(), &out, []string{"-url", "postgres://x", "-customers", "0"}), "at least 1")
	require.Error(t, run(context.Background(), &out, []string{"-nosuchflag"}))
}
