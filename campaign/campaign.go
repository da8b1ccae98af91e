package campaign

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
)

// Kind is what a campaign does for (or asks of) the customer; a lifecycle
// stage may forbid kinds (no sales to loyal customers or advocates).
type Kind string

// Campaign kinds.
const (
	Sales   Kind = "sales"   // reasons to buy, offers, cross-sell
	Service Kind = "service" // reminders, service calls, warranty
	Thanks  Kind = "thanks"  // appreciation with nothing to sell
	WinBack Kind = "winback" // a call or offer to a customer who left
	Inform  Kind = "inform"  // news the customer should know
)

// Status is where a campaign stands: draft → approved → running →
// finished.
type Status string

// Campaign statuses.
const (
	Draft    Status = "draft"
	Approved Status = "approved"
	Running  Status = "running"
	Finished Status = "finished"
)

// Campaign is a planned contact with a group of customers: what for, with
// which plays, when, at what cost, and how success is measured against a
// control group.
type Campaign struct {
	// ID identifies the campaign; contacts carry it.
	ID string `json:"id"`
	// Name names it for people.
	Name string `json:"name"`
	// Objective says what it is for.
	Objective string `json:"objective"`
	// Owner is accountable for it.
	Owner string `json:"owner"`
	// Kind is what it does: sales, service, thanks, winback, inform.
	Kind Kind `json:"kind"`
	// Plays are the plays it sends (their names), in order of preference:
	// the first whose channels the customer accepts is used.
	Plays []string `json:"plays"`
	// Audience says who it is for (Targets streams them for Run).
	Audience Audience `json:"audience"`
	// Start and End bound when it runs.
	Start time.Time `json:"start"`
	// End is when it stops.
	End time.Time `json:"end"`
	// Programme says it is a communication programme, planned 3–6 months
	// ahead: approval less than 3 months before Start is refused.
	Programme bool `json:"programme,omitempty"`
	// Budget caps what its contacts may cost (CostPerContact each); zero
	// is no cap.
	Budget crm.Money `json:"budget"`
	// CostPerContact is what one message sent costs.
	CostPerContact crm.Money `json:"cost_per_contact"`
	// ControlShare is the share of its audience held out, at random but
	// the same customers every time, to measure its effect (0–0.5).
	ControlShare float64 `json:"control_share"`
	// Success is the outcome that counts: responded or converted.
	Success OutcomeKind `json:"success"`
	// Status is draft, approved, running or finished.
	Status Status `json:"status"`
	// Version is the store's: 1 on create, one more on each update.
	Version int64 `json:"version"`
}

// Validate reports every problem with the campaign's definition at once.
func (c *Campaign) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(c.ID) == "" || strings.Contains(c.ID, "/") {
		bad("id", "%q: non-empty, without a slash", c.ID)
	}
	if strings.TrimSpace(c.Objective) == "" {
		bad("objective", "say what the campaign is for")
	}
	if strings.TrimSpace(c.Owner) == "" {
		bad("owner", "a campaign needs an accountable owner")
	}
	if !slices.Contains([]Kind{Sales, Service, Thanks, WinBack, Inform}, c.Kind) {
		bad("kind", "%q is not sales, service, thanks, winback or inform", c.Kind)
	}
	if len(c.Plays) == 0 {
		bad("plays", "none")
	}
	a := c.Audience
	if len(a.Stages) == 0 && len(a.Entered) == 0 && a.Rule == "" && a.Moment == "" && a.Customers == nil {
		bad("audience", "empty: give stages, entered stages, a rule, a moment or a list of customers")
	}
	for _, r := range []struct{ field, text string }{{"audience.rule", a.Rule}, {"audience.exclude", a.Exclude}} {
		if _, err := compileAudienceRule(r.text, r.field); err != nil {
			bad(r.field, "%v", err)
		}
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"start", c.Start}, {"end", c.End}} {
		if f.t.IsZero() {
			bad(f.name, "zero")
		} else if p := bounds.Time(f.t); p != "" {
			bad(f.name, "%s", p)
		}
	}
	if !c.End.After(c.Start) {
		bad("end", "not after start")
	}
	if c.Budget.Amount.IsNegative() || c.CostPerContact.Amount.IsNegative() {
		bad("budget", "negative")
	}
	if !c.CostPerContact.Amount.IsZero() && !c.Budget.Amount.IsZero() && c.Budget.Currency != c.CostPerContact.Currency {
		bad("cost_per_contact", "in %q, the budget in %q", c.CostPerContact.Currency, c.Budget.Currency)
	}
	if !(c.ControlShare >= 0 && c.ControlShare <= 0.5) {
		bad("control_share", "%v is outside 0–0.5", c.ControlShare)
	}
	if c.Success != Responded && c.Success != Converted {
		bad("success", "%q is not responded or converted", c.Success)
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "campaign", What: fmt.Sprintf("campaign %q", c.ID), Problems: errs}
	}
	return nil
}

// CampaignStore keeps campaign definitions, versioned records by ID. It
// persists and decides nothing. Implementations must be safe for
// concurrent use.
type CampaignStore interface {
	// CreateCampaign stores c with Version 1 and returns it; an existing
	// ID is crm.ErrExists.
	CreateCampaign(ctx context.Context, c Campaign) (Campaign, error)
	// Campaign returns the campaign with the ID, or crm.ErrNotFound.
	Campaign(ctx context.Context, id string) (Campaign, error)
	// UpdateCampaign replaces it if the stored version equals c.Version
	// and returns it with Version + 1; a stale version is a
	// *crm.ConflictError.
	UpdateCampaign(ctx context.Context, c Campaign) (Campaign, error)
	// DeleteCampaign removes it if the stored version equals version.
	DeleteCampaign(ctx context.Context, id string, version int64) error
	// Campaigns streams every campaign by ID.
	Campaigns(ctx context.Context) iter.Seq2[Campaign, error]
}

// MemoryCampaigns is the in-memory CampaignStore, safe for concurrent
// use.
type MemoryCampaigns struct {
	mu sync.RWMutex
	m  map[string]Campaign
}

// NewMemoryCampaigns returns an empty in-memory campaign store.
func NewMemoryCampaigns() *MemoryCampaigns { return &MemoryCampaigns{m: map[string]Campaign{}} }

var _ CampaignStore = (*MemoryCampaigns)(nil)

func cloneCampaign(c Campaign) Campaign {
	c.Plays = slices.Clone(c.Plays)
	c.Audience.Stages = slices.Clone(c.Audience.Stages)
	c.Audience.Entered = slices.Clone(c.Audience.Entered)
	c.Audience.Customers = slices.Clone(c.Audience.Customers)
	return c
}

// CreateCampaign implements CampaignStore.
func (s *MemoryCampaigns) CreateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	if err := ctx.Err(); err != nil {
		return Campaign{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[c.ID]; ok {
		return Campaign{}, fmt.Errorf("campaign: campaign %q: %w", c.ID, crm.ErrExists)
	}
	c.Version = 1
	s.m[c.ID] = cloneCampaign(c)
	return cloneCampaign(c), nil
}

// Campaign implements CampaignStore.
func (s *MemoryCampaigns) Campaign(ctx context.Context, id string) (Campaign, error) {
	if err := ctx.Err(); err != nil {
		return Campaign{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.m[id]
	if !ok {
		return Campaign{}, fmt.Errorf("campaign: campaign %q: %w", id, crm.ErrNotFound)
	}
	return cloneCampaign(c), nil
}

// UpdateCampaign implements CampaignStore.
func (s *MemoryCampaigns) UpdateCampaign(ctx context.Context, c Campaign) (Campaign, error) {
	if err := ctx.Err(); err != nil {
		return Campaign{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[c.ID]
	if !ok {
		return Campaign{}, fmt.Errorf("campaign: campaign %q: %w", c.ID, crm.ErrNotFound)
	}
	if cur.Version != c.Version {
		return Campaign{}, &crm.ConflictError{Package: "campaign", Kind: "campaign", ID: c.ID, Have: c.Version, Current: cur.Version}
	}
	c.Version++
	s.m[c.ID] = cloneCampaign(c)
	return cloneCampaign(c), nil
}

// DeleteCampaign implements CampaignStore.
func (s *MemoryCampaigns) DeleteCampaign(ctx context.Context, id string, version int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[id]
	if !ok {
		return fmt.Errorf("campaign: campaign %q: %w", id, crm.ErrNotFound)
	}
	if cur.Version != version {
		return &crm.ConflictError{Package: "campaign", Kind: "campaign", ID: id, Have: version, Current: cur.Version}
	}
	delete(s.m, id)
	return nil
}

// Campaigns implements CampaignStore.
func (s *MemoryCampaigns) Campaigns(ctx context.Context) iter.Seq2[Campaign, error] {
	return func(yield func(Campaign, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Campaign{}, err)
			return
		}
		s.mu.RLock()
		out := make([]Campaign, 0, len(s.m))
		for _, c := range s.m {
			out = append(out, cloneCampaign(c))
		}
		s.mu.RUnlock()
		sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
		for _, c := range out {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// inControl says whether a customer is held out of a campaign: a hash of
// the two IDs mapped to [0, 1), so the same customers every time.
func inControl(campaign, customer string, share float64) bool {
	if share <= 0 {
		return false
	}
	h := uint64(14695981039346656037) // FNV-1a
	for _, s := range []string{campaign, "\x00", customer} {
		for i := 0; i < len(s); i++ {
			h ^= uint64(s[i])
			h *= 1099511628211
		}
	}
	// Mix the bits so that IDs differing only at the end spread evenly.
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return float64(h>>11)/float64(uint64(1)<<53) < share && !math.IsNaN(share)
}
