package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/scoring"
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

// The published fits from the data set that ships with the module.
func TestCLVOnCDNOWDataset(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{"-dataset", "cdnow", "-top", "3"}))
	text := out.String()
	require.Contains(t, text, "observed to 1997-09-30, times in weeks: 2357 customers, 1016 distinct histories")
	p := params(t, text)
	for name, want := range map[string]float64{"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4258, "p": 6.25, "q": 3.74, "gamma": 15.44} {
		require.InEpsilon(t, want, p[name][0], 0.005, "%s", name)
	}
	require.ErrorContains(t, run(context.Background(), io.Discard, io.Discard, []string{"-dataset", "nope"}), `-dataset "nope"`)
}

// The same file read from disk, as a user's own file would be.
func TestCLVOnCDNOWFile(t *testing.T) {
	data, err := fs.ReadFile(datasets.FS(), "cdnow/CDNOW_sample.txt")
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "CDNOW_sample.txt")
	require.NoError(t, os.WriteFile(path, data, 0o644))
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, io.Discard, []string{
		"-transactions", path, "-whitespace", "-customer", "2", "-date", "3", "-amount", "5",
		"-layout", "20060102", "-as-of", "1997-09-30", "-scale", "7", "-top", "5",
	}))
	text := out.String()
	require.Contains(t, text, "2357 customers, 1016 distinct histories")
	p := params(t, text)
	// Published BG/NBD and Gamma-Gamma fits (Fader, Hardie & Lee 2005; Fader & Hardie 2013).
	for name, want := range map[string]float64{"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4258, "p": 6.25, "q": 3.74, "gamma": 15.44} {
		require.InEpsilon(t, want, p[name][0], 0.005, "%s", name)
	}
	require.Len(t, topCLVs(t, text), 5)
}

// A semicolon-separated file with decimal commas and grouped thousands, as
// a German shop system exports it.
func TestCLVOnSemicolonFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("bestellnr;kunde;datum;betrag\n")
	for i := range 300 {
		c := i % 60
		fmt.Fprintf(&b, "%d;k%02d;%02d.%02d.2025;%d.%03d,%02d\n", i, c, 1+i%28, 1+(i/28)%10, 1+c%3, 100+i, i%100)
	}
	path := filepath.Join(t.TempDir(), "umsatz.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	args := []string{"-transactions", path, "-header", "-delimiter", ";", "-decimal-comma", "-thousands", ".",
		"-customer", "kunde", "-date", "datum", "-amount", "betrag", "-layout", "02.01.2006", "-currency", "EUR", "-top", "3"}
	var progress bytes.Buffer
	err := run(context.Background(), io.Discard, &progress, args)
	require.Contains(t, progress.String(), "imported 300 transactions")
	// 60 regular customers who never stop show no drop-out: the fit says so.
	var fe *scoring.FitError
	require.ErrorAs(t, err, &fe)
	// Without the delimiter the header is one column, and the error says so.
	err = run(context.Background(), io.Discard, io.Discard, slices.Delete(slices.Clone(args), 3, 5))
	require.ErrorContains(t, err, `no column "kunde"`)
	require.ErrorContains(t, run(context.Background(), io.Discard, io.Discard, []string{"-transactions", path, "-delimiter", ";;"}), "one character")
}

func TestCLVRefusesBadFlags(t *testing.T) {
	ctx := context.Background()
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"-customers", "500", "-model", "foo"}), `-model "foo"`)
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"-customers", "500", "-as-of", "yesterday"}), "-as-of")
	require.Error(t, run(ctx, io.Discard, io.Discard, []string{"-transactions", "no-such-file.csv"}))
	require.ErrorContains(t, run(ctx, io.Discard, io.Discard, []string{"stray"}), "unexpected arguments")
}

// The generated business written to a file (-write) and read back gives
// the same report as the generated business, whether the file is imported
// into the store or summarised as it is read (-stream).
func TestCLVFromWrittenFile(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "tx.csv")
	var progress bytes.Buffer
	require.NoError(t, run(ctx, io.Discard, &progress, []string{"-customers", "2000", "-write", path}))
	require.Contains(t, progress.String(), "wrote ")
	read := func(extra ...string) string {
		var out bytes.Buffer
		require.NoError(t, run(ctx, &out, io.Discard, append([]string{"-transactions", path, "-header", "-negative-refunds", "-as-of", "2026-01-01"}, extra...)))
		return out.String()
	}
	imported, streamed := read(), read("-stream")
	require.Equal(t, imported, streamed)
	require.Contains(t, imported, "BG/NBD purchase model")
	err := run(ctx, io.Discard, io.Discard, []string{"-transactions", path, "-header", "-stream"})
	require.ErrorContains(t, err, "-stream reads a -transactions file as of an -as-of date")
}
