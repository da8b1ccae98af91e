package main

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/palette"
	"gonum.org/v1/plot/palette/moreland"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/crmkit/crm/lifecycle"
)

// charts are the report's figures, in order: id, title and drawing.
var charts = []struct {
	id, title string
	draw      func(*result) (*plot.Plot, error)
}{
	{"rfm-heatmap", "RFM: customers by recency and frequency score", rfmHeatMap},
	{"clv-distribution", "Distribution of 12-month customer lifetime value", clvHistogram},
	{"tier-value-share", "Value tiers: share of customers and share of value", tierShares},
	{"lifecycle-flow", "Lifecycle stages a quarter ago (left) and now (right)", stageSankey},
	{"complaint-pareto", "Complaint causes: Pareto chart", complaintPareto},
	{"roadmap-gantt", "Key-account roadmap: phases and initiatives", roadmapGantt},
	{"nps-interval", "NPS after complaints, with 95% confidence intervals", npsIntervals},
}

// writeHTML writes the report as one self-contained, well-formed HTML
// file: the text report's numbers plus every chart as inline SVG drawn by
// gonum.org/v1/plot. Nothing is loaded from the network.
func writeHTML(w io.Writer, r *result) error {
	var text bytes.Buffer
	writeText(&text, r)
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"/><title>crmkit quickstart report</title>
<style>
body { font-family: "Liberation Sans", Arial, sans-serif; margin: 2em auto; max-width: 70em; color: #222; }
h1 { font-size: 1.6em; } figure { margin: 2em 0; } figcaption { font-weight: bold; margin-bottom: .5em; }
pre { background: #f6f6f6; padding: 1em; overflow-x: auto; font-size: .85em; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(32em, 1fr)); gap: 1em; }
</style></head><body>
`)
	fmt.Fprintf(&b, "<h1>crmkit quickstart report</h1>\n<p>%s — as of %s</p>\n<div class=\"charts\">\n",
		html.EscapeString(r.source), r.now.asOf.Format("2 January 2006"))
	for _, c := range charts {
		p, err := c.draw(r)
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

func rfmHeatMap(r *result) (*plot.Plot, error) {
	var g rfmGrid
	for _, s := range r.now.rfm {
		g[s.R-1][s.F-1]++
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

func clvHistogram(r *result) (*plot.Plot, error) {
	vals := make(plotter.Values, 0, len(r.now.values))
	for _, v := range r.now.values {
		vals = append(vals, v.CLV.Amount.InexactFloat64())
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
	p.X.Label.Text = fmt.Sprintf("CLV, %s (up to the 99th percentile, %.0f)", r.now.currency, top)
	p.Y.Label.Text = "customers"
	return p, nil
}

func tierShares(r *result) (*plot.Plot, error) {
	var names []string
	var cust, val plotter.Values
	for _, t := range r.now.tiers.Reports {
		names = append(names, t.Tier.Name)
		cust = append(cust, 100*t.CustomerShare)
		val = append(val, 100*t.ValueShare)
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

func stageSankey(r *result) (*plot.Plot, error) {
	var flows []plotter.Flow
	for _, f := range r.flows {
		flows = append(flows, plotter.Flow{SourceLabel: f.From, ReceptorLabel: f.To, SourceCategory: 0, ReceptorCategory: 1, Value: float64(f.Count), Group: f.To})
	}
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
	p.X.Tick.Marker = plot.ConstantTicks([]plot.Tick{{Value: 0, Label: r.then.asOf.Format("2 Jan 2006")}, {Value: 1, Label: r.now.asOf.Format("2 Jan 2006")}})
	return p, nil
}

var stageColors = []color.Color{
	color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff},
	color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 0xff}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff},
	color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 0xff}, color.RGBA{R: 0x8c, G: 0x56, B: 0x4b, A: 0xff},
	color.RGBA{R: 0xe3, G: 0x77, B: 0xc2, A: 0xff}, color.RGBA{R: 0x7f, G: 0x7f, B: 0x7f, A: 0xff},
}

func complaintPareto(r *result) (*plot.Plot, error) {
	rows := r.desk.pareto
	if len(rows) == 0 {
		return nil, fmt.Errorf("no complaints to chart")
	}
	var names []string
	var share plotter.Values
	var cum plotter.XYs
	for i, row := range rows {
		names = append(names, row.Cause)
		share = append(share, 100*row.Share)
		cum = append(cum, plotter.XY{X: float64(i), Y: 100 * row.Cumulative})
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

func roadmapGantt(r *result) (*plot.Plot, error) {
	c := r.account.roadmap.Content
	type bar struct {
		name       string
		start, end time.Time
		col        color.Color
	}
	var bars []bar
	for _, ph := range c.Phases {
		bars = append(bars, bar{"phase: " + ph.Name, ph.Start, ph.End, grey})
	}
	for _, in := range c.Initiatives {
		bars = append(bars, bar{in.ID + " " + in.Name + " (" + string(in.Kind) + ")", in.Start, in.End, blue})
	}
	p := plot.New()
	var names []string
	for i, b := range bars {
		y := float64(len(bars) - 1 - i)
		x0, x1 := float64(b.start.Unix()), float64(b.end.Unix())
		poly, err := plotter.NewPolygon(plotter.XYs{{X: x0, Y: y - 0.3}, {X: x1, Y: y - 0.3}, {X: x1, Y: y + 0.3}, {X: x0, Y: y + 0.3}})
		if err != nil {
			return nil, err
		}
		poly.Color, poly.LineStyle.Width = b.col, 0
		p.Add(poly)
		names = append([]string{b.name}, names...)
	}
	today := float64(r.now.asOf.Unix())
	nowLine, err := plotter.NewLine(plotter.XYs{{X: today, Y: -0.6}, {X: today, Y: float64(len(bars)) - 0.4}})
	if err != nil {
		return nil, err
	}
	nowLine.Color, nowLine.Dashes = orange, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(nowLine)
	p.Legend.Add("analysis date", nowLine)
	p.Legend.Top = true
	p.NominalY(names...)
	p.X.Tick.Marker = plot.TimeTicks{Format: "Jan 2006"}
	return p, nil
}

func npsIntervals(r *result) (*plot.Plot, error) {
	d := r.desk
	var pts plotter.XYs
	var errs plotter.YErrors
	var names []string
	for _, l := range []struct {
		name string
		n    npsLine
	}{{"all answers", d.nps}, {"SLA met", d.npsMet}, {"SLA breached", d.npsBreached}} {
		if !l.n.ok {
			continue
		}
		x := float64(len(pts))
		pts = append(pts, plotter.XY{X: x, Y: 100 * l.n.Score})
		errs = append(errs, struct{ Low, High float64 }{100 * (l.n.Score - l.n.Low), 100 * (l.n.High - l.n.Score)})
		names = append(names, fmt.Sprintf("%s (n = %d)", l.name, l.n.N))
	}
	if len(pts) == 0 {
		return nil, fmt.Errorf("no survey answers")
	}
	e, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{pts, errs})
	if err != nil {
		return nil, err
	}
	e.Width = vg.Points(1.5)
	e.CapWidth = vg.Points(10)
	s, err := plotter.NewScatter(pts)
	if err != nil {
		return nil, err
	}
	s.Color, s.Radius = blue, vg.Points(4)
	zero := plotter.NewFunction(func(float64) float64 { return 0 })
	zero.Color = grey
	p := plot.New()
	p.Add(zero, e, s)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.5, float64(len(pts))-0.5
	p.Y.Min, p.Y.Max = -100, 100
	p.Y.Label.Text = "NPS (promoters − detractors, points)"
	return p, nil
}
