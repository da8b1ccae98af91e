package segment

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rule is a node of a rule's syntax tree: And, Or, Not, or a condition on
// one field (Compare, Between, In, Contains, Exists, StartsWith, Within).
// String prints the rule in the text syntax; Parse reads it back to an
// equal tree.
type Rule interface {
	// String prints the rule in the text syntax; Parse reads it back to the
	// same rule.
	String() string
	isRule()
}

// And holds when every rule does.
type And struct {
	Rules []Rule // all must hold
}

// Or holds when any rule does.
type Or struct {
	Rules []Rule // one must hold
}

// Not holds when its rule does not.
type Not struct {
	Rule Rule // the rule negated
}

// Op is a comparison operator.
type Op string

// Comparison operators.
const (
	Eq Op = "="
	Ne Op = "!="
	Lt Op = "<"
	Le Op = "<="
	Gt Op = ">"
	Ge Op = ">="
)

// Compare compares a field with a value. On time fields "before" and
// "after" in the text syntax are < and >.
type Compare struct {
	// Field is the field compared.
	Field string
	// Op is the comparison.
	Op Op
	// Value is compared with.
	Value Literal
}

// Between holds when Low ≤ field ≤ High.
type Between struct {
	// Field is the field compared.
	Field string
	// Low and High bound the value, inclusive.
	Low, High Literal
}

// In holds when the field equals one of Values (Not: none of them).
type In struct {
	// Field is the field looked up.
	Field string
	// Values are the values looked for.
	Values []Literal
	// Not turns "in" into "not in".
	Not bool
}

// Contains holds when a string-set field contains Value.
type Contains struct {
	// Field is a string set.
	Field string
	// Value is the member looked for.
	Value string
}

// Exists holds when the field is set.
type Exists struct {
	Field string // the field that must have a value
}

// StartsWith holds when a string field begins with Prefix (case-sensitive).
type StartsWith struct {
	// Field is a string field.
	Field string
	// Prefix is what the value must start with (case-sensitive).
	Prefix string
}

// Within holds when a time field lies in the Last duration up to the
// profile's AsOf: AsOf − Last ≤ field ≤ AsOf.
type Within struct {
	// Field is a time field.
	Field string
	// Last is how far back from the profile's AsOf the time may lie.
	Last time.Duration
}

// RuleFields lists the fields r reads, each once, in the order they first
// appear: what a host must put in the profiles (or the table) the rule
// runs on, known before compiling it against any schema.
func RuleFields(r Rule) []string {
	var out []string
	var walk func(Rule)
	add := func(f string) {
		if !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	walk = func(r Rule) {
		switch r := r.(type) {
		case And:
			for _, k := range r.Rules {
				walk(k)
			}
		case Or:
			for _, k := range r.Rules {
				walk(k)
			}
		case Not:
			walk(r.Rule)
		case Compare:
			add(r.Field)
		case Between:
			add(r.Field)
		case In:
			add(r.Field)
		case Contains:
			add(r.Field)
		case Exists:
			add(r.Field)
		case StartsWith:
			add(r.Field)
		case Within:
			add(r.Field)
		}
	}
	walk(r)
	return out
}

func (And) isRule()        {}
func (Or) isRule()         {}
func (Not) isRule()        {}
func (Compare) isRule()    {}
func (Between) isRule()    {}
func (In) isRule()         {}
func (Contains) isRule()   {}
func (Exists) isRule()     {}
func (StartsWith) isRule() {}
func (Within) isRule()     {}

// Literal is a typed constant in a rule: a Number, String, Bool, Time (UTC)
// or Duration.
type Literal struct {
	// Type says which of the other fields holds the value.
	Type Type
	// Num holds a number.
	Num float64
	// Str holds a string.
	Str string
	// Bool holds a bool.
	Bool bool
	// Time holds a time (UTC).
	Time time.Time
	// Dur holds a duration.
	Dur time.Duration
}

// Num makes a number literal.
func Num(v float64) Literal { return Literal{Type: Number, Num: v} }

// Str makes a string literal.
func Str(s string) Literal { return Literal{Type: String, Str: s} }

// BoolLit makes a bool literal.
func BoolLit(b bool) Literal { return Literal{Type: Bool, Bool: b} }

// TimeLit makes a time literal, in UTC.
func TimeLit(t time.Time) Literal { return Literal{Type: Time, Time: t.UTC()} }

// Dur makes a duration literal.
func Dur(d time.Duration) Literal { return Literal{Type: Duration, Dur: d} }

// number is the literal as a slot number: seconds for times and durations.
func (l Literal) number() float64 {
	switch l.Type {
	case Time:
		return timeSeconds(l.Time)
	case Duration:
		return l.Dur.Seconds()
	case Bool:
		if l.Bool {
			return 1
		}
		return 0
	}
	return l.Num
}

// String prints the literal as the text syntax writes it: 3.5, "text"
// (Go quoting), true, @2024-01-31T00:00:00Z, 30d.
func (l Literal) String() string {
	switch l.Type {
	case Number:
		return strconv.FormatFloat(l.Num, 'g', -1, 64)
	case String:
		return strconv.Quote(l.Str)
	case Bool:
		return strconv.FormatBool(l.Bool)
	case Time:
		return "@" + l.Time.UTC().Format(time.RFC3339Nano)
	case Duration:
		return formatDuration(l.Dur)
	}
	return "<invalid literal>"
}

// formatDuration writes d in the largest unit that divides it: w, d, h, m,
// s, ms or ns, so that it reads back exactly.
func formatDuration(d time.Duration) string {
	for _, u := range durationUnits {
		if d%u.d == 0 {
			return strconv.FormatInt(int64(d/u.d), 10) + u.name
		}
	}
	return strconv.FormatInt(int64(d), 10) + "ns" // not reached: ns divides everything
}

var durationUnits = []struct {
	name string
	d    time.Duration
}{{"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"ns", 1}}

func (r And) String() string { return ruleText(r) }
func (r Or) String() string  { return ruleText(r) }
func (r Not) String() string { return ruleText(r) }

// ruleText prints a rule into one buffer, so that printing takes time in
// proportion to the rule's size however deeply it nests.
func ruleText(r Rule) string {
	var b strings.Builder
	writeRule(&b, r)
	return b.String()
}

// writeRule prints a rule, parenthesising nested groups so that the text
// parses back to the same tree. An empty group (or a nil rule) prints as
// "()", which does not parse: Compile refuses them too.
func writeRule(b *strings.Builder, r Rule) {
	group := func(rules []Rule, sep string) {
		if len(rules) == 0 {
			b.WriteString("()")
			return
		}
		for i, k := range rules {
			if i > 0 {
				b.WriteString(sep)
			}
			writeNested(b, k)
		}
	}
	switch r := r.(type) {
	case And:
		group(r.Rules, " and ")
	case Or:
		group(r.Rules, " or ")
	case Not:
		b.WriteString("not ")
		writeNested(b, r.Rule)
	case nil:
		b.WriteString("()")
	default:
		b.WriteString(r.String())
	}
}

// writeNested prints a rule inside another, in parentheses if it is a group.
func writeNested(b *strings.Builder, r Rule) {
	switch r.(type) {
	case And, Or:
		b.WriteByte('(')
		writeRule(b, r)
		b.WriteByte(')')
	default:
		writeRule(b, r)
	}
}

// MaxDepth is how deeply And, Or and Not may nest in a rule: a condition
// has depth 0, and each group or negation around it adds one. Parse,
// UnmarshalRule, MarshalRule, Compile and ToSQL refuse deeper rules with an
// error naming this limit, so that no stored rule can exhaust a host's
// stack or time.
const MaxDepth = 100

// tooDeep says whether r nests deeper than MaxDepth below the level groups
// above it; it looks no deeper than the limit.
func tooDeep(r Rule, level int) bool {
	switch r := r.(type) {
	case And:
		return level+1 > MaxDepth || slices.ContainsFunc(r.Rules, func(k Rule) bool { return tooDeep(k, level+1) })
	case Or:
		return level+1 > MaxDepth || slices.ContainsFunc(r.Rules, func(k Rule) bool { return tooDeep(k, level+1) })
	case Not:
		return level+1 > MaxDepth || tooDeep(r.Rule, level+1)
	}
	return false
}

func (r Compare) String() string { return r.Field + " " + string(r.Op) + " " + r.Value.String() }
func (r Between) String() string {
	return r.Field + " between " + r.Low.String() + " and " + r.High.String()
}

func (r In) String() string {
	parts := make([]string, len(r.Values))
	for i, v := range r.Values {
		parts[i] = v.String()
	}
	op := " in ("
	if r.Not {
		op = " not in ("
	}
	return r.Field + op + strings.Join(parts, ", ") + ")"
}

func (r Contains) String() string   { return r.Field + " contains " + strconv.Quote(r.Value) }
func (r Exists) String() string     { return r.Field + " exists" }
func (r StartsWith) String() string { return r.Field + " starts_with " + strconv.Quote(r.Prefix) }
func (r Within) String() string     { return r.Field + " within " + formatDuration(r.Last) }
