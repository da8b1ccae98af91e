package feedback

import (
	"cmp"
	"slices"
	"strings"
)

// WinBack is a dissatisfied customer to win back.
type WinBack struct {
	// CustomerID is the customer to win back.
	CustomerID string  `json:"customer_id"`
	AtStake    float64 `json:"at_stake"` // the customer's value
	// Reasons say why the customer is on the list.
	Reasons []string `json:"reasons"`
	// FollowUp is what to do next.
	FollowUp string `json:"follow_up"`
}

// WinBackList lists the dissatisfied customers — NPS detractors, CSAT of
// 1–2, complaints closed unresolved, and complainers who have since lapsed
// (lapsed: the host's set of lapsed customers, such as lifecycle's) —
// ranked by value at stake (the largest Value seen on their items, or
// values[customer] when given), each with the reasons and a suggested
// follow-up.
func WinBackList(items []Item, surveys []Survey, lapsed map[string]bool, values map[string]float64) []WinBack {
	by := map[string]*WinBack{}
	get := func(id string) *WinBack {
		w := by[id]
		if w == nil {
			w = &WinBack{CustomerID: id}
			by[id] = w
		}
		return w
	}
	add := func(w *WinBack, reason string) {
		if !slices.Contains(w.Reasons, reason) {
			w.Reasons = append(w.Reasons, reason)
		}
	}
	value := map[string]float64{}
	complained := map[string]bool{}
	for _, it := range items {
		value[it.CustomerID] = max(value[it.CustomerID], it.Value)
		if it.Kind == Complaint {
			complained[it.CustomerID] = true
		}
		if it.State == ClosedUnresolved {
			add(get(it.CustomerID), "complaint "+it.ID+" closed unresolved")
		}
	}
	for _, s := range surveys {
		switch {
		case s.Type == NPS && s.Score <= 6:
			add(get(s.CustomerID), "NPS detractor")
		case s.Type == CSAT && s.Score <= 2:
			add(get(s.CustomerID), "dissatisfied (CSAT)")
		}
	}
	for id := range complained {
		if lapsed[id] {
			add(get(id), "complained, then lapsed")
		}
	}
	out := make([]WinBack, 0, len(by))
	for id, w := range by {
		w.AtStake = value[id]
		if v, ok := values[id]; ok {
			w.AtStake = v
		}
		slices.Sort(w.Reasons)
		reasons := strings.Join(w.Reasons, "; ")
		switch {
		case strings.Contains(reasons, "closed unresolved"):
			w.FollowUp = "a senior person calls to reopen the complaint with a better remedy"
		case strings.Contains(reasons, "lapsed"):
			w.FollowUp = "a personal note acknowledging the complaint, with an offer to come back"
		default:
			w.FollowUp = "call to ask what went wrong, then fix it and confirm"
		}
		out = append(out, *w)
	}
	slices.SortFunc(out, func(a, b WinBack) int {
		return cmp.Or(cmp.Compare(b.AtStake, a.AtStake), cmp.Compare(a.CustomerID, b.CustomerID))
	})
	return out
}
