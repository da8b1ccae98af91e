package roadmap

import (
	"fmt"
	"time"

	"github.com/crmkit/crm/feedback"
)

// InitiativesFromCauses drafts a process initiative for each root cause
// among the vital few of a cross-source Pareto (feedback.RootCauses): the
// few causes behind most of the dissatisfaction, each to be fixed. Each
// runs months from start under owner, with ID "fix-<reason>"; the drafts
// have no departments or budget yet, which the account team agrees
// before the roadmap is proposed. Whether a fix worked is read from the
// index or NPS before and after (feedback.IndexChange,
// feedback.NPSChange).
func InitiativesFromCauses(causes []feedback.RootCause, owner string, start time.Time, months int) []Initiative {
	var out []Initiative
	for _, c := range causes {
		if !c.VitalFew {
			continue
		}
		out = append(out, Initiative{
			ID:         "fix-" + c.Cause,
			Name:       fmt.Sprintf("Fix: %s (%d mentions, %.0f%% of all)", c.Label, c.Count, 100*c.Share),
			Kind:       Process,
			Owner:      owner,
			Start:      start,
			End:        start.AddDate(0, months, 0),
			FiscalYear: start.Year(),
		})
	}
	return out
}
