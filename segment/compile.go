package segment

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/suggest"
)

// Truth is a three-valued result: a condition on a missing field is
// Unknown, as NULL is in SQL.
type Truth uint8

// Truth values.
const (
	False Truth = iota
	True
	Unknown
)

func (t Truth) String() string {
	return [...]string{"false", "true", "unknown"}[t]
}

type opcode uint8

const (
	opAnd opcode = iota
	opOr
	opNot
	opCmp      // number, time, duration: six comparisons
	opStrEq    // string = or != (not)
	opBoolEq   // bool = or != (not)
	opBetween  // a ≤ v ≤ b
	opInNum    // v in nums (not: not in)
	opInStr    // v in strs
	opContains // set contains s
	opExists
	opPrefix
	opWithin // asOf − a ≤ v ≤ asOf
	opConst  // empty in-list: result fixed
)

// node is one compiled rule node. Groups list their children in kids.
type node struct {
	op     opcode
	cmp    Op
	not    bool
	result Truth // opConst
	slot   int32 // the field's place in a profile: in strs when str, else nums
	str    bool
	a, b   float64
	lo, hi float64 // opCmp and opBetween: the interval the value must (not: must not) be in
	s      string
	strs   []string
	nums   []float64
	kids   []int32
	leaf   int32 // index among the leaves, for Explain
}

// Matcher is a compiled rule, type-checked against a schema and ready to
// match. It is safe for concurrent use.
type Matcher struct {
	rule   Rule
	schema *Schema
	nodes  []node
	root   int32
	leaves []Clause
	// conjunction is the rule as conditions that must all hold, when it
	// is an and of simple conditions (see conjunctionOf): Match tests them
	// in a loop and stops at the first that does not hold — a missing
	// field included, which makes the and Unknown or False, not True.
	conjunction []cond
	// flat is opAnd or opOr when the rule is a group of conditions only,
	// which ExplainTo decides from the conditions' results.
	flat opcode
	// bound holds the rule compiled for other schemas whose profiles it
	// has met, at most maxBound of them (copy on write).
	bound atomic.Pointer[[]binding]
}

// binding is the matcher for profiles of another schema, or why there is
// none.
type binding struct {
	schema *Schema
	m      *Matcher
	err    error
}

// maxBound is how many other schemas a matcher remembers; beyond it, each
// profile of yet another schema is bound afresh.
const maxBound = 16

// Bind returns the matcher of the same rule for profiles of schema s: m
// itself when s has the same fields in the same order, otherwise the rule
// compiled against s, where fields are found by name. It fails with a
// *CompileError when s lacks a field the rule reads or has it with
// another type. Match, Eval and Explain bind by themselves the first time
// they meet a profile of another schema; Bind says up front whether that
// will work.
func (m *Matcher) Bind(s *Schema) (*Matcher, error) {
	if s == nil {
		return nil, fmt.Errorf("segment: bind: nil schema: %w", crm.ErrInvalid)
	}
	if sameLayout(m.schema, s) {
		return m, nil
	}
	b, err := Compile(m.rule, s)
	if err != nil {
		return nil, fmt.Errorf("segment: rule %q on profiles of another schema: %w", m.rule, err)
	}
	return b, nil
}

// forSchema returns the matcher for profiles of s, nil with the reason when
// the rule cannot read them.
func (m *Matcher) forSchema(s *Schema) (*Matcher, error) {
	if s == m.schema {
		return m, nil
	}
	cur := m.bound.Load()
	if cur != nil {
		for _, b := range *cur {
			if b.schema == s {
				return b.m, b.err
			}
		}
	}
	bm, err := m.Bind(s)
	for cur != nil && len(*cur) < maxBound || cur == nil {
		next := append(slices.Clone(deref(cur)), binding{schema: s, m: bm, err: err})
		if m.bound.CompareAndSwap(cur, &next) {
			break
		}
		cur = m.bound.Load()
	}
	return bm, err
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

// Clause describes one condition of a compiled rule, in source order.
type Clause struct {
	// Text is the condition as written ("recency_days <= 30").
	Text string `json:"text"`
	// Field is the field it reads.
	Field string `json:"field"`
	// Type is the field's type.
	Type Type `json:"type"`
}

// CompileError lists every problem Compile found.
type CompileError struct {
	// Problems are every problem found, each naming its field.
	Problems []*crm.FieldError
}

func (e *CompileError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.Error()
	}
	return "segment: compile: " + strings.Join(parts, "; ")
}

// Unwrap returns crm.ErrInvalid.
func (e *CompileError) Unwrap() error { return crm.ErrInvalid }

// Compile type-checks a rule against a schema and prepares it for
// matching. It reports every problem at once in a *CompileError: unknown
// fields (with the closest known name), operators that do not apply to the
// field's type, values of the wrong type, empty groups and empty ranges.
//
// Which operators apply: numbers, times and durations take the six
// comparisons and between (numbers also in / not in); strings take = and
// !=, in / not in and starts_with; bools take = and !=; string sets take
// contains; within takes a time field and a positive duration; exists
// takes any field. Rules nested deeper than MaxDepth are refused, and so
// are strings that are not valid UTF-8 or hold a NUL byte (no database
// text column can hold them).
func Compile(rule Rule, schema *Schema) (*Matcher, error) {
	c := &compiler{m: &Matcher{rule: rule, schema: schema}}
	switch {
	case schema == nil:
		c.problem("schema", "no schema (DefaultSchema() describes the profiles of Profiles)")
	case rule == nil:
		c.problem("rule", "no rule")
	case tooDeep(rule, 0):
		c.problem("rule", "nested deeper than segment.MaxDepth (%d)", MaxDepth)
	default:
		c.m.root = c.compile(rule)
	}
	if len(c.problems) > 0 {
		return nil, &CompileError{Problems: c.problems}
	}
	c.m.conjunction = conjunctionOf(c.m.nodes, c.m.root)
	for i := range c.m.conjunction {
		c.m.conjunction[i].typ = c.m.leaves[c.m.conjunction[i].leaf].Type
	}
	c.m.flat = flatOf(c.m.nodes, c.m.root)
	return c.m, nil
}

// cond is a condition of a conjunction as Match tests it: a number in
// [lo, hi] (every comparison but != is an interval: v < a is v ≤ the float
// before a), or a string among strs.
type cond struct {
	slot   int32
	str    bool
	lo, hi float64
	strs   []string
	leaf   int32 // the condition's index among the rule's clauses
	typ    Type  // its field's
}

// conjunctionOf is the rule as conditions that must all hold, when it is
// an and of numeric comparisons, ranges, string equalities and string
// in-lists (the shape of most segment rules); nil otherwise.
func conjunctionOf(nodes []node, root int32) []cond {
	r := &nodes[root]
	if r.op != opAnd {
		return nil
	}
	out := make([]cond, 0, len(r.kids))
	for _, k := range r.kids {
		n := &nodes[k]
		c := cond{slot: n.slot, lo: math.Inf(-1), hi: math.Inf(1), leaf: n.leaf}
		switch {
		case (n.op == opCmp || n.op == opBetween) && !n.not:
			c.lo, c.hi = n.lo, n.hi
		case n.op == opStrEq && !n.not:
			c.str, c.strs = true, []string{n.s}
		case n.op == opInStr && !n.not:
			c.str, c.strs = true, n.strs
		default:
			return nil
		}
		out = append(out, c)
	}
	return out
}

// MustCompile is Compile for rules known to be valid, such as presets; it
// panics on error.
func MustCompile(text string, schema *Schema) *Matcher {
	r, err := Parse(text)
	if err != nil {
		panic(err)
	}
	m, err := Compile(r, schema)
	if err != nil {
		panic(err)
	}
	return m
}

type compiler struct {
	m        *Matcher
	problems []*crm.FieldError
}

func (c *compiler) problem(field, format string, args ...any) {
	c.problems = append(c.problems, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
}

func (c *compiler) add(n node) int32 {
	c.m.nodes = append(c.m.nodes, n)
	return int32(len(c.m.nodes) - 1)
}

func (c *compiler) group(op opcode, name string, rules []Rule) int32 {
	if len(rules) == 0 {
		c.problem(name, "an empty group")
	}
	kids := make([]int32, 0, len(rules))
	for _, r := range rules {
		kids = append(kids, c.compile(r))
	}
	return c.add(node{op: op, kids: kids})
}

// field resolves a field and checks its type is among allowed.
func (c *compiler) field(name, clause string, allowed ...Type) (int32, Type, bool) {
	i, ok := c.m.schema.index[name]
	if !ok {
		if s := c.m.schema.suggest(name); s != "" {
			c.problem(name, "unknown field in %q; did you mean %q?", clause, s)
		} else {
			c.problem(name, "unknown field in %q", clause)
		}
		return 0, 0, false
	}
	t := c.m.schema.fields[i].Type
	if len(allowed) > 0 && !slices.Contains(allowed, t) {
		c.problem(name, "%q: the operator does not apply to a %s field", clause, t)
		return int32(i), t, false
	}
	return int32(i), t, true
}

func (c *compiler) literal(field string, t Type, l Literal, clause string) bool {
	if l.Type != t {
		c.problem(field, "%q: %s is a %s, the field is a %s", clause, l, typeName(l.Type), t)
		return false
	}
	if l.Type == Number && (math.IsNaN(l.Num) || math.IsInf(l.Num, 0)) {
		c.problem(field, "%q: %v is not a finite number", clause, l.Num)
		return false
	}
	if l.Type == String {
		return c.text(field, l.Str, clause)
	}
	return true
}

// text checks a string a rule compares with: databases cannot hold a NUL
// byte or bytes that are not UTF-8 in a text column, so such a literal
// would mean one thing in memory and another in SQL.
func (c *compiler) text(field, s, clause string) bool {
	switch {
	case !utf8.ValidString(s):
		c.problem(field, "%q: the string is not valid UTF-8", clause)
		return false
	case strings.IndexByte(s, 0) >= 0:
		c.problem(field, "%q: the string holds a NUL byte", clause)
		return false
	}
	return true
}

func typeName(t Type) string {
	if t == 0 {
		return "missing value"
	}
	return t.String()
}

func (c *compiler) leaf(n node, field string, t Type, text string) int32 {
	if i, ok := c.m.schema.index[field]; ok {
		n.slot, n.str = c.m.schema.pos[i], t == String
	}
	switch n.op {
	case opCmp: // every comparison is an interval: v < a is v ≤ the float before a
		n.lo, n.hi = math.Inf(-1), math.Inf(1)
		switch n.cmp {
		case Eq:
			n.lo, n.hi = n.a, n.a
		case Ne:
			n.lo, n.hi, n.not = n.a, n.a, true
		case Lt:
			n.hi = math.Nextafter(n.a, math.Inf(-1))
		case Le:
			n.hi = n.a
		case Gt:
			n.lo = math.Nextafter(n.a, math.Inf(1))
		default:
			n.lo = n.a
		}
	case opBetween:
		n.lo, n.hi = n.a, n.b
	}
	n.leaf = int32(len(c.m.leaves))
	c.m.leaves = append(c.m.leaves, Clause{Text: text, Field: field, Type: t})
	return c.add(n)
}

func (c *compiler) compile(r Rule) int32 {
	switch r := r.(type) {
	case And:
		return c.group(opAnd, "and", r.Rules)
	case Or:
		return c.group(opOr, "or", r.Rules)
	case Not:
		if r.Rule == nil {
			c.problem("not", "nothing to negate")
			return c.add(node{op: opConst, result: Unknown})
		}
		kid := c.compile(r.Rule)
		return c.add(node{op: opNot, kids: []int32{kid}})
	case Compare:
		text := r.String()
		slot, t, ok := c.field(r.Field, text, Number, Time, Duration, String, Bool)
		if !ok {
			return c.leaf(node{}, r.Field, t, text)
		}
		if !c.literal(r.Field, t, r.Value, text) {
			return c.leaf(node{}, r.Field, t, text)
		}
		switch t {
		case String, Bool:
			if r.Op != Eq && r.Op != Ne {
				c.problem(r.Field, "%q: a %s field takes = and != only, not %s", text, t, r.Op)
			}
			op := opStrEq
			if t == Bool {
				op = opBoolEq
			}
			return c.leaf(node{op: op, slot: slot, not: r.Op == Ne, s: r.Value.Str, a: r.Value.number()}, r.Field, t, text)
		}
		switch r.Op {
		case Eq, Ne, Lt, Le, Gt, Ge:
		default:
			c.problem(r.Field, "%q: unknown operator %q", text, r.Op)
		}
		return c.leaf(node{op: opCmp, cmp: r.Op, slot: slot, a: r.Value.number()}, r.Field, t, text)
	case Between:
		text := r.String()
		slot, t, ok := c.field(r.Field, text, Number, Time, Duration)
		if ok && c.literal(r.Field, t, r.Low, text) && c.literal(r.Field, t, r.High, text) && r.Low.number() > r.High.number() {
			c.problem(r.Field, "%q: empty range, %s is above %s", text, r.Low, r.High)
		}
		return c.leaf(node{op: opBetween, slot: slot, a: r.Low.number(), b: r.High.number()}, r.Field, t, text)
	case In:
		text := r.String()
		slot, t, ok := c.field(r.Field, text, Number, String)
		if !ok {
			return c.leaf(node{}, r.Field, t, text)
		}
		n := node{op: opInNum, slot: slot, not: r.Not}
		if t == String {
			n.op = opInStr
		}
		for _, v := range r.Values {
			if !c.literal(r.Field, t, v, text) {
				continue
			}
			n.nums = append(n.nums, v.Num)
			n.strs = append(n.strs, v.Str)
		}
		if len(r.Values) == 0 {
			// An empty list: "in ()" is false and "not in ()" true, even
			// for a missing field, as the SQL form (1 = 0, 1 = 1) is.
			n.op, n.result = opConst, False
			if r.Not {
				n.result = True
			}
		}
		return c.leaf(n, r.Field, t, text)
	case Contains:
		text := r.String()
		slot, t, _ := c.field(r.Field, text, StringSet)
		c.text(r.Field, r.Value, text)
		return c.leaf(node{op: opContains, slot: slot, s: r.Value}, r.Field, t, text)
	case Exists:
		text := r.String()
		slot, t, _ := c.field(r.Field, text)
		return c.leaf(node{op: opExists, slot: slot}, r.Field, t, text)
	case StartsWith:
		text := r.String()
		slot, t, _ := c.field(r.Field, text, String)
		c.text(r.Field, r.Prefix, text)
		return c.leaf(node{op: opPrefix, slot: slot, s: r.Prefix}, r.Field, t, text)
	case Within:
		text := r.String()
		slot, t, _ := c.field(r.Field, text, Time)
		if r.Last <= 0 {
			c.problem(r.Field, "%q: the duration must be positive", text)
		}
		return c.leaf(node{op: opWithin, slot: slot, a: r.Last.Seconds()}, r.Field, t, text)
	case nil:
		c.problem("rule", "an empty rule inside a group")
		return c.add(node{op: opConst, result: Unknown})
	}
	c.problem("rule", "unknown rule type %T", r)
	return c.add(node{op: opConst, result: Unknown})
}

// suggest returns the known field nearest to name, or "".
func (s *Schema) suggest(name string) string {
	names := make([]string, len(s.fields))
	for i, f := range s.fields {
		names[i] = f.Name
	}
	return suggest.Nearest(name, names)
}

// Rule returns the rule the matcher was compiled from.
func (m *Matcher) Rule() Rule { return m.rule }

// Schema returns the schema the matcher was compiled against.
func (m *Matcher) Schema() *Schema { return m.schema }

// Clauses lists the rule's conditions in source order, as Explain reports
// them.
func (m *Matcher) Clauses() []Clause { return slices.Clone(m.leaves) }

// Match reports whether the profile satisfies the rule: whether it
// evaluates to True under three-valued logic, where a condition on a
// missing field is Unknown (except exists, and in / not in with an empty
// list), "not Unknown" is Unknown, "and" is False if any part is False and
// "or" True if any part is True. A profile of another schema is read by
// field name (see Bind); one whose schema lacks a field the rule reads, or
// has it with another type, never matches — Bind and Check say why.
func (m *Matcher) Match(p *Profile) bool {
	if p != nil && p.schema == m.schema {
		if m.conjunction != nil {
			nums := p.nums
			for i := range m.conjunction {
				c := &m.conjunction[i]
				if !c.str {
					if v := nums[c.slot]; !(v >= c.lo && v <= c.hi) { // NaN, missing, fails
						return false
					}
				} else if !p.hasStr(c.slot) || !slices.Contains(c.strs, p.strs[c.slot]) {
					return false
				}
			}
			return true
		}
		return m.eval(m.root, p, nil) == True
	}
	return m.Eval(p) == True
}

// Eval returns the rule's three-valued result for the profile: Unknown
// for a profile whose schema the rule cannot read (see Check).
func (m *Matcher) Eval(p *Profile) Truth {
	switch {
	case p == nil:
		return Unknown
	case p.schema == m.schema:
		return m.eval(m.root, p, nil)
	}
	mm, err := m.forSchema(p.schema)
	if err != nil {
		return Unknown
	}
	return mm.eval(mm.root, p, nil)
}

// Check returns nil when the rule can read profiles like p, and otherwise
// the *CompileError that says which field is missing or of another type.
func (m *Matcher) Check(p *Profile) error {
	if p == nil {
		return fmt.Errorf("segment: check: nil profile: %w", crm.ErrInvalid)
	}
	_, err := m.forSchema(p.schema)
	return err
}

// eval is node i's result for p; done, when not nil, holds every
// condition's result already (ExplainTo's), which eval then takes
// instead of reading p again.
func (m *Matcher) eval(i int32, p *Profile, done []ClauseResult) Truth {
	n := &m.nodes[i]
	switch n.op {
	case opAnd, opOr:
		// One part equal to the dominant value decides the group (False
		// for and, True for or); otherwise any Unknown makes it Unknown.
		dominant, res := False, True
		if n.op == opOr {
			dominant, res = True, False
		}
		for _, k := range n.kids {
			switch m.eval(k, p, done) {
			case dominant:
				return dominant
			case Unknown:
				res = Unknown
			}
		}
		return res
	case opNot:
		switch m.eval(n.kids[0], p, done) {
		case True:
			return False
		case False:
			return True
		}
		return Unknown
	}
	if done != nil {
		return done[n.leaf].Result
	}
	return n.test(p)
}

// test evaluates a condition.
func (n *node) test(p *Profile) Truth {
	switch n.op {
	case opConst:
		return n.result
	case opExists:
		return truth(n.has(p))
	}
	if !n.has(p) {
		return Unknown
	}
	var v float64
	var s string
	if n.str {
		s = p.strs[n.slot]
	} else {
		v = p.nums[n.slot]
	}
	switch n.op {
	case opCmp, opBetween: // v is a number, never NaN
		return truth((v >= n.lo && v <= n.hi) != n.not)
	case opBoolEq:
		return truth((v == n.a) != n.not)
	case opStrEq:
		return truth((s == n.s) != n.not)
	case opInNum:
		return truth(slices.Contains(n.nums, v) != n.not)
	case opInStr:
		return truth(slices.Contains(n.strs, s) != n.not)
	case opContains:
		return truth(slices.Contains(p.set(n.slot), n.s))
	case opPrefix:
		return truth(strings.HasPrefix(s, n.s))
	case opWithin:
		now := timeSeconds(p.AsOf)
		return truth(v >= now-n.a && v <= now)
	}
	return Unknown
}

// has reports whether the condition's field is set in p.
func (n *node) has(p *Profile) bool {
	if n.str {
		return p.hasStr(n.slot)
	}
	return !math.IsNaN(p.nums[n.slot])
}

func truth(b bool) Truth {
	if b {
		return True
	}
	return False
}

// Value is the value a condition read from a profile, for explanations.
type Value struct {
	// Missing is set when the profile has no value for the field.
	Missing bool `json:"missing,omitempty"`
	// Type is the field's type.
	Type Type    `json:"type"`
	Num  float64 `json:"num,omitempty"` // numbers; times as Unix seconds; durations as seconds
	// Str holds a string.
	Str string `json:"str,omitempty"`
	// Set holds a string set's members: the profile's own slice, which
	// other profiles may share (Profiles makes a set of categories once
	// for every customer who has it). Read it; copy it to change it.
	Set []string `json:"set,omitempty"`
}

// String formats the value as a rule would write it, or "missing".
func (v Value) String() string {
	if v.Missing {
		return "missing"
	}
	switch v.Type {
	case Number:
		return strconv.FormatFloat(v.Num, 'g', -1, 64)
	case String:
		return strconv.Quote(v.Str)
	case Bool:
		return strconv.FormatBool(v.Num != 0)
	case Time:
		return "@" + secondsTime(v.Num).Format(time.RFC3339Nano)
	case Duration:
		return formatDuration(time.Duration(v.Num * float64(time.Second)))
	case StringSet:
		q := make([]string, len(v.Set))
		for i, s := range v.Set {
			q[i] = strconv.Quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	return "?"
}

// ClauseResult is one condition's result and the value it read.
type ClauseResult struct {
	// Clause is the condition.
	Clause Clause `json:"clause"`
	// Result is its three-valued result for the profile.
	Result Truth `json:"result"`
	// Value is what it read.
	Value Value `json:"value"`
}

// Explanation says why a profile is in or out: the overall result and each
// condition's result with the value it read, in source order. Every
// condition is evaluated, even those the match would skip.
type Explanation struct {
	// Result is the rule's three-valued result.
	Result Truth `json:"result"`
	// Matched is whether the rule matched (Result is True).
	Matched bool `json:"matched"`
	// Clauses are each condition's result, in source order.
	Clauses []ClauseResult `json:"clauses"`
}

// Explain says how the rule reads p: each condition's result and the
// value it read, in source order, and the rule's result. For a profile the
// rule cannot read (see Check) every condition is Unknown.
func (m *Matcher) Explain(p *Profile) Explanation {
	var out Explanation
	m.ExplainTo(p, &out)
	return out
}

// ExplainTo is Explain into e, reusing e.Clauses when it has room: a host
// explaining customer after customer allocates nothing after the first.
// Each condition reads the profile once; the rule's result is worked out
// from theirs.
func (m *Matcher) ExplainTo(p *Profile, e *Explanation) {
	if n := len(m.leaves); cap(e.Clauses) >= n {
		e.Clauses = e.Clauses[:n]
	} else {
		e.Clauses = make([]ClauseResult, n)
	}
	var mm *Matcher
	err := crm.ErrInvalid
	if p != nil {
		mm, err = m.forSchema(p.schema)
	}
	if err != nil {
		e.Result, e.Matched = Unknown, false
		for i := range e.Clauses {
			e.Clauses[i] = ClauseResult{Clause: m.leaves[i], Result: Unknown, Value: Value{Missing: true}}
		}
		return
	}
	m = mm
	if m.conjunction != nil {
		m.explainConjunction(p, e)
		return
	}
	// Read every condition's field first, with nothing depending on what
	// was read: on a wide profile each is a cache line of its own, and the
	// processor fetches them side by side instead of one after another.
	seen := false
	for i := range m.nodes {
		if n := &m.nodes[i]; n.op >= opCmp {
			seen = seen != n.has(p)
		}
	}
	e.Matched = seen          // overwritten below
	var saw [Unknown + 1]bool // the results met
	for i := range m.nodes {
		n := &m.nodes[i]
		if n.op < opCmp {
			continue
		}
		cr := &e.Clauses[n.leaf]
		cr.Clause = m.leaves[n.leaf]
		has := n.has(p)
		switch {
		case !has:
			cr.Value = Value{Missing: true, Type: cr.Clause.Type}
		case n.str:
			cr.Value = Value{Type: String, Str: p.strs[n.slot]}
		case cr.Clause.Type == StringSet:
			cr.Value = Value{Type: StringSet, Set: p.set(n.slot)}
		default:
			cr.Value = Value{Type: cr.Clause.Type, Num: p.nums[n.slot]}
		}
		switch {
		case has && (n.op == opCmp || n.op == opBetween): // test's case, inline
			cr.Result = truth((cr.Value.Num >= n.lo && cr.Value.Num <= n.hi) != n.not)
		case has || n.op == opExists || n.op == opConst:
			cr.Result = n.test(p)
		default:
			cr.Result = Unknown
		}
		saw[cr.Result] = true
	}
	switch m.flat {
	case opAnd: // False if any part is, else Unknown if any part is
		e.Result = True
		if saw[False] {
			e.Result = False
		} else if saw[Unknown] {
			e.Result = Unknown
		}
	case opOr:
		e.Result = False
		if saw[True] {
			e.Result = True
		} else if saw[Unknown] {
			e.Result = Unknown
		}
	default:
		e.Result = m.eval(m.root, p, e.Clauses)
	}
	e.Matched = e.Result == True
}

// explainConjunction is ExplainTo for a rule Match tests as a
// conjunction, in one pass over its conditions.
func (m *Matcher) explainConjunction(p *Profile, e *Explanation) {
	res := True
	for i := range m.conjunction {
		c := &m.conjunction[i]
		cr := &e.Clauses[c.leaf]
		cr.Clause = m.leaves[c.leaf]
		var ok, has bool
		if c.str {
			if has = p.hasStr(c.slot); has {
				s := p.strs[c.slot]
				cr.Value = Value{Type: String, Str: s}
				ok = slices.Contains(c.strs, s)
			}
		} else {
			v := p.nums[c.slot]
			if has = v == v; has { // not NaN
				cr.Value = Value{Type: c.typ, Num: v}
				ok = v >= c.lo && v <= c.hi
			}
		}
		switch {
		case !has:
			cr.Value, cr.Result = Value{Missing: true, Type: c.typ}, Unknown
			if res == True {
				res = Unknown
			}
		case ok:
			cr.Result = True
		default:
			cr.Result, res = False, False
		}
	}
	e.Result, e.Matched = res, res == True
}

// flatOf is the root's operator when the rule is an and, or an or, of
// conditions only (its result then follows from which results its
// conditions had); opConst otherwise.
func flatOf(nodes []node, root int32) opcode {
	r := &nodes[root]
	if r.op != opAnd && r.op != opOr {
		return opConst
	}
	for _, k := range r.kids {
		if nodes[k].op < opCmp {
			return opConst
		}
	}
	return r.op
}

// Fields lists the fields the rule reads, without repeats, in source order.
func (m *Matcher) Fields() []string { return RuleFields(m.rule) }
