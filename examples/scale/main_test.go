package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func scale(t *testing.T, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, args))
	return out.String()
}

func number(t *testing.T, text, pattern string) int {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(text)
	require.NotNil(t, m, "%s not in\n%s", pattern, text)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	return n
}

// The report is the loop's, over the whole business and a month on the
// desk; it is deterministic.
func TestScaleReport(t *testing.T) {
	text := scale(t, "-customers", "2000")
	require.Contains(t, text, "crmkit at scale — a generated retail business of 2000 customers (seed 1), held in memory")
	for _, section := range []string{"== portfolio", "== information", "== lifecycle", "== performance"} {
		require.Contains(t, text, section)
	}
	require.Equal(t, 2000, number(t, text, `(?m)^customers\s+(\d+)`))
	complaints := number(t, text, `(?m)^items complaint\s+(\d+)`)
	sum := 0
	for _, m := range regexp.MustCompile(`(?m)^cause [a-z ]+?\s+(\d+)$`).FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		sum += n
	}
	require.Equal(t, complaints, sum, "the Pareto counts add up to the complaints")
	require.Positive(t, number(t, text, `(?m)^advocates\s+(\d+)`))
	require.Equal(t, text, scale(t, "-customers", "2000"), "the report is deterministic")
	require.Error(t, run(context.Background(), io.Discard, io.Discard, []string{"-customers", "-5"}))
}

// -transactions reads a user's file with column options.
func TestScaleOnAFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sales.csv")
	var b strings.Builder
	b.WriteString("who,when,paid\n")
	for c := range 60 {
		for k := range 1 + c%7 {
			b.WriteString("cust" + strconv.Itoa(c) + ",2024-" + twoDigits(1+(c+3*k)%12) + "-" + twoDigits(1+(5*c+k)%28) + "," + strconv.Itoa(10+c+k) + ".50\n")
		}
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	text := scale(t, "-transactions", path, "-header", "-customer", "who", "-date", "when", "-amount", "paid", "-currency", "EUR")
	require.Equal(t, 60, number(t, text, `(?m)^customers\s+(\d+)`))
	require.Equal(t, 0, number(t, text, `(?m)^items complaint\s+(\d+)`), "a file of sales has no complaints")
	require.Contains(t, text, "EUR")

	// The same sales as a German export: semicolons, decimal commas, dates
	// day first (and the thousands flag, which amounts under 1,000 leave
	// alone). Same report.
	german := strings.NewReplacer(",", ";", ".50", ",50").Replace(b.String())
	german = regexp.MustCompile(`(\d{4})-(\d\d)-(\d\d)`).ReplaceAllString(german, "$3.$2.$1")
	dePath := filepath.Join(t.TempDir(), "umsatz.csv")
	require.NoError(t, os.WriteFile(dePath, []byte(german), 0o644))
	de := scale(t, "-transactions", dePath, "-header", "-delimiter", ";", "-decimal-comma", "-thousands", ".",
		"-layout", "02.01.2006", "-customer", "who", "-date", "when", "-amount", "paid", "-currency", "EUR")
	cut := func(s string) string { return s[strings.Index(s, "== portfolio"):] }
	require.Equal(t, cut(text), cut(strings.ReplaceAll(de, dePath, path)))
}

func twoDigits(n int) string { return strconv.Itoa(n/10) + strconv.Itoa(n%10) }

// The HTML report is well-formed, self-contained, and has every chart as
// an inline SVG that draws something.
func TestScaleHTML(t *testing.T) {
	path := filepath.Join(t.TempDir(), "report.html")
	scale(t, "-customers", "2000", "-html", path)
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.NotContains(t, string(b), "http://www.w3.org/1999/xlink\" href=\"http", "nothing loaded from the network")
	require.NotRegexp(t, `(src|href)="https?:`, string(b))
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	d.Entity = xml.HTMLEntity
	figure, depth := "", 0
	shapes := map[string]int{}
	svgs := map[string]int{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		require.NoError(t, err, "the report must be well-formed")
		switch e := tok.(type) {
		case xml.StartElement:
			depth++
			if e.Name.Local == "figure" {
				for _, a := range e.Attr {
					if a.Name.Local == "id" {
						figure = a.Value
					}
				}
			}
			if figure != "" {
				switch e.Name.Local {
				case "svg":
					svgs[figure]++
				case "path", "text", "rect":
					shapes[figure]++
				}
			}
		case xml.EndElement:
			depth--
			if e.Name.Local == "figure" {
				figure = ""
			}
		}
	}
	require.Zero(t, depth)
	for _, c := range charts {
		require.Equal(t, 1, svgs[c.id], "chart %s", c.id)
		require.Greater(t, shapes[c.id], 10, "chart %s draws something", c.id)
	}
}

// The soft memory limit grows with a generated business and is left to
// the runtime when the size is not known up front.
func TestMemoryBudget(t *testing.T) {
	budget := func(args ...string) int64 {
		o, err := parse(args, io.Discard)
		require.NoError(t, err)
		return memoryBudget(o)
	}
	require.Equal(t, int64(3<<30), budget(), "a million customers")
	require.Equal(t, int64(3<<30), budget("-customers", "10000"))
	require.Equal(t, int64(4_000_000*3<<10), budget("-customers", "4000000"))
	require.Zero(t, budget("-db", "crm.db"))
	require.Zero(t, budget("-transactions", "sales.csv"))
}
