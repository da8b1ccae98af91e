package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// Play is what to send customers in a stage or at a moment: templates in
// text/template syntax, one brief (for customers who prefer automated
// contact) and one personal (for those who prefer a person), and the
// channels it may use, best first.
type Play struct {
	// Name names the play.
	Name string `json:"name"`
	// Stage, when set, is the lifecycle stage the play is for.
	Stage string `json:"stage,omitempty"`
	// Moment, when set, is the moment the play answers.
	Moment string `json:"moment,omitempty"`
	// Channels are where the play may go, in order of preference.
	Channels []crm.Channel `json:"channels"`
	// Subject is the subject line's template.
	Subject string `json:"subject"`
	// Brief is the body's template for customers who want it automated and
	// brief.
	Brief string `json:"brief,omitempty"`
	// Personal is the body's template for customers who want a personal touch.
	Personal string `json:"personal,omitempty"`
}

// PlayOptions are the contact rules.
type PlayOptions struct {
	// Cap is the most messages a customer gets per Window (default 2 per 7
	// days), counting the host's record of what was sent.
	Cap int
	// Window is the period the Cap counts over.
	Window time.Duration
}

// ErrNotSent marks a message deliberately not sent: the customer opted
// out, the frequency cap is reached, no channel fits, or the play would
// use data the company inferred without the customer's consent.
var ErrNotSent = errors.New("not sent")

// NotSentCode says in one word why a message is not sent.
type NotSentCode string

// Why messages are not sent.
const (
	OptedOut     NotSentCode = "do_not_contact"
	CapReached   NotSentCode = "frequency_cap"
	NoChannel    NotSentCode = "no_channel"
	InferredData NotSentCode = "inferred_data" // the play reads a field the customer did not give, and profiling consent is missing
)

// NotSentError says why a message is not sent.
type NotSentError struct {
	// CustomerID, Play and Reason say who was not sent which play, and why.
	CustomerID, Play, Reason string
	// Code is the reason in one word.
	Code NotSentCode
}

func (e *NotSentError) Error() string {
	return fmt.Sprintf("lifecycle: play %q for %q not sent: %s", e.Play, e.CustomerID, e.Reason)
}

// Unwrap returns ErrNotSent.
func (e *NotSentError) Unwrap() error { return ErrNotSent }

// Message is a rendered play, ready for the host to deliver.
type Message struct {
	// CustomerID is the recipient.
	CustomerID string `json:"customer_id"`
	// Play is the play's name.
	Play string `json:"play"`
	// Channel is where the message goes.
	Channel crm.Channel `json:"channel"`
	// Style is the customer's relationship style it was written for.
	Style crm.RelationshipStyle `json:"style"`
	// Subject is the rendered subject line.
	Subject string `json:"subject"`
	// Body is the rendered text.
	Body string `json:"body"`
	// SendAt is when to send it, after the customer's quiet hours.
	SendAt time.Time `json:"send_at"`
}

// CompiledPlay is a play with parsed templates.
type CompiledPlay struct {
	play                     Play
	subject, brief, personal *playTemplate
	reads                    map[string]bool // the data keys the templates read
}

// Reads lists the data keys the play's templates read (.Name, $.offer),
// sorted.
func (cp *CompiledPlay) Reads() []string {
	out := make([]string, 0, len(cp.reads))
	for k := range cp.reads {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// CompileOptions are the checks Compile makes of what a play says. The
// zero value of each field is its default.
type CompileOptions struct {
	// GenericGreetings are phrases no template may use, compared without
	// regard to case: a message addresses the customer, not "Dear
	// customer". nil means DefaultGenericGreetings; an empty list that is
	// not nil allows every phrase.
	GenericGreetings []string
}

// DefaultGenericGreetings are the greetings that tell customers they are
// one of many, in the languages crmkit's hosts write to.
func DefaultGenericGreetings() []string {
	return []string{"Dear customer", "Dear valued customer", "Dear client", "Dear valued client", "Dear Sir or Madam", "Dear Sir/Madam",
		"To whom it may concern", "Dear member", "Dear user", "Hello customer", "尊敬的客户", "亲爱的客户", "尊敬的用户", "亲爱的用户",
		"Sehr geehrter Kunde", "Sehr geehrte Kundin", "Sehr geehrte Damen und Herren", "Cher client", "Chère cliente", "Estimado cliente", "Gentile cliente"}
}

// personalFields are the customer's own fields a personal template must
// read at least one of.
var personalFields = []string{"Name", "Interests", "ImportantDates", "AccountManager", "Country", "Region"}

// Compile parses the play's templates; executing them will fail on any
// field the data does not have (missingkey=error). Templates are single
// (no define, block or template actions), at most MaxTemplateBytes long;
// a render's loops do at most MaxRenderSteps steps, its functions build
// at most MaxBuiltBytes of text, it writes at most MaxMessageBytes per
// template, and printf widths stay below 1000. What the play says is
// checked too: no template may use a generic greeting (options), and a
// personal template must read at least one of the customer's own fields
// (Name, Interests, ImportantDates, AccountManager, Country, Region).
func (p Play) Compile(options *CompileOptions) (*CompiledPlay, error) {
	var opt CompileOptions
	if options != nil {
		opt = *options
	}
	if opt.GenericGreetings == nil {
		opt.GenericGreetings = DefaultGenericGreetings()
	}
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if p.Name == "" {
		bad("name", "empty")
	}
	if len(p.Channels) == 0 {
		bad("channels", "none")
	}
	for _, ch := range p.Channels {
		if !ch.Valid() {
			bad("channels", "%q is not a channel", ch)
		}
	}
	if p.Brief == "" && p.Personal == "" {
		bad("brief/personal", "no message template")
	}
	cp := &CompiledPlay{play: p}
	parse := func(name, text string) *playTemplate {
		if text == "" {
			return nil
		}
		t, err := parsePlayTemplate(name, text)
		if err != nil {
			bad(name, "%v", err)
		}
		return t
	}
	cp.subject = parse("subject", p.Subject)
	cp.brief = parse("brief", p.Brief)
	cp.personal = parse("personal", p.Personal)
	for _, t := range []struct{ name, text string }{{"subject", p.Subject}, {"brief", p.Brief}, {"personal", p.Personal}} {
		lower := strings.ToLower(t.text)
		for _, g := range opt.GenericGreetings {
			if g != "" && strings.Contains(lower, strings.ToLower(g)) {
				bad(t.name, "%q is a generic greeting; address the customer by name", g)
			}
		}
	}
	cp.reads = map[string]bool{}
	for _, t := range []*playTemplate{cp.subject, cp.brief, cp.personal} {
		if t != nil {
			t.keys(cp.reads)
		}
	}
	if cp.personal != nil && !cp.personal.reads(personalFields) {
		bad("personal", "a personal message reads none of the customer's own fields (%s)", strings.Join(personalFields, ", "))
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "lifecycle", What: fmt.Sprintf("play %q", p.Name), Problems: errs}
	}
	return cp, nil
}

// TemplateData is what a customer's templates may read: the customer's own
// fields when set (Name, Email, Phone, Country, Region, AccountManager,
// CustomerID, Interests, ImportantDates), each attribute under its name unless that is one of those
// built-in names (an attribute named "Name" cannot put words in the
// greeting), and the host's extra data (stage, moment, offer…), which wins
// on a clash. An empty field is absent, so a template that uses it fails
// instead of printing a blank.
func TemplateData(c crm.Customer, extra map[string]any) map[string]any {
	d := make(map[string]any, len(builtinFields)+len(c.Attributes)+len(extra))
	for _, k := range builtinFields {
		if v, ok := customerField(&c, k); ok {
			d[k] = v
		}
	}
	for k, v := range c.Attributes {
		if builtinTemplateField[k] {
			continue
		}
		if x, ok := attributeValue(v); ok {
			d[k] = x
		}
	}
	maps.Copy(d, extra)
	return d
}

// templateField is TemplateData(c, extra)[key] without building the map.
func templateField(c *crm.Customer, extra map[string]any, key string) (any, bool) {
	if v, ok := extra[key]; ok {
		return v, true
	}
	if builtinTemplateField[key] {
		return customerField(c, key)
	}
	v, ok := c.Attributes[key]
	if !ok {
		return nil, false
	}
	return attributeValue(v)
}

// customerField is the customer's own field under its template name:
// absent when empty (CustomerID is always there).
func customerField(c *crm.Customer, key string) (any, bool) {
	text := func(s string) (any, bool) {
		if s == "" {
			return nil, false
		}
		return s, true
	}
	switch key {
	case "CustomerID":
		return c.ID, true
	case "Name":
		return text(c.Name)
	case "Email":
		return text(c.Email)
	case "Phone":
		return text(c.Phone)
	case "Country":
		return text(c.Demographics.Country)
	case "Region":
		return text(c.Demographics.Region)
	case "AccountManager":
		return text(c.Preferences.AccountManager)
	case "Interests":
		if len(c.Preferences.Interests) > 0 {
			return slices.Clone(c.Preferences.Interests), true
		}
	case "ImportantDates":
		if len(c.Preferences.ImportantDates) > 0 {
			return slices.Clone(c.Preferences.ImportantDates), true
		}
	}
	return nil, false
}

// attributeValue is an attribute as a template sees it: a string, a
// number, a bool or a time.
func attributeValue(v crm.Value) (any, bool) {
	switch v.Kind() {
	case crm.KindString:
		s, _ := v.Str()
		return s, true
	case crm.KindNumber:
		n, _ := v.Number()
		return n, true
	case crm.KindBool:
		b, _ := v.Bool()
		return b, true
	case crm.KindTime:
		t, _ := v.Time()
		return t, true
	}
	return nil, false
}

// builtinTemplateField are the names TemplateData gives the customer's own
// fields; attributes do not override them.
var builtinTemplateField = func() map[string]bool {
	m := map[string]bool{}
	for _, k := range builtinFields {
		m[k] = true
	}
	return m
}()

// builtinFields are those names in order.
var builtinFields = []string{"CustomerID", "Name", "Email", "Phone", "Country", "Region", "AccountManager", "Interests", "ImportantDates"}

// Render prepares the play for a customer at time at: a *NotSentError when
// the customer opted out, the frequency cap is reached (sent lists the
// times of earlier messages to the customer), no channel of the play is
// among the customer's preferred ones, or the play reads a field the
// company inferred (crm.Customer.Inferred) and the customer has not
// consented to profiling on the channel (crm.Customer.MayUseInferred); otherwise the message in the
// customer's style (personal or brief), on the first preferred channel the
// play has, sent at at — or, inside the customer's quiet hours, when they
// end, in the customer's time zone. A template reading data the customer
// does not have is an error wrapping crm.ErrInvalid, and so is a template
// that passes the limits Compile names. A render ends with ctx.Err() when
// ctx is done, at the latest at the next pass of a loop.
func (cp *CompiledPlay) Render(ctx context.Context, c crm.Customer, extra map[string]any, at time.Time, sent []time.Time, options *PlayOptions) (Message, error) {
	var opt PlayOptions
	if options != nil {
		opt = *options
	}
	p := cp.play
	notSent := func(code NotSentCode, format string, args ...any) (Message, error) {
		return Message{}, &NotSentError{CustomerID: c.ID, Play: p.Name, Reason: fmt.Sprintf(format, args...), Code: code}
	}
	if c.Preferences.DoNotContact {
		return notSent(OptedOut, "the customer asked not to be contacted")
	}
	if opt.Cap == 0 {
		opt.Cap = 2
	}
	if opt.Window == 0 {
		opt.Window = 7 * 24 * time.Hour
	}
	recent := 0
	for _, t := range sent {
		if t.After(at.Add(-opt.Window)) && !t.After(at) {
			recent++
		}
	}
	if recent >= opt.Cap {
		return notSent(CapReached, "frequency cap: %d messages in the last %v", recent, opt.Window)
	}
	channel := p.Channels[0]
	if len(c.Preferences.Channels) > 0 {
		i := slices.IndexFunc(c.Preferences.Channels, func(ch crm.Channel) bool { return slices.Contains(p.Channels, ch) })
		if i < 0 {
			return notSent(NoChannel, "none of the play's channels %v is among the customer's %v", p.Channels, c.Preferences.Channels)
		}
		channel = c.Preferences.Channels[i]
	}
	for _, f := range c.Inferred {
		if key, ok := crm.InferredField(f); ok && cp.reads[key] && !c.MayUseInferred(channel) {
			return notSent(InferredData, "the play reads %s, which the customer did not give, and the customer has not consented to profiling on %s", f, channel)
		}
	}
	style := c.Preferences.Style
	body := cp.brief
	if style == crm.StylePersonal && cp.personal != nil || body == nil {
		body = cp.personal
	}
	if style == "" {
		style = crm.StyleAutomated
	}
	if err := ctx.Err(); err != nil {
		return Message{}, err
	}
	// Flat templates of strings are written without the template engine
	// or the data map; the rest, and every failure, go through both.
	var data map[string]any
	var loops *budget
	look := func(k string) (any, bool) { return templateField(&c, extra, k) }
	render := func(t *playTemplate) (string, error) {
		if t == nil {
			return "", nil
		}
		if text, ok := t.quick(look); ok {
			return text, nil
		}
		if data == nil {
			data, loops = TemplateData(c, extra), newBudget(ctx)
		}
		text, err := t.execute(data, loops)
		if ctxErr := ctx.Err(); err != nil && ctxErr != nil {
			return "", ctxErr
		}
		if err != nil {
			return "", fmt.Errorf("lifecycle: play %q for customer %q: %v: %w", p.Name, c.ID, err, crm.ErrInvalid)
		}
		return text, nil
	}
	subject, err := render(cp.subject)
	if err != nil {
		return Message{}, err
	}
	text, err := render(body)
	if err != nil {
		return Message{}, err
	}
	sendAt, err := afterQuietHours(c, at)
	if err != nil {
		return Message{}, err
	}
	return Message{CustomerID: c.ID, Play: p.Name, Channel: channel, Style: style, Subject: subject, Body: text, SendAt: sendAt}, nil
}

// afterQuietHours moves at to the end of the customer's quiet hours when it
// falls inside them, in the customer's time zone.
func afterQuietHours(c crm.Customer, at time.Time) (time.Time, error) {
	if c.Preferences.QuietHours == "" {
		return at, nil
	}
	start, end, err := crm.ParseQuietHours(c.Preferences.QuietHours)
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: customer %q: quiet hours: %v: %w", c.ID, err, crm.ErrInvalid)
	}
	loc, err := c.Location()
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: customer %q: %w", c.ID, err)
	}
	local := at.In(loc)
	minute := local.Hour()*60 + local.Minute()
	inside := start < end && minute >= start && minute < end || start > end && (minute >= start || minute < end)
	if !inside {
		return at, nil
	}
	y, m, d := local.Date()
	if start > end && minute >= start {
		d++ // the window runs past midnight: it ends tomorrow
	}
	return time.Date(y, m, d, end/60, end%60, 0, 0, loc), nil
}
