package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/crmtest"
)

// params reads "  name  value  (± se)" lines.
func params(t *testing.T, text string) map[string][2]float64 {
	out := map[string][2]float64{}
	for _, m := range regexp.MustCompile(`(?m)^  (\w+)\s+([\d.]+)  \(± ([\d.]+)\)$`).FindAllStringSubmatch(text, -1) {
		v, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		se, err := strconv.ParseFloat(m[3], 64)
		require.NoError(t, err)
		out[m[1]] = [2]float64{v, se}
	}
	return out
}

// topCLVs reads the CLV column of the top-customers table.
func topCLVs(t *testing.T, text string) []float64 {
	var out []float64
	for _, m := range regexp.MustCompile(`(?m)^  \S+\s+\d+\s+[\d.]+\s+[\d.]+\s+([\d.]+)\s+[\d.]+\s+[\d.]+\s+([\d.]+) USD$`).FindAllStringSubmatch(text, -1) {
		alive, _ := strconv.ParseFloat(m[1], 64)
		require.True(t, alive >= 0 && alive <= 1)
		v, err := strconv.ParseFloat(m[2], 64)
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

func TestCLVOnGeneratedBusiness(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{"-customers", "4000"}))
	text := out.String()
	p := params(t, text)
	// The generator's true purchase parameters (days): r = 1, α = 30,
	// a = 0.6, b = 6; each estimate lies within three standard errors.
	for name, truth := range map[string]float64{"r": 1, "alpha": 30, "a": 0.6, "b": 6} {
		require.Contains(t, p, name, text)
		require.Greater(t, p[name][1], 0.0, "standard error of %s", name)
		require.InDelta(t, truth, p[name][0], 3*p[name][1], "%s", name)
	}
	require.Contains(t, p, "gamma")
	require.Regexp(t, `probably alive \(P > 0\.5\): \d+ of \d+ customers \(\d+\.\d%\)`, text)
	clv := topCLVs(t, text)
	require.Len(t, clv, 10, text)
	for i := 1; i < len(clv); i++ {
		require.GreaterOrEqual(t, clv[i-1], clv[i], "sorted by CLV")
	}
}

func TestCLVOnCDNOWFile(t *testing.T) {
	path := crmtest.ReferenceData(t, "cdnow", "CDNOW_sample.txt")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{
		"-transactions", path, "-whitespace", "-customer", "2", "-date", "3", "-amount", "5",
		"-layout", "20060102", "-as-of", "1997-09-30", "-scale", "7", "-top", "5",
	}))
	text := out.String()
	require.Contains(t, text, "2357 customers, 1016 distinct histories")
	p := params(t, text)
	// Published BG/NBD and Gamma-Gamma fits (../shared/data/README.md).
	for name, want := range map[string]float64{"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4258, "p": 6.25, "q": 3.74, "gamma": 15.44} {
		require.InEpsilon(t, want, p[name][0], 0.005, "%s", name)
	}
	require.Len(t, topCLVs(t, text), 5)
}

func TestCLVRefusesBadFlags(t *testing.T) {
	ctx := context.Background()
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"-customers", "500", "-model", "foo"}), `-model "foo"`)
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"-customers", "500", "-as-of", "yesterday"}), "-as-of")
	require.Error(t, run(ctx, io.Discard, io.Discard, []string{"-transactions", "no-such-file.csv"}))
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"stray"}), "unexpected arguments")
}
