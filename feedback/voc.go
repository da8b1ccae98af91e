package feedback

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
	"github.com/crmkit/crm/scoring"
)

// Reason is one cause in the reason taxonomy that complaint categories,
// churn interviews and low scores share, so that they can be counted
// together.
type Reason struct {
	// Code identifies the reason ("late_delivery"): what an item's
	// Category and a response's Reasons hold.
	Code string `json:"code"`
	// Label says it for people ("Late delivery").
	Label string `json:"label"`
	// Group gathers related reasons ("logistics").
	Group string `json:"group,omitempty"`
}

// Taxonomy is the one list of reasons.
type Taxonomy struct {
	// Reasons are the reasons, each code once.
	Reasons []Reason `json:"reasons"`
}

// Validate reports every problem at once: empty or repeated codes, empty
// labels.
func (t *Taxonomy) Validate() error {
	var errs []error
	seen := map[string]bool{}
	for i, r := range t.Reasons {
		switch {
		case strings.TrimSpace(r.Code) == "":
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("reasons[%d].code", i), Problem: "empty"})
		case seen[r.Code]:
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("reasons[%d].code", i), Problem: fmt.Sprintf("%q twice", r.Code)})
		}
		seen[r.Code] = true
		if strings.TrimSpace(r.Label) == "" {
			errs = append(errs, &crm.FieldError{Field: fmt.Sprintf("reasons[%d] %q.label", i, r.Code), Problem: "empty"})
		}
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "feedback", What: "taxonomy", Problems: errs}
	}
	return nil
}

// Reason returns the reason with the code.
func (t *Taxonomy) Reason(code string) (Reason, bool) {
	for _, r := range t.Reasons {
		if r.Code == code {
			return r, true
		}
	}
	return Reason{}, false
}

// Purpose is what a survey is for.
type Purpose string

// Survey purposes.
const (
	Relationship   Purpose = "relationship"    // asked of customers at large, about the relationship
	PostContact    Purpose = "post_contact"    // after a desk item or a contact
	ChurnInterview Purpose = "churn_interview" // why a customer left, asked by an agent
)

// Question is one question of an instrument: scored on Min..Max and
// feeding a scorecard criterion (Indicator), or a free verbatim when
// Indicator is empty.
type Question struct {
	// ID identifies the question within the instrument ("q1").
	ID string `json:"id"`
	// Text is the question as asked.
	Text string `json:"text"`
	// Indicator is the scorecard criterion the answer feeds ("service");
	// empty for a verbatim question.
	Indicator string `json:"indicator,omitempty"`
	// Min and Max are the answer's scale (1..5).
	Min int `json:"min,omitempty"`
	// Max is the top of the scale.
	Max int `json:"max,omitempty"`
}

// Instrument is a questionnaire: its questions and the weighted index
// (a scoring scorecard, such as scoring.SatisfactionIndexCard) the
// answers feed.
type Instrument struct {
	// Name identifies the instrument.
	Name string `json:"name"`
	// Purpose is what it is for: relationship, post_contact or
	// churn_interview.
	Purpose Purpose `json:"purpose"`
	// Questions are asked in order.
	Questions []Question `json:"questions"`
	// Card weighs the indicators into the index. Its criteria are scored
	// on the answers as given (a criterion's normalisation should match
	// its question's scale).
	Card *scoring.Scorecard `json:"card"`
}

// Validate reports every problem at once: no name, unknown purpose,
// question IDs empty or repeated, scales that are not ranges, indicators
// the card does not have, criteria no question feeds, an invalid card.
func (in *Instrument) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if strings.TrimSpace(in.Name) == "" {
		bad("name", "empty")
	}
	if !slices.Contains([]Purpose{Relationship, PostContact, ChurnInterview}, in.Purpose) {
		bad("purpose", "%q is not relationship, post_contact or churn_interview", in.Purpose)
	}
	var criteria []string
	if in.Card == nil {
		bad("card", "nil: the answers need an index to feed")
	} else {
		if err := in.Card.Validate(nil); err != nil {
			errs = append(errs, err)
		}
		criteria = in.Card.Inputs()
	}
	seen, fed := map[string]bool{}, map[string]bool{}
	for i, q := range in.Questions {
		field := fmt.Sprintf("questions[%d] %q", i, q.ID)
		switch {
		case strings.TrimSpace(q.ID) == "":
			bad(field+".id", "empty")
		case seen[q.ID]:
			bad(field+".id", "twice")
		}
		seen[q.ID] = true
		if q.Indicator == "" {
			continue
		}
		if q.Min >= q.Max {
			bad(field, "scale %d..%d is not a range", q.Min, q.Max)
		}
		if in.Card != nil && !slices.Contains(criteria, q.Indicator) {
			bad(field+".indicator", "%q is not a criterion of the card %q (%s)", q.Indicator, in.Card.Name, strings.Join(criteria, ", "))
		}
		if fed[q.Indicator] {
			bad(field+".indicator", "%q is fed by another question too", q.Indicator)
		}
		fed[q.Indicator] = true
	}
	for _, c := range criteria {
		if !fed[c] {
			bad("questions", "no question feeds the card's criterion %q", c)
		}
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "feedback", What: fmt.Sprintf("instrument %q", in.Name), Problems: errs}
	}
	return nil
}

// Response is one customer's answers to an instrument — about a desk
// item (ItemID), or not (a relationship survey, a churn interview).
type Response struct {
	// ID identifies the response; appending it again is a no-op.
	ID string `json:"id"`
	// Instrument is the instrument's name.
	Instrument string `json:"instrument"`
	// CustomerID is who answered.
	CustomerID string `json:"customer_id"`
	// ItemID is the desk item it follows, if any.
	ItemID string `json:"item_id,omitempty"`
	// Channel is where it was answered.
	Channel crm.Channel `json:"channel,omitempty"`
	// At is when it was answered.
	At time.Time `json:"at"`
	// Answers are the scored answers by question ID.
	Answers map[string]float64 `json:"answers,omitempty"`
	// Verbatim is what the customer said in their own words.
	Verbatim string `json:"verbatim,omitempty"`
	// Reasons are the taxonomy codes the customer gave (why they left,
	// why they scored low), as coded by the interviewer or a classifier.
	Reasons []string `json:"reasons,omitempty"`
}

// Validate reports what no store can keep or no reader can use: no ID,
// instrument or customer, no time or one outside years 1–9999, a bad
// channel, an answer that is not a finite number. Stores refuse such a
// response; Instrument.Check says more.
func (r Response) Validate() error {
	var errs []error
	r.basic(func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	})
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "feedback", What: fmt.Sprintf("response %q", r.ID), Problems: errs}
	}
	return nil
}

func (r Response) basic(bad func(field, format string, args ...any)) {
	for _, f := range [][2]string{{"id", r.ID}, {"instrument", r.Instrument}, {"customer_id", r.CustomerID}} {
		if strings.TrimSpace(f[1]) == "" {
			bad(f[0], "empty")
		}
	}
	if r.At.IsZero() {
		bad("at", "zero")
	} else if p := bounds.Time(r.At); p != "" {
		bad("at", "%s", p)
	}
	if r.Channel != "" && !r.Channel.Valid() {
		bad("channel", "%q is not a channel", r.Channel)
	}
	for _, id := range slices.Sorted(maps.Keys(r.Answers)) {
		if p := bounds.Number(r.Answers[id]); p != "" {
			bad("answers."+id, "%s", p)
		}
	}
}

// Check reports every problem with a response to the instrument: what
// Validate finds, another instrument's name, answers to unknown or
// verbatim questions or off the scale, reasons the taxonomy does not have
// (when tax is not nil).
func (in *Instrument) Check(r Response, tax *Taxonomy) error {
	if in == nil {
		return fmt.Errorf("feedback: response %q: no instrument to check it against: %w", r.ID, crm.ErrInvalid)
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	r.basic(bad)
	if r.Instrument != "" && r.Instrument != in.Name {
		bad("instrument", "%q, not %q", r.Instrument, in.Name)
	}
	for _, id := range slices.Sorted(maps.Keys(r.Answers)) {
		v := r.Answers[id]
		k := slices.IndexFunc(in.Questions, func(q Question) bool { return q.ID == id })
		switch {
		case k < 0:
			bad("answers."+id, "no such question")
		case in.Questions[k].Indicator == "":
			bad("answers."+id, "a verbatim question: its answer goes in Verbatim")
		case math.IsNaN(v) || v < float64(in.Questions[k].Min) || v > float64(in.Questions[k].Max):
			bad("answers."+id, "%v is off the scale %d..%d", v, in.Questions[k].Min, in.Questions[k].Max)
		}
	}
	for i, code := range r.Reasons {
		if tax != nil {
			if _, ok := tax.Reason(code); !ok {
				bad(fmt.Sprintf("reasons[%d]", i), "%q is not in the taxonomy", code)
			}
		}
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "feedback", What: fmt.Sprintf("response %q", r.ID), Problems: errs}
	}
	return nil
}

// ResponseStore keeps survey responses: an append-only log. It persists
// and decides nothing (the instrument checks a response). A host
// implements it on its own database and proves it with
// feedbacktest.TestResponseStore. Implementations must be safe for
// concurrent use.
type ResponseStore interface {
	// AppendResponses stores a batch atomically: every response or none. A
	// response already stored (same ID, equal content) is a no-op; the
	// same ID with other content is crm.ErrExists.
	AppendResponses(ctx context.Context, rs ...Response) error
	// Responses streams one instrument's responses by ID.
	Responses(ctx context.Context, instrument string) iter.Seq2[Response, error]
}

// Equal reports whether two responses are the same (times as instants).
func (r Response) Equal(o Response) bool {
	return r.ID == o.ID && r.Instrument == o.Instrument && r.CustomerID == o.CustomerID && r.ItemID == o.ItemID && r.Channel == o.Channel &&
		r.At.Equal(o.At) && maps.Equal(r.Answers, o.Answers) && r.Verbatim == o.Verbatim && slices.Equal(r.Reasons, o.Reasons)
}

func (r Response) clone() Response {
	r.Answers, r.Reasons = maps.Clone(r.Answers), slices.Clone(r.Reasons)
	return r
}

// MemoryResponses is the in-memory ResponseStore, safe for concurrent use.
type MemoryResponses struct {
	mu   sync.RWMutex
	byID map[string]Response
	ids  map[string][]string // by instrument, sorted
}

// NewMemoryResponses returns an empty store.
func NewMemoryResponses() *MemoryResponses {
	return &MemoryResponses{byID: map[string]Response{}, ids: map[string][]string{}}
}

var _ ResponseStore = (*MemoryResponses)(nil)

// AppendResponses implements ResponseStore.
func (m *MemoryResponses) AppendResponses(ctx context.Context, rs ...Response) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, r := range rs {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fresh := map[string]Response{}
	for _, r := range rs {
		old, ok := m.byID[r.ID]
		if !ok {
			old, ok = fresh[r.ID]
		}
		if ok {
			if !old.Equal(r) {
				return fmt.Errorf("feedback: response %q: stored with other content: %w", r.ID, crm.ErrExists)
			}
			continue
		}
		fresh[r.ID] = r.clone()
	}
	for _, id := range slices.Sorted(maps.Keys(fresh)) {
		r := fresh[id]
		m.byID[id] = r
		ids := m.ids[r.Instrument]
		k, _ := slices.BinarySearch(ids, id)
		m.ids[r.Instrument] = slices.Insert(ids, k, id)
	}
	return nil
}

// Responses implements ResponseStore.
func (m *MemoryResponses) Responses(ctx context.Context, instrument string) iter.Seq2[Response, error] {
	return func(yield func(Response, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(Response{}, err)
			return
		}
		m.mu.RLock()
		ids := m.ids[instrument]
		out := make([]Response, len(ids))
		for i, id := range ids {
			out[i] = m.byID[id].clone()
		}
		m.mu.RUnlock()
		for _, r := range out {
			if !yield(r, nil) {
				return
			}
		}
	}
}

// IndexRow is the weighted index over one cut of the responses: how many,
// the mean index (0 to the card's scale) with its 95% interval, and each
// indicator's mean answer.
type IndexRow struct {
	// Cut is the group ("tier=Gold"); "" is every response.
	Cut string `json:"cut"`
	// N counts the responses scored.
	N int `json:"n"`
	// Mean is the mean index.
	Mean float64 `json:"mean"`
	// Low and High bound its 95% interval (Student's t on N − 1 degrees
	// of freedom; equal to Mean when N is 1).
	Low float64 `json:"low"`
	// High is the interval's top.
	High float64 `json:"high"`
	// SD is the standard deviation of the index.
	SD float64 `json:"sd"`
	// Indicators are each indicator's mean answer, by criterion name.
	Indicators map[string]float64 `json:"indicators"`
}

// SatisfactionIndex scores every response to the instrument on its card
// and averages the index per cut (cut gives each response's groups:
// "tier=Gold", "channel=phone"; nil: none), with the overall row first
// (Cut ""), then the cuts by name. A response answering none of the
// indicators is left out; the card's missing-value policy decides the
// rest. Responses to other instruments are skipped.
func SatisfactionIndex(in *Instrument, responses iter.Seq2[Response, error], cut func(Response) []string) ([]IndexRow, error) {
	if in == nil || responses == nil {
		return nil, fmt.Errorf("feedback: satisfaction index: an instrument and the responses are required: %w", crm.ErrInvalid)
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	scorer, err := in.Card.Compile()
	if err != nil {
		return nil, err
	}
	inputs := in.Card.Inputs()
	question := make([]string, len(inputs)) // the question feeding each criterion
	for i, c := range inputs {
		for _, q := range in.Questions {
			if q.Indicator == c {
				question[i] = q.ID
			}
		}
	}
	type acc struct {
		n          int
		sum, sumSq float64
		indSum     []float64
		indN       []int
	}
	groups := map[string]*acc{}
	add := func(key string, total float64, values []float64) {
		g := groups[key]
		if g == nil {
			g = &acc{indSum: make([]float64, len(inputs)), indN: make([]int, len(inputs))}
			groups[key] = g
		}
		g.n++
		g.sum += total
		g.sumSq += total * total
		for i, v := range values {
			if !math.IsNaN(v) {
				g.indSum[i] += v
				g.indN[i]++
			}
		}
	}
	values := make([]float64, len(inputs))
	for r, err := range responses {
		if err != nil {
			return nil, err
		}
		if r.Instrument != in.Name {
			continue
		}
		answered := false
		for i, q := range question {
			v, ok := r.Answers[q]
			if !ok {
				v = math.NaN()
			}
			values[i], answered = v, answered || ok
		}
		if !answered {
			continue
		}
		s, err := scorer.Score(values)
		if err != nil {
			return nil, fmt.Errorf("feedback: response %q: %w", r.ID, err)
		}
		add("", s.Total, values)
		if cut != nil {
			for _, c := range cut(r) {
				add(c, s.Total, values)
			}
		}
	}
	keys := slices.Sorted(maps.Keys(groups))
	out := make([]IndexRow, 0, len(keys))
	for _, k := range keys {
		g := groups[k]
		mean := g.sum / float64(g.n)
		row := IndexRow{Cut: k, N: g.n, Mean: mean, Low: mean, High: mean, Indicators: map[string]float64{}}
		if g.n > 1 {
			row.SD = math.Sqrt(math.Max(0, (g.sumSq-float64(g.n)*mean*mean)/float64(g.n-1)))
			half := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: float64(g.n - 1)}.Quantile(0.975) * row.SD / math.Sqrt(float64(g.n))
			row.Low, row.High = mean-half, mean+half
		}
		for i, c := range inputs {
			if g.indN[i] > 0 {
				row.Indicators[c] = g.indSum[i] / float64(g.indN[i])
			}
		}
		out = append(out, row)
	}
	return out, nil
}

// IndexChange tests whether the index moved between two measurements of
// the same cut (before and after a fix): the difference of the means, its
// z statistic (Welch's standard error) and the two-sided p-value.
func IndexChange(before, after IndexRow) (diff, z, p float64) {
	diff = after.Mean - before.Mean
	if before.N == 0 || after.N == 0 {
		return diff, 0, 1
	}
	se := math.Sqrt(before.SD*before.SD/float64(before.N) + after.SD*after.SD/float64(after.N))
	if se == 0 {
		return diff, 0, 1
	}
	z = diff / se
	return diff, z, 2 * distuv.UnitNormal.Survival(math.Abs(z))
}

// Repeat is a customer complaining about one cause again in separate
// items.
type Repeat struct {
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// Cause is the category they complained about each time.
	Cause string `json:"cause"`
	// Items are the complaints, oldest first.
	Items []string `json:"items"`
}

// RepeatComplaints finds customers who complained about the same cause in
// two or more items, each received within the window of the one before
// (0: any time apart): the complaints a fix did not end. By customer,
// then cause.
func RepeatComplaints(items []Item, window time.Duration) []Repeat {
	type key struct{ customer, cause string }
	by := map[key][]Item{}
	for _, it := range items {
		if it.Kind == Complaint {
			k := key{it.CustomerID, it.Category}
			by[k] = append(by[k], it)
		}
	}
	var out []Repeat
	for k, its := range by {
		if len(its) < 2 {
			continue
		}
		slices.SortFunc(its, func(a, b Item) int { return cmp.Or(a.Received.Compare(b.Received), cmp.Compare(a.ID, b.ID)) })
		run := []string{its[0].ID}
		flush := func() {
			if len(run) >= 2 {
				out = append(out, Repeat{CustomerID: k.customer, Cause: k.cause, Items: run})
			}
		}
		for i := 1; i < len(its); i++ {
			if window > 0 && its[i].Received.Sub(its[i-1].Received) > window {
				flush()
				run = nil
			}
			run = append(run, its[i].ID)
		}
		flush()
	}
	slices.SortFunc(out, func(a, b Repeat) int {
		return cmp.Or(cmp.Compare(a.CustomerID, b.CustomerID), cmp.Compare(a.Cause, b.Cause), cmp.Compare(a.Items[0], b.Items[0]))
	})
	return out
}

// Mention is one time a source named a reason: a complaint's category, a
// reason given in a churn interview or with a low score.
type Mention struct {
	// Source names where it comes from ("complaint", "churn_interview",
	// "low_score").
	Source string
	// Reason is the taxonomy code.
	Reason string
	// CustomerID is whose it is.
	CustomerID string
	// Weight is what it counts for (0 counts as 1): the customer's value,
	// the severity.
	Weight float64
}

// ComplaintMentions are the complaints among the items as mentions of
// their categories, each weighing 1.
func ComplaintMentions(items []Item) []Mention {
	var out []Mention
	for _, it := range items {
		if it.Kind == Complaint {
			out = append(out, Mention{Source: "complaint", Reason: it.Category, CustomerID: it.CustomerID})
		}
	}
	return out
}

// ResponseMentions are the reasons given in the responses the filter
// keeps (nil: all), as mentions from the source.
func ResponseMentions(source string, responses []Response, keep func(Response) bool) []Mention {
	var out []Mention
	for _, r := range responses {
		if keep != nil && !keep(r) {
			continue
		}
		for _, code := range r.Reasons {
			out = append(out, Mention{Source: source, Reason: code, CustomerID: r.CustomerID})
		}
	}
	return out
}

// RootCause is one reason in the cross-source Pareto.
type RootCause struct {
	// ParetoRow is the reason's rank: its code (Cause), mentions (Count),
	// weight (Impact), share, cumulative share and whether it is among
	// the vital few.
	ParetoRow
	// Label is the reason's label in the taxonomy.
	Label string `json:"label"`
	// Sources count the mentions by source.
	Sources map[string]int `json:"sources"`
	// Customers counts the distinct customers who named it.
	Customers int `json:"customers"`
}

// RootCauses ranks the reasons behind every source's mentions in one
// Pareto (by weight, largest first, with shares and the vital few: the
// causes making up the first 80%), so that the few causes behind most of
// the dissatisfaction show whichever way customers voiced them. Every
// reason must be in the taxonomy: the error lists those that are not.
func RootCauses(tax *Taxonomy, mentions ...[]Mention) ([]RootCause, error) {
	if tax == nil {
		return nil, fmt.Errorf("feedback: root causes: a taxonomy is required: %w", crm.ErrInvalid)
	}
	if err := tax.Validate(); err != nil {
		return nil, err
	}
	var unknown []string
	by := map[string]*RootCause{}
	customers := map[string]map[string]bool{}
	var flat []Mention
	for _, ms := range mentions {
		for _, m := range ms {
			if p := bounds.Number(m.Weight); p != "" || m.Weight < 0 {
				return nil, fmt.Errorf("feedback: root causes: a mention of %q from %s weighs %v, not a weight (finite, not negative): %w", m.Reason, m.Source, m.Weight, crm.ErrInvalid)
			}
			if _, ok := tax.Reason(m.Reason); !ok {
				if !slices.Contains(unknown, m.Reason) {
					unknown = append(unknown, m.Reason)
				}
				continue
			}
			flat = append(flat, m)
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return nil, fmt.Errorf("feedback: root causes: reasons not in the taxonomy: %q: %w", unknown, crm.ErrInvalid)
	}
	items := make([]Item, len(flat)) // one per mention, for Pareto's ranking
	for i, m := range flat {
		items[i] = Item{Category: m.Reason, Value: cmp.Or(m.Weight, 1)}
		rc := by[m.Reason]
		if rc == nil {
			r, _ := tax.Reason(m.Reason)
			rc = &RootCause{Label: r.Label, Sources: map[string]int{}}
			by[m.Reason], customers[m.Reason] = rc, map[string]bool{}
		}
		rc.Sources[m.Source]++
		customers[m.Reason][m.CustomerID] = true
	}
	rows := Pareto(items, ByCategory, func(it Item) float64 { return it.Value })
	out := make([]RootCause, len(rows))
	for i, row := range rows {
		rc := by[row.Cause]
		rc.ParetoRow, rc.Customers = row, len(customers[row.Cause])
		out[i] = *rc
	}
	return out, nil
}
