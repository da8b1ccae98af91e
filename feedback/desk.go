package feedback

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
	"github.com/crmkit/crm/internal/suggest"
)

// Agent is a person who can own items: of the given categories and kinds
// (empty: any).
type Agent struct {
	// Name names the agent; items record it as their owner.
	Name string `json:"name"`
	// Categories the agent may own (empty: any).
	Categories []string `json:"categories,omitempty"`
	// Kinds the agent may own (empty: any).
	Kinds []Kind `json:"kinds,omitempty"`
	// Team is the agent's team ("key-accounts"), for routes.
	Team string `json:"team,omitempty"`
	// Tiers are the customer tiers the agent serves (empty: any; an item
	// without a tier goes only to agents who serve any).
	Tiers []string `json:"tiers,omitempty"`
	// Skills are what the agent can do beyond the common work ("win-back",
	// "billing", "spanish"): an item that needs a skill goes to an agent
	// who has it.
	Skills []string `json:"skills,omitempty"`
	// Seniority ranks agents for routes that ask for experience (0 the
	// newest; higher is more senior).
	Seniority int `json:"seniority,omitempty"`
	// RemedyPerCase is the most a remedy the agent decides alone may cost
	// (0: every remedy with a cost needs approval); RemedyPerMonth the
	// most all the remedies the agent authorises in a calendar month (UTC)
	// may cost together (0: no monthly limit beyond the per-case one).
	RemedyPerCase float64 `json:"remedy_per_case,omitempty"`
	// RemedyPerMonth bounds the agent's authorised remedies in a month.
	RemedyPerMonth float64 `json:"remedy_per_month,omitempty"`
}

// Route sends items to a team or to senior agents: the first route whose
// item fields (empty: any) all match an item applies to it, and only the
// agents who meet its Team and MinSeniority may own the item ("a Platinum
// complaint goes to the key-account team"; "a win-back call to a senior
// agent"). An item no route matches may go to any eligible agent.
type Route struct {
	// Tier, Kind, Category and Skill select the items (empty: any).
	Tier string `json:"tier,omitempty"`
	// Kind selects items of one kind.
	Kind Kind `json:"kind,omitempty"`
	// Category selects items of one category.
	Category string `json:"category,omitempty"`
	// Skill selects items that need the skill.
	Skill string `json:"skill,omitempty"`
	// Team, when set, is the team that owns the items.
	Team string `json:"team,omitempty"`
	// MinSeniority is the least seniority an owner needs.
	MinSeniority int `json:"min_seniority,omitempty"`
}

// matches reports whether the route selects the item.
func (r *Route) matches(it *Item) bool {
	return (r.Tier == "" || r.Tier == it.Tier) && (r.Kind == "" || r.Kind == it.Kind) && (r.Category == "" || r.Category == it.Category) &&
		(r.Skill == "" || r.Skill == it.Skill)
}

// admits reports whether the route lets the agent own its items.
func (r *Route) admits(a *Agent) bool {
	return (r.Team == "" || a.Team == r.Team) && a.Seniority >= r.MinSeniority
}

// describe says what the route asks for.
func (r *Route) describe(i int) string {
	var who []string
	if r.Team != "" {
		who = append(who, "team "+r.Team)
	}
	if r.MinSeniority > 0 {
		who = append(who, fmt.Sprintf("seniority ≥ %d", r.MinSeniority))
	}
	return fmt.Sprintf("route %d (%s)", i, strings.Join(who, ", "))
}

// SLAPolicy sets targets, in business time, for items of a tier and
// severity (empty: any). The most specific policy applies: tier and
// severity, then tier, then severity, then the default.
type SLAPolicy struct {
	// Tier is the tier the policy applies to (empty: any).
	Tier string `json:"tier,omitempty"`
	// Severity is the severity it applies to (empty: any).
	Severity Severity `json:"severity,omitempty"`
	// FirstResponse is the business time allowed until the apology.
	FirstResponse time.Duration `json:"first_response"`
	// Resolution is the business time allowed until the item is resolved.
	Resolution time.Duration `json:"resolution"`
	// NextResponse, when set, is how soon we must act after the customer
	// answers (resumes a wait); each missed reply is a breach.
	NextResponse time.Duration `json:"next_response,omitempty"`
}

// Level is a rung of the escalation ladder: after this much business time
// since the item arrived (pauses excluded), escalate to To.
type Level struct {
	// After is the business time since arrival (pauses excluded) that reaches
	// the level.
	After time.Duration `json:"after"`
	// To is who the item escalates to.
	To string `json:"to"`
}

// Options configure a Desk. nil options, or zero fields, mean the
// defaults: a 24/7 UTC calendar, no SLA, no ladder, round-robin
// assignment, the four tiers of the value pyramid.
type Options struct {
	// Clock gives the time of every step; nil means time.Now.
	Clock func() time.Time
	// NewID makes item IDs; nil means "F" and eight digits counting up
	// from the first number the store has not taken (found with a few dozen
	// lookups, however many items it holds).
	NewID func() string
	// LeastLoaded assigns each item to the eligible agent with the fewest
	// open items; otherwise agents take turns.
	LeastLoaded bool
	// Routes send items by tier, kind, category and skill to a team or to
	// senior agents; the first route that matches an item applies.
	Routes []Route
	// Approvers may approve or refuse any remedy awaiting approval (a
	// supervisor, a manager); an agent may approve one its own per-case
	// authority covers. No one approves their own proposal.
	Approvers []string
	// Taxonomy, when set, is the reason taxonomy complaint categories come
	// from: a complaint whose category is not one of its codes is refused
	// (naming the nearest code), so that complaints, churn interviews and
	// low scores count the same reasons (RootCauses).
	Taxonomy *Taxonomy
	// Catalogue, when set, is the service catalogue: its targets are the
	// SLA policies when SLA is nil, NewDesk refuses what Catalogue.Check
	// finds, and a remedy above the tier's RemedyBudget needs an
	// approver's approval whatever the agent's authority.
	Catalogue *Catalogue
	// Calendar is the business calendar SLA targets count in; nil means
	// every hour of every day, UTC.
	Calendar *Calendar
	// SLA sets the targets by tier and severity (the most specific policy
	// applies); none means no targets.
	SLA []SLAPolicy
	// Ladder escalates items open too long, level by level.
	Ladder []Level
	// ReopenWindow is how long after closing an item may be reopened
	// (default 30 days).
	ReopenWindow time.Duration
	// Tiers are the tier names items and SLA policies may carry, as the
	// host's tiering names them; default [DefaultTiers]. An SLA policy or an
	// intake naming another tier is refused, so that a misspelt tier
	// ("platinum" for "Platinum") never silently means no SLA.
	Tiers []string
	// Boilerplate are stock phrases that do not answer anyone ("we have
	// noted your feedback"): an answer that closes a suggestion or an
	// inquiry with little but these is refused. nil means
	// DefaultBoilerplate; an empty list that is not nil allows any answer.
	Boilerplate []string
}

// DefaultBoilerplate are the stock phrases an answer cannot consist of.
func DefaultBoilerplate() []string {
	return []string{"we have noted your feedback", "thank you for your feedback", "thanks for your feedback", "your feedback has been forwarded",
		"your feedback is important to us", "we will look into it", "we will look into this", "we appreciate your feedback",
		"we have received your message", "we will get back to you", "thank you for contacting us", "thank you for your inquiry",
		"感谢您的反馈", "我们已收到您的反馈", "我们会尽快处理"}
}

// minAnswerChars is how many letters or digits an answer needs beside
// boilerplate ("9 to 5" is an answer; "We have noted your feedback." is
// not).
const minAnswerChars = 3

// boilerplate reports whether an answer says little beside stock phrases.
func boilerplate(answer string, phrases []string) bool {
	rest := strings.ToLower(answer)
	for _, p := range phrases {
		if p != "" {
			rest = strings.ReplaceAll(rest, strings.ToLower(p), " ")
		}
	}
	n := 0
	for _, r := range rest {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	return n < minAnswerChars
}

// DefaultTiers returns the tier names of the value pyramid, as
// scoring.DefaultTiers names them: Platinum, Gold, Iron, Lead.
func DefaultTiers() []string { return []string{"Platinum", "Gold", "Iron", "Lead"} }

// Desk runs the feedback workflow over a store.
type Desk struct {
	store  Store
	agents []Agent
	opt    Options
	seq    atomic.Int64
	rr     atomic.Int64
	// routed keeps the candidate owners per routeKey (routedN counts them).
	routed  sync.Map
	routedN atomic.Int64
	// spentBy is what each agent authorised in the month spentIn.
	spentMu sync.Mutex
	spentIn [2]int
	spentBy map[string]float64
	mu      sync.Mutex
	// numbered says the desk numbers items itself (no Options.NewID);
	// seeded, that it has found where the store's numbering stops.
	numbered, seeded bool
	seedMu           sync.Mutex
}

// NewDesk returns a desk over store whose items are owned by agents (at
// least one: every open item has an owner). It refuses, with one
// *crm.ValidationError listing every problem, a configuration the desk
// could not work with: a nil store, no agents or an agent without a name,
// an SLA policy naming an unknown tier or severity or with a negative
// target, a ladder level with no one to escalate to, an invalid calendar.
func NewDesk(store Store, agents []Agent, opt *Options) (*Desk, error) {
	d := &Desk{store: store, agents: slices.Clone(agents)}
	if opt != nil {
		d.opt = *opt
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if store == nil {
		bad("store", "nil")
	}
	if len(d.agents) == 0 {
		bad("agents", "none: every open item needs an owner, so the desk needs at least one agent")
	}
	if d.opt.Boilerplate == nil {
		d.opt.Boilerplate = DefaultBoilerplate()
	}
	if len(d.opt.Tiers) == 0 {
		d.opt.Tiers = DefaultTiers()
	}
	names := map[string]bool{}
	for i, a := range d.agents {
		if strings.TrimSpace(a.Name) == "" {
			bad(fmt.Sprintf("agents[%d].name", i), "empty")
		} else if names[a.Name] {
			bad(fmt.Sprintf("agents[%d].name", i), "%q twice", a.Name)
		}
		names[a.Name] = true
		for _, t := range a.Tiers {
			if !slices.Contains(d.opt.Tiers, t) {
				bad(fmt.Sprintf("agents[%d] %q.tiers", i, a.Name), "%q is not one of the tiers %q", t, d.opt.Tiers)
			}
		}
		if a.Seniority < 0 {
			bad(fmt.Sprintf("agents[%d] %q.seniority", i, a.Name), "negative")
		}
		for _, f := range []struct {
			name string
			v    float64
		}{{"remedy_per_case", a.RemedyPerCase}, {"remedy_per_month", a.RemedyPerMonth}} {
			if p := bounds.Number(f.v); p != "" || f.v < 0 {
				bad(fmt.Sprintf("agents[%d] %q.%s", i, a.Name, f.name), "%v is not an amount (finite, not negative)", f.v)
			}
		}
	}
	for i, r := range d.opt.Routes {
		if r.Tier != "" && !slices.Contains(d.opt.Tiers, r.Tier) {
			bad(fmt.Sprintf("routes[%d].tier", i), "%q is not one of the tiers %q", r.Tier, d.opt.Tiers)
		}
		if r.Kind != "" && !slices.Contains([]Kind{Complaint, Suggestion, Praise, Inquiry}, r.Kind) {
			bad(fmt.Sprintf("routes[%d].kind", i), "%q is not complaint, suggestion, praise or inquiry", r.Kind)
		}
		// A route that no agent could ever take would refuse every item it
		// matches: better said now than at the first intake.
		if !slices.ContainsFunc(d.agents, func(a Agent) bool {
			return r.admits(&a) && (r.Skill == "" || slices.Contains(a.Skills, r.Skill)) && (r.Tier == "" || len(a.Tiers) == 0 || slices.Contains(a.Tiers, r.Tier)) &&
				(r.Kind == "" || len(a.Kinds) == 0 || slices.Contains(a.Kinds, r.Kind)) && (r.Category == "" || len(a.Categories) == 0 || slices.Contains(a.Categories, r.Category))
		}) {
			bad(fmt.Sprintf("routes[%d]", i), "no agent can take its items: %s", r.describe(i))
		}
	}
	for i, p := range d.opt.SLA {
		if p.Tier != "" && !slices.Contains(d.opt.Tiers, p.Tier) {
			bad(fmt.Sprintf("sla[%d].tier", i), "%q is not one of the tiers %q", p.Tier, d.opt.Tiers)
		}
		if p.Severity != "" && p.Severity.Weight() == 0 {
			bad(fmt.Sprintf("sla[%d].severity", i), "%q is not low, medium, high or critical", p.Severity)
		}
		if p.FirstResponse < 0 || p.Resolution < 0 || p.NextResponse < 0 {
			bad(fmt.Sprintf("sla[%d]", i), "negative target")
		}
	}
	for i, l := range d.opt.Ladder {
		if l.To == "" {
			bad(fmt.Sprintf("ladder[%d].to", i), "empty")
		}
	}
	if d.opt.Calendar != nil {
		if err := d.opt.Calendar.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if t := d.opt.Taxonomy; t != nil {
		if err := t.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	if c := d.opt.Catalogue; c != nil {
		if d.opt.SLA == nil {
			d.opt.SLA = c.SLA()
		}
		for _, f := range c.Check(d.opt.Tiers, d.opt.SLA) {
			bad("catalogue", "%s", f)
		}
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "feedback", What: "desk options", Problems: errs}
	}
	if d.opt.Clock == nil {
		d.opt.Clock = time.Now
	}
	if d.opt.NewID == nil {
		d.numbered = true
		d.opt.NewID = func() string { return itemID(d.seq.Add(1)) }
	}
	d.opt.SLA = slices.Clone(d.opt.SLA)
	d.opt.Tiers = slices.Clone(d.opt.Tiers)
	d.opt.Routes = slices.Clone(d.opt.Routes)
	if d.opt.Calendar == nil {
		d.opt.Calendar = allHours()
	}
	if d.opt.ReopenWindow == 0 {
		d.opt.ReopenWindow = 30 * 24 * time.Hour
	}
	d.opt.Ladder = slices.Clone(d.opt.Ladder)
	slices.SortFunc(d.opt.Ladder, func(a, b Level) int { return cmp.Compare(a.After, b.After) })
	return d, nil
}

// Intake is a new piece of feedback.
type Intake struct {
	Key string // idempotency key: a retried submission returns the first item
	// CustomerID is who gave the feedback.
	CustomerID string
	// Kind is a complaint, suggestion, praise or inquiry.
	Kind Kind
	// Channel is where it came in.
	Channel crm.Channel
	// Category is its cause, in the host's taxonomy ("late delivery").
	Category string
	// Severity is how serious it is (default medium).
	Severity Severity
	// Tier is the customer's value tier, one of the desk's Tiers, for the
	// SLA and the routes.
	Tier string
	// Skill is what owning the item takes beyond the common work
	// ("win-back"); only agents with the skill may own it.
	Skill string
	// Value is the customer's value, for impact and win-back.
	Value float64
	// Text is what the customer said.
	Text string
}

// Submit takes in feedback: a known idempotency key returns the existing
// item (and false); otherwise the item is created, received now and
// assigned by the rules, and every problem with the intake is reported at
// once. An item no agent may own is refused: every open item has an owner.
func (d *Desk) Submit(ctx context.Context, in Intake, actor string) (Item, bool, error) {
	if in.Key != "" {
		if it, err := d.store.ItemByKey(ctx, in.Key); err == nil {
			return it, false, nil
		} else if !errors.Is(err, crm.ErrNotFound) {
			return Item{}, false, err
		}
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if in.CustomerID == "" {
		bad("customer_id", "empty")
	}
	if !slices.Contains([]Kind{Complaint, Suggestion, Praise, Inquiry}, in.Kind) {
		bad("kind", "%q is not complaint, suggestion, praise or inquiry", in.Kind)
	}
	if !in.Channel.Valid() {
		bad("channel", "%q is not a channel", in.Channel)
	}
	if in.Severity == "" {
		in.Severity = Medium
	}
	if in.Severity.Weight() == 0 {
		bad("severity", "%q is not low, medium, high or critical", in.Severity)
	}
	if strings.TrimSpace(in.Text) == "" {
		bad("text", "empty")
	}
	if in.Tier != "" && !slices.Contains(d.opt.Tiers, in.Tier) {
		bad("tier", "%q is not one of the tiers %q", in.Tier, d.opt.Tiers)
	}
	if t := d.opt.Taxonomy; t != nil && in.Kind == Complaint {
		if _, ok := t.Reason(in.Category); !ok {
			codes := make([]string, len(t.Reasons))
			for i, r := range t.Reasons {
				codes[i] = r.Code
			}
			msg := fmt.Sprintf("%q is not a reason of the taxonomy", in.Category)
			if near := suggest.Nearest(in.Category, codes); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			}
			bad("category", "%s", msg)
		}
	}
	if p := bounds.Number(in.Value); p != "" {
		bad("value", "%s", p)
	}
	now := d.opt.Clock()
	if p := bounds.Time(now); p != "" {
		bad("received", "the desk's clock: %s", p)
	}
	if len(errs) > 0 {
		return Item{}, false, &crm.ValidationError{Package: "feedback", What: "intake", Problems: errs}
	}
	it := Item{Key: in.Key, CustomerID: in.CustomerID, Kind: in.Kind, Channel: in.Channel, Category: in.Category,
		Severity: in.Severity, Tier: in.Tier, Skill: in.Skill, Value: in.Value, Text: in.Text, Received: now}
	owner, err := d.pickOwner(ctx, it)
	if err != nil {
		return Item{}, false, err
	}
	// A taken ID (another desk numbered items in this store before) moves
	// on to the next; a taken idempotency key means a concurrent retry
	// won, and its item is the answer.
	if d.numbered {
		if err := d.seedIDs(ctx, false); err != nil {
			return Item{}, false, err
		}
	}
	for attempt := 0; ; attempt++ {
		it.ID = d.opt.NewID()
		intake := it
		e := Event{ItemID: it.ID, Seq: 1, Type: IntakeEvent, At: it.Received, Actor: actor, Owner: owner, Intake: &intake}
		var fresh Item
		fresh.Apply(e)
		created, err := d.store.CreateItem(ctx, fresh, e)
		if err == nil {
			return created, true, nil
		}
		if !errors.Is(err, crm.ErrExists) || attempt >= 64 {
			return Item{}, false, err
		}
		if in.Key != "" {
			if existing, err := d.store.ItemByKey(ctx, in.Key); err == nil {
				return existing, false, nil
			}
		}
		if d.numbered { // another desk numbers in this store too: catch up
			if err := d.seedIDs(ctx, true); err != nil {
				return Item{}, false, err
			}
		}
	}
}

// itemID is the desk's own ID for number n.
func itemID(n int64) string { return fmt.Sprintf("F%08d", n) }

// seedIDs moves the desk's numbering past the IDs the store has taken:
// doubling steps find a free number, then bisection the first free one
// after the taken run, so a store of a million items costs about forty
// lookups. again re-seeds after a collision.
func (d *Desk) seedIDs(ctx context.Context, again bool) error {
	d.seedMu.Lock()
	defer d.seedMu.Unlock()
	if d.seeded && !again {
		return nil
	}
	taken := func(n int64) (bool, error) {
		_, err := d.store.Item(ctx, itemID(n))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, crm.ErrNotFound):
			return false, nil
		}
		return false, err
	}
	lo := d.seq.Load() // taken, or 0
	hi := lo + 1
	for step := int64(1); ; step *= 2 {
		t, err := taken(hi)
		if err != nil {
			return err
		}
		if !t {
			break
		}
		lo, hi = hi, hi+step
	}
	for hi-lo > 1 { // lo taken (or the start), hi free
		mid := lo + (hi-lo)/2
		t, err := taken(mid)
		if err != nil {
			return err
		}
		if t {
			lo = mid
		} else {
			hi = mid
		}
	}
	for cur := d.seq.Load(); cur < lo && !d.seq.CompareAndSwap(cur, lo); cur = d.seq.Load() {
	}
	d.seeded = true
	return nil
}

// eligible reports whether the agent may own the item by its own
// limits: the categories, kinds and tiers it takes, the skills it has.
func (a *Agent) eligible(it *Item) bool {
	return (len(a.Categories) == 0 || slices.Contains(a.Categories, it.Category)) && (len(a.Kinds) == 0 || slices.Contains(a.Kinds, it.Kind)) &&
		(len(a.Tiers) == 0 || it.Tier != "" && slices.Contains(a.Tiers, it.Tier)) && (it.Skill == "" || slices.Contains(a.Skills, it.Skill))
}

// candidates lists, in the desk's order, the agents who may own the item:
// eligible, and admitted by the first route that matches it. Lists are
// kept per kind of item (tier, kind, category, skill), so routing costs a
// map lookup once the desk has seen such an item.
func (d *Desk) candidates(it *Item) ([]string, error) {
	key := routeKey{it.Tier, it.Kind, it.Category, it.Skill}
	if v, ok := d.routed.Load(key); ok {
		return v.([]string), nil
	}
	var route *Route
	var which string
	for i := range d.opt.Routes {
		if d.opt.Routes[i].matches(it) {
			route, which = &d.opt.Routes[i], d.opt.Routes[i].describe(i)
			break
		}
	}
	var names []string
	for i := range d.agents {
		if a := &d.agents[i]; a.eligible(it) && (route == nil || route.admits(a)) {
			names = append(names, a.Name)
		}
	}
	if len(names) == 0 {
		what := fmt.Sprintf("a %s about %q", it.Kind, it.Category)
		if it.Tier != "" {
			what = fmt.Sprintf("a %s %s about %q", it.Tier, it.Kind, it.Category)
		}
		if it.Skill != "" {
			what += fmt.Sprintf(" needing %q", it.Skill)
		}
		if route != nil {
			what += " under " + which
		}
		return nil, fmt.Errorf("feedback: no agent may own %s: every open item needs an owner: %w", what, crm.ErrInvalid)
	}
	if d.routedN.Add(1) <= maxRouteCache {
		d.routed.Store(key, names)
	}
	return names, nil
}

// routeKey is what routing looks at in an item.
type routeKey struct {
	tier     string
	kind     Kind
	category string
	skill    string
}

// maxRouteCache bounds the routing lists a desk keeps (one per tier,
// kind, category and skill seen): past it, items are routed afresh.
const maxRouteCache = 4096

func (d *Desk) pickOwner(ctx context.Context, it Item) (string, error) {
	names, err := d.candidates(&it)
	if err != nil {
		return "", err
	}
	if !d.opt.LeastLoaded {
		return names[int(d.rr.Add(1)-1)%len(names)], nil
	}
	load := map[string]int{}
	for o, err := range openItems(ctx, d.store) {
		if err != nil {
			return "", err
		}
		load[o.Owner]++
	}
	return slices.MinFunc(names, func(a, b string) int { return cmp.Or(cmp.Compare(load[a], load[b]), cmp.Compare(a, b)) }), nil
}

// Route decides who owns an intake, by the agents' limits and the routes,
// as Submit does — taking the next turn among the candidates, or the
// least loaded — without taking the intake in: for a host that keeps its
// own queues. Like Submit's, its turns advance the desk's rotation.
func (d *Desk) Route(ctx context.Context, in Intake) (string, error) {
	if in.Tier != "" && !slices.Contains(d.opt.Tiers, in.Tier) {
		return "", &crm.ValidationError{Package: "feedback", What: "intake", Problems: []error{
			&crm.FieldError{Field: "tier", Problem: fmt.Sprintf("%q is not one of the tiers %q", in.Tier, d.opt.Tiers)}}}
	}
	return d.pickOwner(ctx, Item{Kind: in.Kind, Category: in.Category, Tier: in.Tier, Skill: in.Skill})
}

// Assign hands an open item to another owner, recorded in its events.
func (d *Desk) Assign(ctx context.Context, id, owner, actor string) (Item, error) {
	it, err := d.store.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	if !it.State.Open() {
		return Item{}, fmt.Errorf("feedback: item %q is %s: reopen it before reassigning: %w", id, it.State, crm.ErrInvalid)
	}
	if owner == "" {
		return Item{}, fmt.Errorf("feedback: item %q: an open item needs an owner: %w", id, crm.ErrInvalid)
	}
	now, err := d.now()
	if err != nil {
		return Item{}, err
	}
	return d.write(ctx, it, Event{Type: AssignEvent, At: now, Actor: actor, PreviousOwner: it.Owner, Owner: owner})
}

// now reads the desk's clock, refusing a time no store keeps.
func (d *Desk) now() (time.Time, error) {
	return checkTime("the desk's clock", d.opt.Clock())
}

// checkTime refuses a time no store keeps (outside years 1–9999).
func checkTime(what string, t time.Time) (time.Time, error) {
	if p := bounds.Time(t); p != "" {
		return t, fmt.Errorf("feedback: %s: %s: %w", what, p, crm.ErrInvalid)
	}
	return t, nil
}

// write applies events to it, numbering them after its last, and stores
// the result if it has not changed meanwhile (crm.ErrConflict otherwise).
func (d *Desk) write(ctx context.Context, it Item, events ...Event) (Item, error) {
	next := cloneItem(it)
	for i := range events {
		events[i].ItemID, events[i].Seq = it.ID, next.Events+1
		next.Apply(events[i])
	}
	return d.store.UpdateItem(ctx, next, events...)
}

// Step takes a workflow action with its content. An action the state or
// kind does not allow is a *crm.TransitionError naming the state and the
// allowed actions; missing content is a *crm.ValidationError naming each
// missing field; either way nothing is recorded. A concurrent change is
// crm.ErrConflict: load and try again.
func (d *Desk) Step(ctx context.Context, id string, action Action, content Content, actor string) (Item, error) {
	it, err := d.store.Item(ctx, id)
	if err != nil {
		return Item{}, err
	}
	return d.StepAt(ctx, it, action, content, actor)
}

// StepAt is Step on an item already loaded: it fails with crm.ErrConflict
// if the item changed since.
func (d *Desk) StepAt(ctx context.Context, it Item, action Action, content Content, actor string) (Item, error) {
	r, ok := workflow[action]
	if !ok || !slices.Contains(r.from, it.State) || (len(r.kinds) > 0 && !slices.Contains(r.kinds, it.Kind)) {
		allowed := Allowed(it.Kind, it.State)
		names := make([]string, len(allowed))
		for i, a := range allowed {
			names[i] = string(a)
		}
		return Item{}, &crm.TransitionError{Package: "feedback", Subject: fmt.Sprintf("item %q", it.ID), From: string(it.State), To: string(action), Allowed: names}
	}
	var missing []error
	for _, f := range r.requires {
		if strings.TrimSpace(content.field(f)) == "" {
			missing = append(missing, &crm.FieldError{Field: "content." + f, Problem: "required to " + string(action)})
		}
	}
	if action == Answer && strings.TrimSpace(content.Answer) != "" && boilerplate(content.Answer, d.opt.Boilerplate) {
		missing = append(missing, &crm.FieldError{Field: "content.answer", Problem: "boilerplate: say what the customer raised and what was done about it"})
	}
	if action == ProposeFix && (bounds.Number(content.Cost) != "" || content.Cost < 0) {
		missing = append(missing, &crm.FieldError{Field: "content.cost", Problem: fmt.Sprintf("%v is not an amount (finite, not negative)", content.Cost)})
	}
	if len(missing) > 0 {
		return Item{}, &crm.ValidationError{Package: "feedback", What: fmt.Sprintf("step %s of item %q", action, it.ID), Problems: missing}
	}
	now, err := d.now()
	if err != nil {
		return Item{}, err
	}
	to := r.to
	switch action {
	case ProposeFix:
		if content.Cost > 0 {
			ok, err := d.covers(ctx, actor, content.Cost, now)
			if over, _ := d.overBudget(it.Tier, content.Cost); over && !d.isApprover(actor) {
				ok = false
			}
			if err != nil {
				return Item{}, err
			}
			if !ok {
				to = AwaitingApproval
			}
		}
	case Approve, Refuse:
		if why := d.mayApprove(actor, it); why != "" {
			return Item{}, &crm.TransitionError{Package: "feedback", Subject: fmt.Sprintf("item %q", it.ID), From: string(it.State), To: string(action), Reason: why}
		}
		if action == Approve {
			if d.isApprover(actor) {
				break
			}
			if ok, err := d.covers(ctx, actor, it.Content.Cost, now); err != nil {
				return Item{}, err
			} else if !ok {
				return Item{}, &crm.TransitionError{Package: "feedback", Subject: fmt.Sprintf("item %q", it.ID), From: string(it.State), To: string(action),
					Reason: fmt.Sprintf("%s has spent this month's remedy authority", actor)}
			}
		}
	}
	// A target this step finds missed is recorded with it, so attainment
	// is right whether or not a sweep ran in between.
	events := d.missed(it, now, actor)
	e := Event{Type: StepEvent, At: now, Actor: actor, Action: action, From: it.State, To: to, Content: content}
	switch action {
	case Resume:
		e.To = it.Resume
		e.PausedFor = d.opt.Calendar.Between(it.PausedSince, now)
	case Reopen:
		if now.Sub(it.ClosedAt) > d.opt.ReopenWindow {
			return Item{}, fmt.Errorf("feedback: item %q closed %s ago, beyond the %s reopen window: %w", it.ID, now.Sub(it.ClosedAt).Round(time.Minute), d.opt.ReopenWindow, crm.ErrInvalid)
		}
	}
	out, err := d.write(ctx, it, append(events, e)...)
	if err == nil && (action == Approve || action == ProposeFix && to == RemedyProposed && content.Cost > 0) {
		d.spend(actor, out.Content.Cost, now)
	}
	return out, err
}

// overBudget reports whether a remedy of the cost passes the tier's
// remedy budget in the catalogue, and the budget.
func (d *Desk) overBudget(tier string, cost float64) (bool, float64) {
	if d.opt.Catalogue == nil {
		return false, 0
	}
	e, ok := d.opt.Catalogue.For(tier)
	return ok && e.RemedyBudget > 0 && cost > e.RemedyBudget, e.RemedyBudget
}

// isApprover reports whether name may approve any remedy.
func (d *Desk) isApprover(name string) bool { return slices.Contains(d.opt.Approvers, name) }

// agent returns the desk's agent of the name, or nil.
func (d *Desk) agent(name string) *Agent {
	for i := range d.agents {
		if d.agents[i].Name == name {
			return &d.agents[i]
		}
	}
	return nil
}

// mayApprove says why actor may not approve or refuse the item's remedy,
// or "".
func (d *Desk) mayApprove(actor string, it Item) string {
	switch {
	case actor == it.ProposedBy:
		return fmt.Sprintf("%s proposed the remedy; someone else approves it", actor)
	case d.isApprover(actor):
		return ""
	}
	if over, budget := d.overBudget(it.Tier, it.Content.Cost); over {
		return fmt.Sprintf("the remedy costs %.2f, above the %s tier's budget of %.2f a case: an approver (%s) decides", it.Content.Cost, it.Tier, budget, strings.Join(d.opt.Approvers, ", "))
	}
	if a := d.agent(actor); a != nil && a.RemedyPerCase >= it.Content.Cost {
		return ""
	}
	return fmt.Sprintf("%s may not decide a remedy costing %.2f (approvers: %s, or an agent whose authority covers it)", actor, it.Content.Cost, strings.Join(d.opt.Approvers, ", "))
}

// covers reports whether the agent may authorise a remedy of the cost at
// now alone: within the per-case and the month's authority. Approvers are
// not limited; a name that is not an agent has no authority.
func (d *Desk) covers(ctx context.Context, name string, cost float64, now time.Time) (bool, error) {
	if d.isApprover(name) {
		return true, nil
	}
	a := d.agent(name)
	if a == nil || cost > a.RemedyPerCase {
		return false, nil
	}
	if a.RemedyPerMonth == 0 {
		return true, nil
	}
	spent, err := d.spent(ctx, name, now)
	if err != nil {
		return false, err
	}
	return spent+cost <= a.RemedyPerMonth, nil
}

// month is a calendar month in UTC.
func month(t time.Time) [2]int {
	t = t.UTC()
	return [2]int{t.Year(), int(t.Month())}
}

// spent is what the agent authorised in now's month: counted from the
// store's items the first time the desk asks about the month, then kept
// up to date with the desk's own decisions (another desk's decisions in
// the same month are seen by this one only from its next month).
func (d *Desk) spent(ctx context.Context, name string, now time.Time) (float64, error) {
	m := month(now)
	d.spentMu.Lock()
	defer d.spentMu.Unlock()
	if d.spentIn != m {
		byAgent := map[string]float64{}
		for it, err := range d.store.Items(ctx) {
			if err != nil {
				return 0, err
			}
			if it.AuthorisedBy != "" && month(it.AuthorisedAt) == m {
				byAgent[it.AuthorisedBy] += it.Content.Cost
			}
		}
		d.spentIn, d.spentBy = m, byAgent
	}
	return d.spentBy[name], nil
}

// spend counts a remedy the desk just authorised.
func (d *Desk) spend(name string, cost float64, at time.Time) {
	d.spentMu.Lock()
	defer d.spentMu.Unlock()
	if d.spentIn == month(at) {
		d.spentBy[name] += cost
	}
}

// missed returns a breach event, by actor at now, for each SLA target of
// the item missed by now and not yet recorded: the first response and the
// resolution once each, the next response once per answer of the
// customer's.
func (d *Desk) missed(it Item, now time.Time, actor string) []Event {
	p, ok := d.targets(it)
	if !ok {
		return nil
	}
	cal := d.opt.Calendar
	nowPos := cal.position(now)
	elapsed := nowPos - cal.position(it.Received) - d.paused(it, now)
	has := func(target string, since time.Time) bool {
		return slices.ContainsFunc(it.Breaches, func(b Breach) bool { return b.Target == target && !b.At.Before(since) })
	}
	var events []Event
	if it.FirstResponse.IsZero() && p.FirstResponse > 0 && elapsed > p.FirstResponse && !has("first_response", time.Time{}) {
		events = append(events, Event{Type: BreachEvent, At: now, Actor: actor, Target: "first_response"})
	}
	if it.ResolvedAt.IsZero() && p.Resolution > 0 && elapsed > p.Resolution && !has("resolution", time.Time{}) {
		events = append(events, Event{Type: BreachEvent, At: now, Actor: actor, Target: "resolution"})
	}
	if since := it.ReplyDueSince; !since.IsZero() && p.NextResponse > 0 && nowPos-cal.position(since) > p.NextResponse && !has("next_response", since) {
		events = append(events, Event{Type: BreachEvent, At: now, Actor: actor, Target: "next_response"})
	}
	return events
}

// targets returns the SLA targets of an item.
func (d *Desk) targets(it Item) (SLAPolicy, bool) {
	return PolicyFor(d.opt.SLA, it.Tier, it.Severity)
}

// PolicyFor is the SLA policy a desk applies to an item of the tier and
// severity: the most specific of those that match (a policy for the tier
// beats one for the severity, which beats one for any item; the first
// listed wins a tie), and false when none matches.
func PolicyFor(policies []SLAPolicy, tier string, severity Severity) (SLAPolicy, bool) {
	best, score := SLAPolicy{}, -1
	for _, p := range policies {
		if (p.Tier != "" && p.Tier != tier) || (p.Severity != "" && p.Severity != severity) {
			continue
		}
		s := 0
		if p.Tier != "" {
			s += 2
		}
		if p.Severity != "" {
			s++
		}
		if s > score {
			best, score = p, s
		}
	}
	return best, score >= 0
}

// paused is the business time the item has waited on the customer by now.
func (d *Desk) paused(it Item, now time.Time) time.Duration {
	p := it.Paused
	if !it.PausedSince.IsZero() && now.After(it.PausedSince) {
		p += d.opt.Calendar.Between(it.PausedSince, now)
	}
	return p
}

// Deadlines returns when the item's first response and resolution are due
// at now: the SLA target in business time after it arrived, plus the
// business time it has waited on the customer. ok is false without an SLA.
func (d *Desk) Deadlines(it Item, now time.Time) (firstResponse, resolution time.Time, ok bool) {
	p, ok := d.targets(it)
	if !ok {
		return time.Time{}, time.Time{}, false
	}
	paused := d.paused(it, now)
	cal := d.opt.Calendar
	return cal.Add(it.Received, p.FirstResponse+paused), cal.Add(it.Received, p.Resolution+paused), true
}

// SweepResult lists what a sweep recorded.
type SweepResult struct {
	// Breaches are the breach events the sweep recorded.
	Breaches []Event
	// Escalations are the escalation events it recorded.
	Escalations []Event
}

// Sweep checks every open item at now: it records each SLA target missed
// (once: a breach stays recorded) and each escalation level reached, as
// events. Steps record the targets they find missed themselves, so a sweep
// is needed only for items nobody touches. Running it again at the same or an earlier time records nothing
// new.
func (d *Desk) Sweep(ctx context.Context, now time.Time) (SweepResult, error) {
	var res SweepResult
	if _, err := checkTime("sweep", now); err != nil {
		return res, err
	}
	cal := d.opt.Calendar
	nowPos := cal.position(now)
	for it, err := range openItems(ctx, d.store) {
		if err != nil {
			return res, err
		}
		elapsed := nowPos - cal.position(it.Received) - d.paused(it, now)
		events := d.missed(it, now, "sweep")
		level := 0
		for _, l := range d.opt.Ladder {
			if elapsed >= l.After {
				level++
			}
		}
		if level > it.Escalation {
			events = append(events, Event{Type: EscalateEvent, At: now, Actor: "sweep", Level: level, EscalateTo: d.opt.Ladder[level-1].To,
				Note: fmt.Sprintf("open %s of business time", elapsed.Round(time.Minute))})
		}
		if len(events) == 0 {
			continue
		}
		if _, err := d.write(ctx, it, events...); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				continue // changed meanwhile; the next sweep sees it
			}
			return res, err
		}
		for _, e := range events {
			e.ItemID = it.ID
			if e.Type == BreachEvent {
				res.Breaches = append(res.Breaches, e)
			} else {
				res.Escalations = append(res.Escalations, e)
			}
		}
	}
	return res, nil
}

// RecordRelationshipSurvey records an answer that follows no desk item —
// a relationship NPS, a CSAT after a visit — under the host's ID (a
// retry with the same answer is a no-op), at the desk's time.
func (d *Desk) RecordRelationshipSurvey(ctx context.Context, id, customerID string, t SurveyType, score int) error {
	if id == "" || customerID == "" {
		return fmt.Errorf("feedback: relationship survey %q: an ID and a customer are required: %w", id, crm.ErrInvalid)
	}
	if lo, hi := t.scale(); score < lo || score > hi {
		return fmt.Errorf("feedback: %s score %d is outside %d..%d: %w", t, score, lo, hi, crm.ErrInvalid)
	}
	at, err := d.now()
	if err != nil {
		return err
	}
	s := Survey{ID: id, CustomerID: customerID, Type: t, Score: score, At: at}
	err = d.store.AppendSurveys(ctx, s)
	if errors.Is(err, crm.ErrExists) {
		if old, gerr := d.store.Survey(ctx, id); gerr == nil && old.Score == score && old.CustomerID == customerID && old.Type == t && old.ItemID == "" {
			return nil
		}
	}
	return err
}

// RecordSurvey records a customer's answer to a survey of type t about a
// closed item, once: the answer's ID is the item's and the type
// ("F00000012/nps"), so recording the same score again is a no-op and a
// different one is crm.ErrExists.
func (d *Desk) RecordSurvey(ctx context.Context, itemID string, t SurveyType, score int) error {
	it, err := d.store.Item(ctx, itemID)
	if err != nil {
		return err
	}
	if it.State.Open() {
		return fmt.Errorf("feedback: item %q is %s: surveys follow closing: %w", itemID, it.State, crm.ErrInvalid)
	}
	if lo, hi := t.scale(); score < lo || score > hi {
		return fmt.Errorf("feedback: %s score %d is outside %d..%d: %w", t, score, lo, hi, crm.ErrInvalid)
	}
	at, err := d.now()
	if err != nil {
		return err
	}
	s := Survey{ID: itemID + "/" + string(t), ItemID: itemID, CustomerID: it.CustomerID, Type: t, Score: score, At: at}
	err = d.store.AppendSurveys(ctx, s)
	if errors.Is(err, crm.ErrExists) {
		// A retry at a later time: the same answer is already recorded.
		if old, gerr := d.store.Survey(ctx, s.ID); gerr == nil && old.Score == score && old.CustomerID == s.CustomerID && old.Type == t {
			return nil
		}
	}
	return err
}
