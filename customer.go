package crm

import (
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Channel is a way a customer and the company meet. The constants are the
// channels crmkit knows; a host may use other lowercase names
// ("kiosk", "dealer_portal").
type Channel string

// Known channels.
const (
	ChannelWeb     Channel = "web"
	ChannelApp     Channel = "app"
	ChannelPhone   Channel = "phone" // phone hotline / call centre
	ChannelStore   Channel = "store" // in person, at a branch or shop
	ChannelEmail   Channel = "email"
	ChannelSMS     Channel = "sms"
	ChannelSocial  Channel = "social"
	ChannelPartner Channel = "partner" // dealers, resellers, agents
)

// Channels returns the known channels in a fixed order (a new slice each
// call).
func Channels() []Channel {
	return []Channel{ChannelWeb, ChannelApp, ChannelPhone, ChannelStore, ChannelEmail, ChannelSMS, ChannelSocial, ChannelPartner}
}

// Valid reports whether c is a lowercase name: a letter followed by
// letters, digits or underscores.
func (c Channel) Valid() bool { return isToken(string(c)) }

// RelationshipStyle is how a customer wants to be served. Some want quick,
// automated transactions and no small talk; others want an account manager
// who remembers their interests and their birthday.
type RelationshipStyle string

// Relationship styles. The empty style means the customer has not said.
const (
	StyleUnspecified RelationshipStyle = ""
	StyleAutomated   RelationshipStyle = "automated" // brief, self-service, no small talk
	StylePersonal    RelationshipStyle = "personal"  // named contact, remembered details
)

// ImportantDate is a date that matters to the customer, such as a birthday
// or a company anniversary. Year is 0 when unknown; the date recurs yearly.
type ImportantDate struct {
	// Label names the date ("birthday", "wedding anniversary").
	Label string `json:"label"`
	// Month and Day give the date every year.
	Month time.Month `json:"month"`
	// Day of the month, 1–31.
	Day int `json:"day"`
	// Year, when known (0 when not), for ages and anniversaries.
	Year int `json:"year,omitempty"`
}

// Preferences describe how a customer wants the relationship to run.
type Preferences struct {
	// Style is how the customer wants to be served: automated and brief, or
	// personal.
	Style    RelationshipStyle `json:"style,omitempty"`
	Channels []Channel         `json:"channels,omitempty"` // preferred first
	// Interests are what the customer cares about, in the host's words.
	Interests []string `json:"interests,omitempty"`
	// ImportantDates are dates the customer shared, for timely contact.
	ImportantDates []ImportantDate `json:"important_dates,omitempty"`
	// AccountManager is the accountable person for this customer, if any.
	AccountManager string `json:"account_manager,omitempty"`
	// QuietHours, when set, is the local-time window in which the customer
	// must not be contacted, as "22:00-08:00".
	QuietHours string `json:"quiet_hours,omitempty"`
	// DoNotContact opts the customer out of all outbound communication.
	DoNotContact bool `json:"do_not_contact,omitempty"`
	// Consents are the customer's yes and no to purposes and channels,
	// newest deciding (ConsentFor).
	Consents []Consent `json:"consents,omitempty"`
}

// Demographics are the descriptive facts used to segment customers.
type Demographics struct {
	Country string `json:"country,omitempty"` // ISO 3166-1 alpha-2, upper case
	// Region is the host's own region name.
	Region  string `json:"region,omitempty"`
	AgeBand string `json:"age_band,omitempty"` // e.g. "25-34"
	// SignupChannel is where the customer signed up.
	SignupChannel Channel `json:"signup_channel,omitempty"`
}

// Customer is a person or organisation the company serves or hopes to.
//
// Version is maintained by the store: 0 before the first save, then 1, 2, …
// An update must carry the version it read.
type Customer struct {
	// ID identifies the customer; unique in a store.
	ID string `json:"id"`
	// Name is how the customer is addressed.
	Name string `json:"name,omitempty"`
	// Email is the customer's address, validated for shape only.
	Email string `json:"email,omitempty"`
	// Phone is the customer's number as given.
	Phone    string `json:"phone,omitempty"`
	TimeZone string `json:"time_zone,omitempty"` // IANA name; empty means UTC; "Local" is refused
	// CreatedAt is when the customer record was made (sign-up).
	CreatedAt time.Time `json:"created_at"`
	// UpdatedAt is when the host last changed the record, if it says: the
	// customer's timeline dates each change of the record by it
	// (CustomerHistory). Zero is allowed; it cannot be before CreatedAt.
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	// Tags are the host's free labels ("vip", "newsletter"), each once.
	Tags []string `json:"tags,omitempty"`
	// Attributes are the host's typed custom facts, by identifier, for rules
	// to read.
	Attributes map[string]Value `json:"attributes,omitempty"`
	// Inferred names the fields the company inferred rather than the
	// customer gave ("interests", "attributes.shoe_size"): a message may
	// use them only with the customer's own consent to profiling.
	Inferred []string `json:"inferred,omitempty"`
	// Demographics are the facts customers are segmented by.
	Demographics Demographics `json:"demographics"`
	// Preferences say how the customer wants to be served and reached.
	Preferences Preferences `json:"preferences"`
	// Version is the store's: 0 before the first save, then 1, 2, …
	Version int64 `json:"version"`
}

// Location returns the customer's time zone (UTC when unset). It fails with
// ErrInvalid for a name the time package does not know.
func (c Customer) Location() (*time.Location, error) {
	if c.TimeZone == "" {
		return time.UTC, nil
	}
	loc, err := loadLocation(c.TimeZone)
	if err != nil {
		return nil, fmt.Errorf("crm: customer %q time zone %q: %w", c.ID, c.TimeZone, ErrInvalid)
	}
	return loc, nil
}

// locations caches time.LoadLocation, which reads the zone database on every
// call; validating a million customers would otherwise read it a million
// times. Zone data does not change while a process runs.
var locations sync.Map // name -> *time.Location

func loadLocation(name string) (*time.Location, error) {
	if name == "Local" {
		// The zone the server happens to run in is no customer's.
		return nil, errors.New(`"Local" is the server's zone, not an IANA name`)
	}
	if l, ok := locations.Load(name); ok {
		return l.(*time.Location), nil
	}
	l, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	locations.Store(name, l)
	return l, nil
}

// HasTag reports whether the customer carries tag.
func (c Customer) HasTag(tag string) bool { return slices.Contains(c.Tags, tag) }

// Clone returns a deep copy, so that changes to the copy's slices and maps do
// not reach c.
func (c Customer) Clone() Customer {
	c.Tags = slices.Clone(c.Tags)
	c.Inferred = slices.Clone(c.Inferred)
	c.Attributes = maps.Clone(c.Attributes)
	c.Preferences.Channels = slices.Clone(c.Preferences.Channels)
	c.Preferences.Interests = slices.Clone(c.Preferences.Interests)
	c.Preferences.ImportantDates = slices.Clone(c.Preferences.ImportantDates)
	c.Preferences.Consents = slices.Clone(c.Preferences.Consents)
	return c
}

// Validate reports every problem with c at once as a *ValidationError
// wrapping ErrInvalid and one *FieldError per problem.
func (c Customer) Validate() error {
	var p problems
	validateID(&p, "id", c.ID)
	if c.Email != "" {
		if a, err := mail.ParseAddress(c.Email); err != nil || a.Address != c.Email {
			p.add("email", "%q is not an email address", c.Email)
		}
	}
	if c.Phone != "" && !validPhone(c.Phone) {
		p.add("phone", "%q is not a phone number (digits, spaces, + - . ( ) only, 5 to 20 digits)", c.Phone)
	}
	if c.TimeZone != "" {
		if _, err := loadLocation(c.TimeZone); err != nil {
			p.add("time_zone", "unknown time zone %q", c.TimeZone)
		}
	}
	if c.CreatedAt.IsZero() {
		p.add("created_at", "must be set")
	} else if msg := timeProblem(c.CreatedAt); msg != "" {
		p.add("created_at", "%s", msg)
	}
	if !c.UpdatedAt.IsZero() {
		if msg := timeProblem(c.UpdatedAt); msg != "" {
			p.add("updated_at", "%s", msg)
		} else if c.UpdatedAt.Before(c.CreatedAt) {
			p.add("updated_at", "%s is before created_at %s", c.UpdatedAt.Format(time.RFC3339), c.CreatedAt.Format(time.RFC3339))
		}
	}
	seen := map[string]bool{}
	for i, t := range c.Tags {
		switch {
		case strings.TrimSpace(t) == "":
			p.add(fmt.Sprintf("tags[%d]", i), "empty tag")
		case seen[t]:
			p.add(fmt.Sprintf("tags[%d]", i), "duplicate tag %q", t)
		}
		seen[t] = true
	}
	for _, name := range slices.Sorted(maps.Keys(c.Attributes)) {
		if !IsIdentifier(name) {
			p.add("attributes."+name, "attribute name must be a letter or _ followed by letters, digits or _")
		}
		if msg := c.Attributes[name].validate(); msg != "" {
			p.add("attributes."+name, "%s", msg)
		}
	}
	d := c.Demographics
	if d.Country != "" && (len(d.Country) != 2 || strings.ToUpper(d.Country) != d.Country || !isLetters(d.Country)) {
		p.add("demographics.country", "%q is not an ISO 3166-1 alpha-2 code", d.Country)
	}
	if d.SignupChannel != "" && !d.SignupChannel.Valid() {
		p.add("demographics.signup_channel", "%q is not a channel name", d.SignupChannel)
	}
	pr := c.Preferences
	switch pr.Style {
	case StyleUnspecified, StyleAutomated, StylePersonal:
	default:
		p.add("preferences.style", "unknown style %q (want automated or personal)", pr.Style)
	}
	for i, ch := range pr.Channels {
		if !ch.Valid() {
			p.add(fmt.Sprintf("preferences.channels[%d]", i), "%q is not a channel name", ch)
		}
	}
	validateConsents(&p, pr.Consents)
	for i, f := range c.Inferred {
		if _, ok := InferredField(f); !ok {
			p.add(fmt.Sprintf("inferred[%d]", i), "%q is not a field that can be inferred (interests, important_dates, demographics.country, demographics.region, demographics.age_band, or attributes.NAME)", f)
		}
	}
	for i, d := range pr.ImportantDates {
		f := func(field string) string { return fmt.Sprintf("preferences.important_dates[%d].%s", i, field) } // formatted only for a problem
		if strings.TrimSpace(d.Label) == "" {
			p.add(f("label"), "must be set")
		}
		year := d.Year
		if year == 0 {
			year = 2000 // a leap year, so 29 February is allowed
		}
		if d.Month < time.January || d.Month > time.December {
			p.add(f("month"), "%d is not a month", d.Month)
		} else if d.Day < 1 || time.Date(year, d.Month, d.Day, 0, 0, 0, 0, time.UTC).Month() != d.Month {
			p.add(f("day"), "%d is not a day of %s", d.Day, d.Month)
		}
	}
	if pr.QuietHours != "" {
		if _, _, err := ParseQuietHours(pr.QuietHours); err != nil {
			p.add("preferences.quiet_hours", "%q is not a window HH:MM-HH:MM", pr.QuietHours)
		}
	}
	if c.Version < 0 {
		p.add("version", "must not be negative")
	}
	return p.errOf("customer", c.ID)
}

// ParseQuietHours parses "HH:MM-HH:MM" into minutes after local midnight.
// The window may wrap past midnight ("22:00-08:00").
func ParseQuietHours(s string) (start, end int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if ok {
		if start, ok = clockMinutes(a); ok {
			end, ok = clockMinutes(b)
		}
	}
	if !ok || start == end {
		return 0, 0, fmt.Errorf("crm: quiet hours %q: not a window HH:MM-HH:MM: %w", s, ErrInvalid)
	}
	return start, end, nil
}

func clockMinutes(s string) (int, bool) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, false
	}
	return t.Hour()*60 + t.Minute(), true
}

func validateID(p *problems, field, id string) {
	if !plainID(id) {
		checkID(p, field, id)
	}
}

// checkID is validateID's full check.
func checkID(p *problems, field, id string) {
	switch {
	case id == "":
		p.add(field, "must be set")
	case len(id) > 256:
		p.add(field, "longer than 256 bytes")
	case strings.TrimSpace(id) != id:
		p.add(field, "%q has leading or trailing space", id)
	case strings.ContainsFunc(id, unicode.IsControl):
		p.add(field, "%q contains a control character", id)
	}
}

// plainID says whether id is 1 to 256 printable ASCII characters without
// a space: what validateID accepts at once.
func plainID(id string) bool {
	if id == "" || len(id) > 256 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func validPhone(s string) bool {
	digits := 0
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0, r == ' ', r == '-', r == '.', r == '(', r == ')':
		default:
			return false
		}
	}
	return digits >= 5 && digits <= 20
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
