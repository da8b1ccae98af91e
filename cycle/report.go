package cycle

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
)

// maxReportCuts is how many cuts of one metric a report shows, largest
// first.
const maxReportCuts = 12

// WriteReport writes a period as text, process by process in the order
// of Definitions: each metric (the twelve largest cuts of one that has
// many; segments and flows at zero in both periods left out) with its value in its unit, N and the 95% interval where it has
// them, and — when previous is not nil — the change since the previous
// period, marked * where a test finds it significant (see Compare).
func WriteReport(w io.Writer, p, previous *Period) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "period %s to %s", p.From.Format("2006-01-02"), p.AsOf.Format("2006-01-02"))
	moved := map[[2]string]Movement{}
	if previous != nil {
		fmt.Fprintf(bw, " (changes since the previous period, which ended %s; * significant at 5%%)", previous.AsOf.Format("2006-01-02"))
		for _, m := range Compare(previous, p) {
			moved[[2]string{m.Name, m.Cut}] = m
		}
	}
	fmt.Fprintln(bw)
	byName := map[string][]Metric{}
	for _, m := range p.Metrics {
		byName[m.Name] = append(byName[m.Name], m)
	}
	var process Process
	for _, d := range definitions {
		ms := byName[d.Name]
		if len(ms) == 0 {
			continue
		}
		unit := d.Unit
		if d.Name == MetricNPS {
			unit = unitPoints
		}
		if d.Process != process {
			process = d.Process
			fmt.Fprintf(bw, "\n== %s\n", process)
		}
		ms = slices.Clone(ms)
		slices.SortStableFunc(ms, func(a, b Metric) int { return cmp.Compare(math.Abs(b.Value), math.Abs(a.Value)) })
		// Segments and flows at zero, now and before, say nothing.
		if d.Cuts == "segmentation,segment" || d.Cuts == "from,to" {
			ms = slices.DeleteFunc(ms, func(m Metric) bool {
				mv, ok := moved[[2]string{m.Name, m.Cut}]
				return m.Value == 0 && (!ok || !mv.InBefore || mv.Before == 0)
			})
		}
		hidden := max(0, len(ms)-maxReportCuts)
		for _, m := range ms[:len(ms)-hidden] {
			label := strings.TrimPrefix(d.Name, string(d.Process)+".")
			if m.Cut != "" {
				label += " " + cutLabel(m.Cut)
			}
			line := fmt.Sprintf("%-52s %14s", label, format(unit, m.Value, p.Currency))
			if m.N > 0 && (d.Unit == UnitShare || d.Unit == UnitScore) {
				if m.Interval() {
					line += fmt.Sprintf("  (%s to %s, n = %d)", format(unit, m.Low, ""), format(unit, m.High, ""), m.N)
				} else {
					line += fmt.Sprintf("  (n = %d)", m.N)
				}
			}
			if mv, ok := moved[[2]string{m.Name, m.Cut}]; ok && mv.InBefore {
				mark := ""
				if mv.Significant {
					mark = " *"
				}
				line += fmt.Sprintf("  %s%s", signed(unit, mv.Delta), mark)
			}
			fmt.Fprintln(bw, strings.TrimRight(line, " "))
		}
		if hidden > 0 {
			fmt.Fprintf(bw, "%-52s %14s\n", "  … and", fmt.Sprintf("%d more", hidden))
		}
	}
	return bw.Flush()
}

// cutLabel shows a cut's values: "from=lapsed,to=reactivated" as
// "lapsed → reactivated", others joined by " / ".
func cutLabel(cut string) string {
	var vals []string
	flow := strings.HasPrefix(cut, "from=")
	for kv := range strings.SplitSeq(cut, ",") {
		_, v, _ := strings.Cut(kv, "=")
		vals = append(vals, v)
	}
	if flow {
		return strings.Join(vals, " → ")
	}
	return strings.Join(vals, " / ")
}

// unitPoints shows a score of −1..1 (NPS) in points.
const unitPoints Unit = "points"

func format(u Unit, v float64, currency string) string {
	switch u {
	case UnitCount:
		return fmt.Sprintf("%.0f", v)
	case UnitShare:
		return fmt.Sprintf("%.1f%%", 100*v)
	case UnitMoney:
		return strings.TrimSpace(fmt.Sprintf("%.2f %s", v, currency))
	case unitPoints:
		return fmt.Sprintf("%+.0f", 100*v)
	case UnitScore:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func signed(u Unit, d float64) string {
	s := format(u, d, "")
	if !strings.HasPrefix(s, "-") && !strings.HasPrefix(s, "+") {
		s = "+" + s
	}
	return s
}
