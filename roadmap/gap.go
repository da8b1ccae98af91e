package roadmap

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Metric compares the current model with the target model on one measure.
type Metric struct {
	// Name names the metric.
	Name string `json:"name"`
	// Current is where the metric stands.
	Current float64 `json:"current"`
	// Target is where the plan wants it.
	Target    float64 `json:"target"`
	Benchmark float64 `json:"benchmark"` // what the best comparable companies reach
	// Weight is the metric's importance, relative to the others.
	Weight float64 `json:"weight"`
	// LowerIsBetter is set for metrics to bring down (complaints, churn).
	LowerIsBetter bool `json:"lower_is_better,omitempty"`
}

// Gap is a metric's shortfall.
type Gap struct {
	// Metric is the metric behind the gap.
	Metric Metric `json:"metric"`
	// Shortfall is the distance still to go to the target as a share of the
	// target (0 when met); BehindBenchmark the same against the benchmark.
	Shortfall       float64 `json:"shortfall"`
	BehindBenchmark float64 `json:"behind_benchmark"` // share still to go to the benchmark
	// Score ranks gaps: Weight × Shortfall.
	Score float64 `json:"score"`
}

func shortfall(current, goal float64, lowerIsBetter bool) float64 {
	d := goal - current
	if lowerIsBetter {
		d = -d
	}
	if d <= 0 {
		return 0
	}
	return d / math.Max(math.Abs(goal), 1e-12)
}

// Gaps normalises each metric's shortfall against its target (and
// benchmark) and ranks them by weighted shortfall, largest first (ties by
// name). Metrics with non-positive weights are an error.
func Gaps(metrics []Metric) ([]Gap, error) {
	out := make([]Gap, 0, len(metrics))
	for _, m := range metrics {
		if !(m.Weight > 0) {
			return nil, fmt.Errorf("roadmap: gap %q: weight %v must be positive", m.Name, m.Weight)
		}
		g := Gap{Metric: m, Shortfall: shortfall(m.Current, m.Target, m.LowerIsBetter), BehindBenchmark: shortfall(m.Current, m.Benchmark, m.LowerIsBetter)}
		g.Score = m.Weight * g.Shortfall
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b Gap) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Metric.Name, b.Metric.Name))
	})
	return out, nil
}

// ProposePhases turns ranked gaps into phases that tackle at most perPhase
// of them at a time, largest first; met metrics get no phase. Never
// everything at once: perPhase must be at least 1, and a proposal for a
// single phase holding every gap is split.
func ProposePhases(gaps []Gap, perPhase int) []Phase {
	if perPhase < 1 {
		perPhase = 1
	}
	var open []string
	for _, g := range gaps {
		if g.Shortfall > 0 {
			open = append(open, g.Metric.Name)
		}
	}
	if perPhase >= len(open) && len(open) > 1 {
		perPhase = (len(open) + 1) / 2
	}
	var out []Phase
	for i := 0; i < len(open); i += perPhase {
		out = append(out, Phase{Name: fmt.Sprintf("Phase %d", len(out)+1), Priorities: slices.Clone(open[i:min(i+perPhase, len(open))])})
	}
	return out
}
