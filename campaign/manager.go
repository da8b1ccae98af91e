package campaign

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

// BudgetSpent is the reason a contact is suppressed once the campaign's
// budget is spent.
const BudgetSpent Reason = "budget_spent"

// Options configure a Manager. The zero value of each field is its
// default.
type Options struct {
	// Clock stamps approvals and transitions (default time.Now).
	Clock func() time.Time
	// Cap is the most messages a customer is sent per Window, across every
	// campaign that shares the contact log (default 2 per 7 days).
	Cap int
	// Window is the period Cap counts over.
	Window time.Duration
	// Forbid maps lifecycle stages to the kinds of campaign they may not
	// receive (default: no sales to loyal customers or advocates).
	Forbid map[string][]Kind
	// RequireConsent sends only to customers who gave consent themselves
	// (crm.ConsentProvided) for the campaign's purpose on the message's
	// channel. Without it a refusal or withdrawal still stops the
	// message, and a customer with no record for the purpose is
	// contacted.
	RequireConsent bool
}

// Purpose is what consent a campaign of the kind needs: service for
// service campaigns, marketing for the rest.
func (k Kind) Purpose() crm.Purpose {
	if k == Service {
		return crm.PurposeService
	}
	return crm.PurposeMarketing
}

// Manager runs campaigns: it takes each through draft → approved →
// running → finished, decides each customer's contact once, and measures
// the outcome against the control group.
type Manager struct {
	contacts  Store
	campaigns CampaignStore
	plays     map[string]*lifecycle.CompiledPlay
	opt       Options
}

// NewManager compiles the plays campaigns may send and returns the
// manager, naming every problem at once.
func NewManager(contacts Store, campaigns CampaignStore, plays []lifecycle.Play, opt *Options) (*Manager, error) {
	m := &Manager{contacts: contacts, campaigns: campaigns, plays: map[string]*lifecycle.CompiledPlay{}}
	if opt != nil {
		m.opt = *opt
	}
	if m.opt.Clock == nil {
		m.opt.Clock = time.Now
	}
	if m.opt.Cap == 0 {
		m.opt.Cap = 2
	}
	if m.opt.Window == 0 {
		m.opt.Window = 7 * 24 * time.Hour
	}
	if m.opt.Forbid == nil {
		m.opt.Forbid = map[string][]Kind{lifecycle.Loyal: {Sales}, lifecycle.Advocate: {Sales}}
	}
	var errs []error
	if contacts == nil {
		errs = append(errs, &crm.FieldError{Field: "contacts", Problem: "required"})
	}
	if campaigns == nil {
		errs = append(errs, &crm.FieldError{Field: "campaigns", Problem: "required"})
	}
	if m.opt.Cap < 0 || m.opt.Window < 0 {
		errs = append(errs, &crm.FieldError{Field: "options.cap", Problem: "negative cap or window"})
	}
	for _, p := range plays {
		cp, err := p.Compile(nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if _, dup := m.plays[p.Name]; dup {
			errs = append(errs, &crm.FieldError{Field: "plays", Problem: fmt.Sprintf("%q twice", p.Name)})
		}
		m.plays[p.Name] = cp
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "campaign", What: "manager", Problems: errs}
	}
	return m, nil
}

// Create stores a new campaign as a draft; its plays must be the
// manager's.
func (m *Manager) Create(ctx context.Context, c Campaign) (Campaign, error) {
	c.Status = Draft
	if err := m.check(&c); err != nil {
		return Campaign{}, err
	}
	return m.campaigns.CreateCampaign(ctx, c)
}

func (m *Manager) check(c *Campaign) error {
	err := c.Validate()
	var missing []error
	for _, p := range c.Plays {
		if m.plays[p] == nil {
			missing = append(missing, &crm.FieldError{Field: "plays", Problem: fmt.Sprintf("no play %q", p)})
		}
	}
	if len(missing) == 0 {
		return err
	}
	var ve *crm.ValidationError
	if errors.As(err, &ve) {
		ve.Problems = append(ve.Problems, missing...)
		return ve
	}
	return &crm.ValidationError{Package: "campaign", What: fmt.Sprintf("campaign %q", c.ID), Problems: missing}
}

// move takes a campaign from one status to the next, if why finds no
// reason to refuse.
func (m *Manager) move(ctx context.Context, id string, from, to Status, why func(*Campaign) string) (Campaign, error) {
	c, err := m.campaigns.Campaign(ctx, id)
	if err != nil {
		return Campaign{}, err
	}
	if c.Status != from {
		return Campaign{}, &crm.TransitionError{Package: "campaign", Subject: fmt.Sprintf("campaign %q", id), From: string(c.Status), To: string(to), Allowed: next(c.Status)}
	}
	if why != nil {
		if reason := why(&c); reason != "" {
			return Campaign{}, &crm.TransitionError{Package: "campaign", Subject: fmt.Sprintf("campaign %q", id), From: string(c.Status), To: string(to), Reason: reason}
		}
	}
	c.Status = to
	return m.campaigns.UpdateCampaign(ctx, c)
}

func next(s Status) []string {
	switch s {
	case Draft:
		return []string{string(Approved)}
	case Approved:
		return []string{string(Running)}
	case Running:
		return []string{string(Finished)}
	}
	return nil
}

// Approve approves a draft. A programme must start 3 to 6 months after
// approval: sooner is refused (there is no time to prepare it), later is
// allowed.
func (m *Manager) Approve(ctx context.Context, id string) (Campaign, error) {
	return m.move(ctx, id, Draft, Approved, func(c *Campaign) string {
		if now := m.opt.Clock(); c.Programme && c.Start.Before(now.AddDate(0, 3, 0)) {
			return fmt.Sprintf("the programme starts %s, less than 3 months after approval on %s; plan 3–6 months ahead",
				c.Start.Format("2006-01-02"), now.Format("2006-01-02"))
		}
		return ""
	})
}

// Start sets an approved campaign running.
func (m *Manager) Start(ctx context.Context, id string) (Campaign, error) {
	return m.move(ctx, id, Approved, Running, nil)
}

// Finish ends a running campaign.
func (m *Manager) Finish(ctx context.Context, id string) (Campaign, error) {
	return m.move(ctx, id, Running, Finished, nil)
}

// Target is a customer a run may contact: the record, the customer's
// lifecycle stage, and the data the plays read besides the customer's
// own (an offer, the product that goes with the last purchase).
type Target struct {
	// Customer is the customer's record.
	Customer crm.Customer
	// Stage is the customer's lifecycle stage.
	Stage string
	// Data is what the plays read besides the customer's own fields.
	Data map[string]any
}

// Tally is what a run decided.
type Tally struct {
	// Decided counts the customers decided by this run; Already those a
	// run before had decided (a campaign decides each customer once).
	Decided int `json:"decided"`
	// Already counts customers decided before.
	Already int `json:"already"`
	// Sent counts the messages sent.
	Sent int `json:"sent"`
	// Suppressed counts the contacts not sent, by reason (the control
	// group among them).
	Suppressed map[Reason]int `json:"suppressed"`
	// Cost is what the messages sent cost.
	Cost crm.Money `json:"cost"`
}

// batch is how many targets a run decides, and writes, at once.
const batch = 1024

// Run decides, at time at, the contact of every target the running
// campaign has not decided before: held out as control, or suppressed
// with its reason — the customer asked not to be contacted, the stage
// forbids the campaign's kind, the frequency cap is reached across every
// campaign and play in the log, no play has a channel the customer
// accepts, the play cannot be written for the customer, the quiet hours
// push it past the campaign's end, the budget is spent — or sent, with
// the message. Each decision is written to the contact log, so running
// again at the same or a later time decides only new customers.
func (m *Manager) Run(ctx context.Context, id string, at time.Time, targets iter.Seq2[Target, error]) (Tally, error) {
	t := Tally{Suppressed: map[Reason]int{}}
	c, err := m.campaigns.Campaign(ctx, id)
	if err != nil {
		return t, err
	}
	t.Cost = crm.Money{Amount: decimal.Zero, Currency: c.CostPerContact.Currency}
	if c.Status != Running {
		return t, &crm.TransitionError{Package: "campaign", Subject: fmt.Sprintf("campaign %q", id), From: string(c.Status), To: "run", Reason: "only a running campaign sends"}
	}
	if at.Before(c.Start) || !at.Before(c.End) {
		return t, fmt.Errorf("campaign: campaign %q runs %s to %s, not at %s: %w", id, c.Start.Format(time.RFC3339), c.End.Format(time.RFC3339), at.Format(time.RFC3339), crm.ErrInvalid)
	}
	// The budget allows so many messages; those sent before count.
	allowed := -1
	if per := c.CostPerContact.Amount; !c.Budget.Amount.IsZero() && per.IsPositive() {
		allowed = int(c.Budget.Amount.Div(per).IntPart())
	} else if !c.Budget.Amount.IsZero() {
		allowed = math.MaxInt
	}
	sentBefore := 0
	for k, err := range m.contacts.CampaignContacts(ctx, id) {
		if err != nil {
			return t, err
		}
		if k.Sent {
			sentBefore++
		}
	}
	// Targets are decided a batch at a time: the decisions in parallel,
	// then, in the targets' order, the budget and the writes.
	var tgs []Target
	out := make([]Contact, batch)
	known := make([]bool, batch)
	process := func() error {
		if err := m.decideAll(ctx, &c, tgs, at, out[:len(tgs)], known[:len(tgs)]); err != nil {
			return err
		}
		pending := make([]Contact, 0, len(tgs))
		seen := make(map[string]bool, len(tgs))
		for i, k := range out[:len(tgs)] {
			if known[i] || seen[k.CustomerID] {
				t.Already++
				continue
			}
			seen[k.CustomerID] = true
			if k.Sent && allowed >= 0 && sentBefore+t.Sent >= allowed {
				k.Sent, k.Channel, k.Subject, k.Body, k.SendAt = false, "", "", "", time.Time{}
				k.Reason, k.Detail = BudgetSpent, fmt.Sprintf("the budget of %s %s is spent", c.Budget.Amount.StringFixed(2), c.Budget.Currency)
			}
			t.Decided++
			if k.Sent {
				t.Sent++
			} else {
				t.Suppressed[k.Reason]++
			}
			pending = append(pending, k)
		}
		tgs = tgs[:0]
		return m.contacts.AppendContacts(ctx, pending...)
	}
	for tg, err := range targets {
		if err != nil {
			return t, err
		}
		tgs = append(tgs, tg)
		if len(tgs) == batch {
			if err := process(); err != nil {
				return t, err
			}
		}
	}
	if len(tgs) > 0 {
		err = process()
	}
	t.Cost.Amount = c.CostPerContact.Amount.Mul(decimal.NewFromInt(int64(t.Sent)))
	return t, err
}

// decideAll decides a batch of targets on every processor, each into its
// place in out.
// A target the log has decided before is marked known.
func (m *Manager) decideAll(ctx context.Context, c *Campaign, tgs []Target, at time.Time, out []Contact, known []bool) error {
	workers := min(runtime.GOMAXPROCS(0), len(tgs))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(tgs); i += workers {
				cust := tgs[i].Customer
				out[i] = Contact{ID: c.ID + "/" + cust.ID, CustomerID: cust.ID, Campaign: c.ID, At: at}
				_, err := m.contacts.Contact(ctx, out[i].ID)
				if known[i] = err == nil; known[i] {
					continue
				}
				if !errors.Is(err, crm.ErrNotFound) {
					errs[w] = err
					return
				}
				if err := m.decide(ctx, c, &out[i], tgs[i], at); err != nil {
					errs[w] = err
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// decide fills in one contact's decision.
func (m *Manager) decide(ctx context.Context, c *Campaign, k *Contact, tg Target, at time.Time) error {
	cust := &tg.Customer
	k.Play = c.Plays[0]
	suppress := k.suppress
	if cust.Preferences.DoNotContact {
		suppress(DoNotContact, "the customer asked not to be contacted")
		return nil
	}
	if slices.Contains(m.opt.Forbid[tg.Stage], c.Kind) {
		suppress(StageGuard, "a %s customer is not sent %s campaigns", tg.Stage, c.Kind)
		return nil
	}
	if inControl(c.ID, cust.ID, c.ControlShare) {
		suppress(ControlGroup, "held out as control (%.0f%% of the audience)", 100*c.ControlShare)
		return nil
	}
	recent := 0
	for prev, err := range m.contacts.CustomerContacts(ctx, cust.ID) {
		if err != nil {
			return err
		}
		if prev.Sent && prev.SendAt.After(at.Add(-m.opt.Window)) && !prev.SendAt.After(at) {
			recent++
		}
	}
	if recent >= m.opt.Cap {
		suppress(FrequencyCap, "%d messages in the last %v, the most any campaign may send", recent, m.opt.Window)
		return nil
	}
	var reasons []string
	refused := "" // why a play's channel lacked consent
	for _, name := range c.Plays {
		msg, err := m.plays[name].Render(ctx, *cust, tg.Data, at, nil, noCap)
		var ns *lifecycle.NotSentError
		switch {
		case errors.As(err, &ns) && ns.Code == lifecycle.InferredData:
			refused = ns.Reason
			continue
		case errors.As(err, &ns):
			reasons = append(reasons, ns.Reason)
			continue
		case errors.Is(err, ctx.Err()) && ctx.Err() != nil:
			return err
		case err != nil:
			suppress(BadTemplate, "%v", err)
			k.Play = name
			return nil
		}
		k.Play = name
		if why := m.consent(cust, c.Kind.Purpose(), msg.Channel); why != "" {
			refused = why
			continue
		}
		if !msg.SendAt.Before(c.End) {
			suppress(QuietHours, "the customer's quiet hours move it to %s, after the campaign ends", msg.SendAt.Format(time.RFC3339))
			return nil
		}
		k.Sent, k.Channel, k.Subject, k.Body, k.SendAt = true, msg.Channel, msg.Subject, msg.Body, msg.SendAt
		return nil
	}
	if refused != "" {
		suppress(NoConsent, "%s", refused)
		return nil
	}
	suppress(NoChannel, "%s", reasons[0])
	return nil
}

// consent says why the customer may not be contacted for the purpose on
// the channel, or "".
func (m *Manager) consent(c *crm.Customer, purpose crm.Purpose, ch crm.Channel) string {
	k, ok := c.ConsentFor(purpose, ch)
	switch {
	case ok && !k.Given:
		return fmt.Sprintf("no %s consent by %s (refused %s)", purpose, ch, k.At.Format("2006-01-02"))
	case m.opt.RequireConsent && !ok:
		return fmt.Sprintf("no %s consent by %s on record", purpose, ch)
	case m.opt.RequireConsent && k.Source != crm.ConsentProvided:
		return fmt.Sprintf("the %s consent by %s was %s, not given by the customer", purpose, ch, k.Source)
	}
	return ""
}

// noCap is a frequency cap no render reaches: the manager counts the cap
// itself, across campaigns.
var noCap = &lifecycle.PlayOptions{Cap: 1 << 30}

// suppress records why a contact is not sent.
func (k *Contact) suppress(r Reason, format string, args ...any) {
	k.Reason, k.Detail = r, fmt.Sprintf(format, args...)
}

// Record records outcomes against the contacts of a campaign — a
// control customer's too, so uplift can be measured.
func (m *Manager) Record(ctx context.Context, os ...Outcome) error {
	return m.contacts.AppendOutcomes(ctx, os...)
}
