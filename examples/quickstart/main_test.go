package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func quickstart(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, args))
	return out.String()
}

// value reads the number after a report line's label.
func value(t *testing.T, text, label string) float64 {
	t.Helper()
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(label) + `\s+([-+0-9.]+)`).FindStringSubmatch(text)
	require.NotNil(t, m, "no line %q in\n%s", label, text)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	return v
}

// The report covers the loop, the plan, the charter and the alerts; its
// numbers agree with each other; it is deterministic.
func TestQuickstartReport(t *testing.T) {
	text := quickstart(t, "-customers", "2000")
	for _, section := range []string{"== portfolio", "== information", "== lifecycle", "== performance", "== plan \"crm-plan\" (active)", "== customer bill of rights", "== alerts raised now"} {
		require.Contains(t, text, section)
	}
	require.Equal(t, 2000.0, value(t, text, "customers"))
	require.Positive(t, value(t, text, "advocates"), "NPS answers from the desk make advocates")
	require.Equal(t, value(t, text, "advocates"), value(t, text, "stage advocate"))
	stages := 0.0
	for _, s := range []string{"prospect", "lapsed", "at_risk", "loyal", "repeat_buyer", "reactivated", "advocate"} {
		if strings.Contains(text, "\nstage "+s+" ") {
			stages += value(t, text, "stage "+s)
		}
	}
	require.Equal(t, 2000.0, stages, "every customer has a stage")
	// The plan's KPIs are the period's metrics, scaled.
	sla := value(t, text, "sla_attainment")
	require.InDelta(t, sla, value(t, text, "E1  complaints answered in time        latest"), 0.05)
	require.Equal(t, value(t, text, "advocates"), value(t, text, "I2  advocates                          latest"))
	// The charter: the SLA promise is broken below 90%.
	require.Less(t, sla, 90.0)
	require.Regexp(t, `in-time .* BROKEN`, text)
	require.Contains(t, text, "1 of 3 promises broken this period")
	require.Equal(t, 1.0, value(t, text, "broken_promises"))
	// The monitor raised the starter rules' alerts.
	require.Regexp(t, `key customer at risk\s+\d+\s+critical`, text)
	require.Regexp(t, `breach cluster\s+\d+\s+warning`, text)
	require.Equal(t, text, quickstart(t, "-customers", "2000"), "the report is deterministic")
}

func TestQuickstartFlags(t *testing.T) {
	require.ErrorContains(t, run(context.Background(), &bytes.Buffer{}, []string{"-customers", "0"}), "-customers must be positive")
	require.Error(t, run(context.Background(), &bytes.Buffer{}, []string{"-nonsense"}))
}

// The quickstart stays a short program a reader can follow.
func TestQuickstartIsShort(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	lines := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		lines += bytes.Count(b, []byte("\n"))
	}
	require.LessOrEqual(t, lines, 300)
}
