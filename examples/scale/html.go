package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"html"
	"image/color"
	"io"
	"math"
	"os"
	"slices"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/scoring"
)

// charts are the report's figures, in order: id, title and drawing.
var charts = []struct {
	id, title string
	draw      func(*figures) (*plot.Plot, error)
}{
	{"rfm-heatmap", "RFM: customers by recency and frequency score", rfmHeatMap},
	{"clv-distribution", "Distribution of 12-month customer lifetime value", clvHistogram},
	{"tier-value-share", "Value tiers: share of customers and share of value", tierShares},
	{"lifecycle-flow", "Lifecycle stages a quarter ago (left) and now (right)", stageSankey},
	{"complaint-pareto", "Complaint causes: Pareto chart", complaintPareto},
	{"experience-index", "Experience index by channel, a quarter ago and now", experience},
}

// figures is what the charts draw: the two periods and every customer's
// result of the later run.
type figures struct {
	name      string
	then, now *cycle.Period
	results   []cycle.Result
}

// writeHTMLFile writes the HTML report of the loop's two runs to path.
func writeHTMLFile(ctx context.Context, path string, src *source, then, now *cycle.Period) error {
	f := &figures{name: src.name, then: then, now: now}
	for r, err := range src.results.ResultsAt(ctx, now.AsOf) {
		if err != nil {
			return err
		}
		f.results = append(f.results, r)
	}
	file, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := writeHTML(file, f); err != nil {
		file.Close()
		return err
	}
	return file.Close()
}

// writeHTML writes the report as one self-contained, well-formed HTML
// file: the text report plus every chart as inline SVG drawn by
// gonum.org/v1/plot. Nothing is loaded from the network.
func writeHTML(w io.Writer, f *figures) error {
	var text bytes.Buffer
	if err := cycle.WriteReport(&text, f.now, f.then); err != nil {
		return err
	}
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>crmkit report</title>
<style>
body { font-family: "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } figure { margin: 2em 0; } figcaption { font-weight: bold; margin-bottom: .5em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .85em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(32em, 1fr)); gap: 1em; }
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>crmkit report</h1>\n<p>%s — as of %s</p>\n<div class=\"charts\">\n",
		html.EscapeString(f.name), f.now.AsOf.Format("2 January 2006"))
	for _, c := range charts {
		p, err := c.draw(f)
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.id, err)
		}
		svg, err := renderSVG(p, 16*vg.Centimeter, 10*vg.Centimeter)
		if err != nil {
			return fmt.Errorf("chart %s: %w", c.id, err)
		}
		fmt.Fprintf(&b, "<figure id=\"%s\"><figcaption>%s</figcaption>\n%s\n</figure>\n", c.id, html.EscapeString(c.title), svg)
	}
	b.WriteString("</div>\n<h2>The report</h2>\n<pre>")
	b.WriteString(html.EscapeString(text.String()))
	b.WriteString("</pre>\n</body></html>\n")
	_, err := w.Write(b.Bytes())
	return err
}

// renderSVG draws p and returns the <svg> element alone, without the XML
// prologue, ready to inline.
func renderSVG(p *plot.Plot, w, h vg.Length) (string, error) {
	c := vgsvg.New(w, h)
	p.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", err
	}
	s := buf.String()
	i := strings.Index(s, "<svg")
	if i < 0 {
		return "", fmt.Errorf("the SVG backend wrote no <svg> element")
	}
	return s[i:], nil
}

var (
	blue   = color.RGBA{R: 0x3b, G: 0x6e, B: 0xa8, A: 0xff}
	orange = color.RGBA{R: 0xe0, G: 0x7b, B: 0x28, A: 0xff}
	grey   = color.RGBA{R: 0x99, G: 0x99, B: 0x99, A: 0xff}
)

// rfmGrid counts customers per (R, F) score cell.
type rfmGrid [5][5]float64

func (g *rfmGrid) Dims() (c, r int)   { return 5, 5 }
func (g *rfmGrid) Z(c, r int) float64 { return g[c][r] }
func (g *rfmGrid) X(c int) float64    { return float64(c + 1) }
func (g *rfmGrid) Y(r int) float64    { return float64(r + 1) }

func rfmHeatMap(f *figures) (*plot.Plot, error) {
	var g rfmGrid
	for _, r := range f.results {
		if c := r.RFMCell; len(c) == 3 && c[0] >= '1' && c[0] <= '5' && c[1] >= '1' && c[1] <= '5' {
			g[c[0]-'1'][c[1]-'1']++
		}
	}
	p := plot.New()
	p.X.Label.Text = "recency score (5 = most recent)"
	p.Y.Label.Text = "frequency score (5 = most frequent)"
	// Few customers light, many dark: a luminance ramp (which must rise)
	// reversed, so the black counts stay readable on every cell.
	ramp, err := moreland.NewLuminance([]color.Color{color.RGBA{R: 0x08, G: 0x45, B: 0x94, A: 0xff}, color.RGBA{R: 0x6b, G: 0xae, B: 0xd6, A: 0xff}, color.RGBA{R: 0xf7, G: 0xfb, B: 0xff, A: 0xff}})
	if err != nil {
		return nil, err
	}
	cm := palette.Reverse(ramp)
	hi := 0.0
	for _, col := range g {
		hi = max(hi, slices.Max(col[:]))
	}
	cm.SetMin(0)
	cm.SetMax(max(1, hi))
	p.Add(plotter.NewHeatMap(&g, cm.Palette(64)))
	var labels plotter.XYLabels
	for c := range 5 {
		for f := range 5 {
			labels.XYs = append(labels.XYs, plotter.XY{X: float64(c + 1), Y: float64(f + 1)})
			labels.Labels = append(labels.Labels, fmt.Sprint(g[c][f]))
		}
	}
	l, err := plotter.NewLabels(labels)
	if err != nil {
		return nil, err
	}
	for i := range l.TextStyle {
		l.TextStyle[i].Color = color.Black
		if g[i/5][i%5] > 0.6*hi {
			l.TextStyle[i].Color = color.White
		}
		l.TextStyle[i].XAlign, l.TextStyle[i].YAlign = draw.XCenter, draw.YCenter
	}
	p.Add(l)
	p.X.Tick.Marker = plot.ConstantTicks(scoreTicks())
	p.Y.Tick.Marker = plot.ConstantTicks(scoreTicks())
	return p, nil
}

func scoreTicks() []plot.Tick {
	out := make([]plot.Tick, 5)
	for i := range out {
		out[i] = plot.Tick{Value: float64(i + 1), Label: fmt.Sprint(i + 1)}
	}
	return out
}

func clvHistogram(f *figures) (*plot.Plot, error) {
	vals := make(plotter.Values, 0, len(f.results))
	for _, r := range f.results {
		if r.Valued {
			vals = append(vals, r.CLV.Amount.InexactFloat64())
		}
	}
	if len(vals) == 0 {
		return nil, fmt.Errorf("no customer values")
	}
	slices.Sort(vals)
	top := vals[int(0.99*float64(len(vals)-1))] // the top 1% would flatten the rest
	for len(vals) > 1 && vals[len(vals)-1] > top {
		vals = vals[:len(vals)-1]
	}
	h, err := plotter.NewHist(vals, 40)
	if err != nil {
		return nil, err
	}
	h.FillColor = blue
	p := plot.New()
	p.Add(h)
	p.X.Label.Text = fmt.Sprintf("CLV, %s (up to the 99th percentile, %.0f)", f.now.Currency, top)
	p.Y.Label.Text = "customers"
	return p, nil
}

func tierShares(f *figures) (*plot.Plot, error) {
	var names []string
	var cust, val plotter.Values
	buyers, _ := f.now.Value(cycle.MetricBuyers, "")
	for _, t := range scoring.DefaultTiers().Tiers {
		n, ok := f.now.Value(cycle.MetricTierCustomers, cycle.Cut("tier", t.Name))
		if !ok {
			continue
		}
		share, _ := f.now.Value(cycle.MetricTierValueShare, cycle.Cut("tier", t.Name))
		names = append(names, t.Name)
		cust = append(cust, 100*n/max(buyers, 1))
		val = append(val, 100*share)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("no value tiers")
	}
	w := vg.Points(18)
	a, err := plotter.NewBarChart(cust, w)
	if err != nil {
		return nil, err
	}
	a.Color, a.Offset = grey, -w/2
	b, err := plotter.NewBarChart(val, w)
	if err != nil {
		return nil, err
	}
	b.Color, b.Offset = blue, w/2
	p := plot.New()
	p.Add(a, b)
	p.Legend.Add("share of customers", a)
	p.Legend.Add("share of 12-month value", b)
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.XOffs = vg.Points(40)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Label.Text = "%"
	return p, nil
}

// stageSankey links each stage a quarter ago to the stage now: the
// period's recorded moves, and the customers who stayed (the earlier
// stage's count less the moves out of it).
func stageSankey(f *figures) (*plot.Plot, error) {
	var flows []plotter.Flow
	stay := map[string]float64{}
	for _, m := range f.then.Metrics {
		if m.Name == cycle.MetricStage {
			stay[strings.TrimPrefix(m.Cut, "stage=")] = m.Value
		}
	}
	for _, m := range f.now.Metrics {
		if m.Name != cycle.MetricFlow {
			continue
		}
		var from, to string
		for kv := range strings.SplitSeq(m.Cut, ",") {
			k, v, _ := strings.Cut(kv, "=")
			if k == "from" {
				from = v
			} else {
				to = v
			}
		}
		stay[from] -= m.Value
		flows = append(flows, plotter.Flow{SourceLabel: from, ReceptorLabel: to, SourceCategory: 0, ReceptorCategory: 1, Value: m.Value, Group: to})
	}
	for stage, n := range stay {
		if n > 0 {
			flows = append(flows, plotter.Flow{SourceLabel: stage, ReceptorLabel: stage, SourceCategory: 0, ReceptorCategory: 1, Value: n, Group: stage})
		}
	}
	slices.SortFunc(flows, func(a, b plotter.Flow) int {
		return cmp.Or(cmp.Compare(b.Value, a.Value), cmp.Compare(a.SourceLabel, b.SourceLabel), cmp.Compare(a.ReceptorLabel, b.ReceptorLabel))
	})
	if len(flows) == 0 {
		return nil, fmt.Errorf("no lifecycle flows")
	}
	s, err := plotter.NewSankey(flows...)
	if err != nil {
		return nil, err
	}
	colors := map[string]color.Color{}
	for i, st := range lifecycle.DefaultPolicy().Stages {
		colors[st.Name] = stageColors[i%len(stageColors)]
	}
	s.FlowStyle = func(group string) (color.Color, draw.LineStyle) {
		c := color.RGBAModel.Convert(colors[group]).(color.RGBA)
		c.A = 0x90
		return c, draw.LineStyle{}
	}
	s.Color = color.RGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
	p := plot.New()
	p.Add(s)
	p.HideY()
	p.X.Min, p.X.Max = -0.15, 1.15 // room for the dates under the columns
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: f.then.AsOf.Format("2 Jan 2006")}, {Value: 1, Label: f.now.AsOf.Format("2 Jan 2006")}})
	return p, nil
}

var stageColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

func complaintPareto(f *figures) (*plot.Plot, error) {
	var rows []cycle.Metric
	for _, m := range f.now.Metrics {
		if m.Name == cycle.MetricCauseShare {
			rows = append(rows, m)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no complaints to chart")
	}
	slices.SortStableFunc(rows, func(a, b cycle.Metric) int { return cmp.Compare(b.Value, a.Value) })
	var names []string
	var share plotter.Values
	var cum plotter.XYs
	total := 0.0
	for i, row := range rows {
		total += row.Value
		names = append(names, strings.TrimPrefix(row.Cut, "cause="))
		share = append(share, 100*row.Value)
		cum = append(cum, plotter.XY{X: float64(i), Y: 100 * total})
	}
	bars, err := plotter.NewBarChart(share, vg.Points(22))
	if err != nil {
		return nil, err
	}
	bars.Color = blue
	line, points, err := plotter.NewLinePoints(cum)
	if err != nil {
		return nil, err
	}
	line.Color, points.Color = orange, orange
	eighty := plotter.NewFunction(func(float64) float64 { return 80 })
	eighty.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
	eighty.Color = grey
	p := plot.New()
	p.Add(bars, line, points, eighty)
	p.Legend.Add("share of complaints", bars)
	p.Legend.Add("cumulative", line, points)
	p.Legend.Add("80%", eighty)
	p.Legend.Left, p.Legend.Top = false, false
	p.Legend.YOffs, p.Legend.XOffs = vg.Points(90), -vg.Points(12)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.X.Tick.Label.Rotation = math.Pi / 6
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Label.Text = "% of complaints"
	return p, nil
}

// experience compares each channel's experience index a quarter ago and
// now, worst channel first.
func experience(f *figures) (*plot.Plot, error) {
	var rows []cycle.Metric
	for _, m := range f.now.Metrics {
		if m.Name == cycle.MetricExperience {
			rows = append(rows, m)
		}
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("no experience ratings")
	}
	slices.SortStableFunc(rows, func(a, b cycle.Metric) int { return cmp.Compare(a.Value, b.Value) })
	var names []string
	var before, after plotter.Values
	for _, m := range rows {
		v, _ := f.then.Value(m.Name, m.Cut)
		names = append(names, strings.TrimPrefix(m.Cut, "channel="))
		before = append(before, v)
		after = append(after, m.Value)
	}
	w := vg.Points(12)
	a, err := plotter.NewBarChart(before, w)
	if err != nil {
		return nil, err
	}
	a.Color, a.Offset = grey, -w/2
	b, err := plotter.NewBarChart(after, w)
	if err != nil {
		return nil, err
	}
	b.Color, b.Offset = blue, w/2
	p := plot.New()
	p.Add(a, b)
	p.Legend.Add(f.then.AsOf.Format("2 Jan 2006"), a)
	p.Legend.Add(f.now.AsOf.Format("2 Jan 2006"), b)
	p.Legend.Top, p.Legend.Left = true, true
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.6, float64(len(names))-0.4
	p.Y.Min, p.Y.Max = 0, 100
	p.Y.Label.Text = "experience index (0–100)"
	return p, nil
}
