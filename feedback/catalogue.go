package feedback

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
)

// Entitlement is what the service promises the customers of one tier:
// the named services, the channels they may use, how soon they are
// answered and their items resolved, whether a named account manager
// serves them, and the remedy budget of one case.
type Entitlement struct {
	// Tier is the tier, one of the desk's tiers.
	Tier string `json:"tier"`
	// Services are the named services ("priority line", "free
	// collection", "annual review").
	Services []string `json:"services,omitempty"`
	// Channels are the channels the tier is served on.
	Channels []crm.Channel `json:"channels,omitempty"`
	// FirstResponse and Resolution are the promised targets in business
	// time (0: none promised).
	FirstResponse time.Duration `json:"first_response,omitempty"`
	// Resolution is the promised time to resolve an item.
	Resolution time.Duration `json:"resolution,omitempty"`
	// AccountManager says each customer of the tier has a named manager.
	AccountManager bool `json:"account_manager,omitempty"`
	// RemedyBudget is the most one case's remedy may cost without a
	// manager's approval, whatever the agent's own authority (0: no
	// budget beyond the agents' authority).
	RemedyBudget float64 `json:"remedy_budget,omitempty"`
}

// Catalogue is the service catalogue: an entitlement per tier. Its SLA
// policies feed a desk (Options.Catalogue) and its entitlements the
// plays' data (Entitlement.Data).
type Catalogue struct {
	// Entitlements are the tiers' entitlements, one per tier.
	Entitlements []Entitlement `json:"entitlements"`
}

// For returns the tier's entitlement.
func (c *Catalogue) For(tier string) (Entitlement, bool) {
	if c == nil {
		return Entitlement{}, false
	}
	for _, e := range c.Entitlements {
		if e.Tier == tier {
			return e, true
		}
	}
	return Entitlement{}, false
}

// SLA is the catalogue's targets as SLA policies, one per tier that
// promises any.
func (c *Catalogue) SLA() []SLAPolicy {
	var out []SLAPolicy
	for _, e := range c.Entitlements {
		if e.FirstResponse > 0 || e.Resolution > 0 {
			out = append(out, SLAPolicy{Tier: e.Tier, FirstResponse: e.FirstResponse, Resolution: e.Resolution})
		}
	}
	return out
}

// Data is the entitlement as a play's template data: "services",
// "channels", "account_manager", "first_response_hours".
func (e Entitlement) Data() map[string]any {
	channels := make([]string, len(e.Channels))
	for i, ch := range e.Channels {
		channels[i] = string(ch)
	}
	return map[string]any{"services": slices.Clone(e.Services), "channels": channels, "account_manager": e.AccountManager,
		"first_response_hours": e.FirstResponse.Hours()}
}

// Finding is a problem Check found in a catalogue.
type Finding struct {
	// Code names the problem: tier_without_entitlement,
	// entitlement_unknown_tier, entitlement_twice, bad_entitlement,
	// policy_weaker_than_entitlement.
	Code string `json:"code"`
	// Tier is the tier it concerns.
	Tier string `json:"tier"`
	// Detail says it in words.
	Detail string `json:"detail"`
}

func (f Finding) String() string { return fmt.Sprintf("%s (%s): %s", f.Code, f.Tier, f.Detail) }

// Check validates the catalogue against the tiers and the SLA policies a
// desk applies: every tier has one entitlement, every entitlement names a
// known tier and holds sensible values, and no policy that applies to a
// tier's items (at any severity, as the desk chooses: PolicyFor) is
// slower than the tier's promise.
func (c *Catalogue) Check(tiers []string, policies []SLAPolicy) []Finding {
	var out []Finding
	add := func(code, tier, format string, args ...any) {
		out = append(out, Finding{Code: code, Tier: tier, Detail: fmt.Sprintf(format, args...)})
	}
	seen := map[string]bool{}
	for _, e := range c.Entitlements {
		switch {
		case !slices.Contains(tiers, e.Tier):
			add("entitlement_unknown_tier", e.Tier, "%q is not one of the tiers %q", e.Tier, tiers)
		case seen[e.Tier]:
			add("entitlement_twice", e.Tier, "two entitlements for the tier")
		}
		seen[e.Tier] = true
		if e.FirstResponse < 0 || e.Resolution < 0 {
			add("bad_entitlement", e.Tier, "a negative target")
		}
		if p := bounds.Number(e.RemedyBudget); p != "" || e.RemedyBudget < 0 {
			add("bad_entitlement", e.Tier, "remedy budget %v is not an amount", e.RemedyBudget)
		}
		for _, ch := range e.Channels {
			if !ch.Valid() {
				add("bad_entitlement", e.Tier, "%q is not a channel", ch)
			}
		}
		for _, sev := range []Severity{Low, Medium, High, Critical} {
			p, ok := PolicyFor(policies, e.Tier, sev)
			weaker := func(promised, policy time.Duration) bool {
				return promised > 0 && (!ok || policy == 0 || policy > promised)
			}
			if weaker(e.FirstResponse, p.FirstResponse) || weaker(e.Resolution, p.Resolution) {
				add("policy_weaker_than_entitlement", e.Tier, "a %s item gets first response %s, resolution %s; the tier is promised %s and %s",
					sev, orNone(ok, p.FirstResponse), orNone(ok, p.Resolution), e.FirstResponse, e.Resolution)
				break
			}
		}
	}
	for _, t := range tiers {
		if !seen[t] {
			add("tier_without_entitlement", t, "no entitlement says what the tier is promised")
		}
	}
	return out
}

func orNone(ok bool, d time.Duration) string {
	if !ok || d == 0 {
		return "none"
	}
	return d.String()
}

// TierCost is what serving one tier cost in the desk's recorded work.
type TierCost struct {
	// Tier is the tier ("" for items without one).
	Tier string `json:"tier"`
	// Items and Steps count the items and the workflow steps taken on them.
	Items int `json:"items"`
	// Steps counts the workflow steps.
	Steps int `json:"steps"`
	// Remedies is what the authorised remedies cost.
	Remedies float64 `json:"remedies"`
	// Cost is Items × CostOptions.PerItem + Steps × PerStep + Remedies.
	Cost float64 `json:"cost"`
	// PerItem is Cost / Items.
	PerItem float64 `json:"per_item"`
}

// CostOptions price the desk's work.
type CostOptions struct {
	// PerItem is what taking in and closing an item costs.
	PerItem float64
	// PerStep is what one workflow step costs (an apology, an
	// investigation, a call).
	PerStep float64
}

// CostToServe prices the desk's recorded work per tier, from its items
// received in [from, to): the steps taken on them (each item's log, less
// its intake, assignments, breaches and escalations, which are no one's
// work), and the remedies authorised. Tiers in name order.
func CostToServe(ctx context.Context, items iter.Seq2[Item, error], events func(ctx context.Context, id string) iter.Seq2[Event, error], from, to time.Time, opt CostOptions) ([]TierCost, error) {
	if items == nil || events == nil {
		return nil, fmt.Errorf("feedback: cost to serve: the items and their events are required: %w", crm.ErrInvalid)
	}
	by := map[string]*TierCost{}
	for it, err := range items {
		if err != nil {
			return nil, err
		}
		if it.Received.Before(from) || !it.Received.Before(to) {
			continue
		}
		tc := by[it.Tier]
		if tc == nil {
			tc = &TierCost{Tier: it.Tier}
			by[it.Tier] = tc
		}
		tc.Items++
		for e, err := range events(ctx, it.ID) {
			if err != nil {
				return nil, err
			}
			if e.Type == StepEvent {
				tc.Steps++
			}
		}
		if it.AuthorisedBy != "" {
			tc.Remedies += it.Content.Cost
		}
	}
	out := make([]TierCost, 0, len(by))
	for _, tc := range by {
		tc.Cost = float64(tc.Items)*opt.PerItem + float64(tc.Steps)*opt.PerStep + tc.Remedies
		tc.PerItem = tc.Cost / float64(tc.Items)
		out = append(out, *tc)
	}
	slices.SortFunc(out, func(a, b TierCost) int { return cmp.Compare(a.Tier, b.Tier) })
	return out, nil
}

// Manager is one account manager's portfolio and workload.
type Manager struct {
	// Name is the manager (crm.Preferences.AccountManager).
	Name string `json:"name"`
	// Customers counts the customers the manager serves, ByTier by tier.
	Customers int `json:"customers"`
	// ByTier counts them by tier.
	ByTier map[string]int `json:"by_tier"`
	// OpenItems counts the open desk items of those customers: the
	// manager's workload.
	OpenItems int `json:"open_items"`
}

// Coverage is who serves the customers of the tiers that are promised an
// account manager.
type Coverage struct {
	// Managers are the account managers, by name.
	Managers []Manager `json:"managers"`
	// Uncovered are the customers of such tiers without a manager, by ID.
	Uncovered []string `json:"uncovered,omitempty"`
}

// AccountManagers reports each account manager's portfolio and open items,
// and the customers of the tiers whose entitlement promises a manager
// (Entitlement.AccountManager) who have none. tierOf gives a customer's
// tier ("" for none); open streams the desk's open items.
func AccountManagers(customers iter.Seq2[crm.Customer, error], tierOf func(customerID string) string, cat *Catalogue, open iter.Seq2[Item, error]) (Coverage, error) {
	var cov Coverage
	if customers == nil || tierOf == nil || open == nil {
		return cov, fmt.Errorf("feedback: account managers: the customers, their tiers and the open items are required: %w", crm.ErrInvalid)
	}
	by := map[string]*Manager{}
	managerOf := map[string]string{}
	for c, err := range customers {
		if err != nil {
			return cov, err
		}
		tier := tierOf(c.ID)
		name := c.Preferences.AccountManager
		if name == "" {
			if e, ok := cat.For(tier); ok && e.AccountManager {
				cov.Uncovered = append(cov.Uncovered, c.ID)
			}
			continue
		}
		m := by[name]
		if m == nil {
			m = &Manager{Name: name, ByTier: map[string]int{}}
			by[name] = m
		}
		m.Customers++
		m.ByTier[tier]++
		managerOf[c.ID] = name
	}
	for it, err := range open {
		if err != nil {
			return cov, err
		}
		if name, ok := managerOf[it.CustomerID]; ok && it.State.Open() {
			by[name].OpenItems++
		}
	}
	for _, m := range by {
		cov.Managers = append(cov.Managers, *m)
	}
	slices.SortFunc(cov.Managers, func(a, b Manager) int { return cmp.Compare(a.Name, b.Name) })
	slices.Sort(cov.Uncovered)
	return cov, nil
}

// AssignManagers proposes a manager for each uncovered customer, in
// order, each to the manager with the smallest portfolio so far (ties by
// name), starting from the portfolios in cov. The host writes the
// assignments to the customers' records.
func AssignManagers(cov Coverage, managers []string) (map[string]string, error) {
	if len(managers) == 0 {
		return nil, fmt.Errorf("feedback: no account managers to assign %d customers to: %w", len(cov.Uncovered), crm.ErrInvalid)
	}
	load := map[string]int{}
	for _, m := range cov.Managers {
		load[m.Name] = m.Customers
	}
	out := make(map[string]string, len(cov.Uncovered))
	for _, id := range cov.Uncovered {
		pick := slices.MinFunc(managers, func(a, b string) int { return cmp.Or(cmp.Compare(load[a], load[b]), cmp.Compare(a, b)) })
		out[id] = pick
		load[pick]++
	}
	return out, nil
}
