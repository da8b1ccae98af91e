package segment

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// MarshalRule encodes a rule in its JSON form, which is stable and meant
// for UI builders and storage:
//
//	{"and": [rule, …]}   {"or": [rule, …]}   {"not": rule}
//	{"field": "recency_days", "op": "<=", "value": 30}          (=, !=, <, <=, >, >=)
//	{"field": "monetary", "op": "between", "values": [100, 500]}
//	{"field": "country", "op": "in", "values": ["CN", "US"]}     ("not_in" too)
//	{"field": "tags", "op": "contains", "value": "vip"}
//	{"field": "region", "op": "starts_with", "value": "North"}
//	{"field": "account_manager", "op": "exists"}
//	{"field": "last_purchase", "op": "within", "value": {"duration": "30d"}}
//
// Values are JSON numbers, strings and booleans; times are
// {"time": "2024-01-31T00:00:00Z"} and durations {"duration": "30d"}.
// A rule nested deeper than MaxDepth is refused, as UnmarshalRule would
// refuse its JSON.
func MarshalRule(r Rule) ([]byte, error) {
	if tooDeep(r, 0) {
		return nil, fmt.Errorf("segment: marshal: the rule is nested deeper than segment.MaxDepth (%d): %w", MaxDepth, crm.ErrInvalid)
	}
	v, err := ruleJSON(r)
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

func ruleJSON(r Rule) (any, error) {
	group := func(key string, rules []Rule) (any, error) {
		out := make([]any, len(rules))
		for i, x := range rules {
			v, err := ruleJSON(x)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return map[string]any{key: out}, nil
	}
	switch r := r.(type) {
	case And:
		return group("and", r.Rules)
	case Or:
		return group("or", r.Rules)
	case Not:
		v, err := ruleJSON(r.Rule)
		return map[string]any{"not": v}, err
	case Compare:
		return map[string]any{"field": r.Field, "op": string(r.Op), "value": literalJSON(r.Value)}, nil
	case Between:
		return map[string]any{"field": r.Field, "op": "between", "values": []any{literalJSON(r.Low), literalJSON(r.High)}}, nil
	case In:
		vals := make([]any, len(r.Values))
		for i, v := range r.Values {
			vals[i] = literalJSON(v)
		}
		op := "in"
		if r.Not {
			op = "not_in"
		}
		return map[string]any{"field": r.Field, "op": op, "values": vals}, nil
	case Contains:
		return map[string]any{"field": r.Field, "op": "contains", "value": r.Value}, nil
	case StartsWith:
		return map[string]any{"field": r.Field, "op": "starts_with", "value": r.Prefix}, nil
	case Exists:
		return map[string]any{"field": r.Field, "op": "exists"}, nil
	case Within:
		return map[string]any{"field": r.Field, "op": "within", "value": map[string]string{"duration": formatDuration(r.Last)}}, nil
	}
	return nil, fmt.Errorf("segment: marshal: unknown rule type %T: %w", r, crm.ErrInvalid)
}

func literalJSON(l Literal) any {
	switch l.Type {
	case Number:
		return l.Num
	case String:
		return l.Str
	case Bool:
		return l.Bool
	case Time:
		return map[string]string{"time": l.Time.UTC().Format(time.RFC3339Nano)}
	case Duration:
		return map[string]string{"duration": formatDuration(l.Dur)}
	}
	return nil
}

// UnmarshalRule decodes a rule's JSON form, refusing unknown keys and
// operators, null values and rules nested deeper than MaxDepth, with the
// JSON path of the problem. The input is read once, so decoding takes
// time in proportion to its size.
func UnmarshalRule(data []byte) (Rule, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonErr("$", "not JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, jsonErr("$", "more than one JSON value")
	}
	return decodeRule(v, "$", 0)
}

func jsonErr(path, format string, args ...any) error {
	return fmt.Errorf("segment: rule JSON at %s: %s: %w", path, fmt.Sprintf(format, args...), crm.ErrInvalid)
}

func decodeRule(v any, path string, depth int) (Rule, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, jsonErr(path, "want an object")
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	only := func(allowed ...string) error {
		for _, k := range keys {
			if !slices.Contains(allowed, k) {
				return jsonErr(path, "unknown key %q (allowed: %s)", k, strings.Join(allowed, ", "))
			}
		}
		return nil
	}
	_, and := obj["and"]
	_, or := obj["or"]
	_, not := obj["not"]
	if (and || or || not) && depth >= MaxDepth {
		return nil, jsonErr(path, "nested deeper than segment.MaxDepth (%d)", MaxDepth)
	}
	for _, g := range []string{"and", "or"} {
		raw, ok := obj[g]
		if !ok {
			continue
		}
		if err := only(g); err != nil {
			return nil, err
		}
		items, ok := raw.([]any)
		if !ok {
			return nil, jsonErr(path+"."+g, "want an array of rules")
		}
		rules := make([]Rule, len(items))
		for i, it := range items {
			r, err := decodeRule(it, fmt.Sprintf("%s.%s[%d]", path, g, i), depth+1)
			if err != nil {
				return nil, err
			}
			rules[i] = r
		}
		if g == "and" {
			return And{Rules: rules}, nil
		}
		return Or{Rules: rules}, nil
	}
	if not {
		if err := only("not"); err != nil {
			return nil, err
		}
		r, err := decodeRule(obj["not"], path+".not", depth+1)
		if err != nil {
			return nil, err
		}
		return Not{Rule: r}, nil
	}
	field, _ := obj["field"].(string)
	if field == "" {
		return nil, jsonErr(path, `want "and", "or", "not", or a condition with a "field" string`)
	}
	op, ok := obj["op"].(string)
	if !ok {
		return nil, jsonErr(path, `want an "op" string`)
	}
	value := func() (Literal, error) {
		raw, ok := obj["value"]
		if !ok {
			return Literal{}, jsonErr(path+".value", "missing value")
		}
		return decodeLiteral(raw, path+".value")
	}
	values := func() ([]Literal, error) {
		items, ok := obj["values"].([]any)
		if !ok {
			return nil, jsonErr(path+".values", "want an array of values")
		}
		out := make([]Literal, len(items))
		for i, it := range items {
			l, err := decodeLiteral(it, fmt.Sprintf("%s.values[%d]", path, i))
			if err != nil {
				return nil, err
			}
			out[i] = l
		}
		return out, nil
	}
	str := func() (string, error) {
		s, ok := obj["value"].(string)
		if !ok {
			return "", jsonErr(path+".value", "want a string")
		}
		return s, nil
	}
	switch op {
	case "=", "!=", "<", "<=", ">", ">=":
		if err := only("field", "op", "value"); err != nil {
			return nil, err
		}
		v, err := value()
		if err != nil {
			return nil, err
		}
		return Compare{Field: field, Op: Op(op), Value: v}, nil
	case "between":
		if err := only("field", "op", "values"); err != nil {
			return nil, err
		}
		vs, err := values()
		if err != nil {
			return nil, err
		}
		if len(vs) != 2 {
			return nil, jsonErr(path+".values", "between takes two values, got %d", len(vs))
		}
		return Between{Field: field, Low: vs[0], High: vs[1]}, nil
	case "in", "not_in":
		if err := only("field", "op", "values"); err != nil {
			return nil, err
		}
		vs, err := values()
		if err != nil {
			return nil, err
		}
		return In{Field: field, Values: vs, Not: op == "not_in"}, nil
	case "contains", "starts_with":
		if err := only("field", "op", "value"); err != nil {
			return nil, err
		}
		s, err := str()
		if err != nil {
			return nil, err
		}
		if op == "contains" {
			return Contains{Field: field, Value: s}, nil
		}
		return StartsWith{Field: field, Prefix: s}, nil
	case "exists":
		if err := only("field", "op"); err != nil {
			return nil, err
		}
		return Exists{Field: field}, nil
	case "within":
		if err := only("field", "op", "value"); err != nil {
			return nil, err
		}
		v, err := value()
		if err != nil {
			return nil, err
		}
		if v.Type != Duration {
			return nil, jsonErr(path+".value", `within takes {"duration": "30d"}`)
		}
		return Within{Field: field, Last: v.Dur}, nil
	}
	return nil, jsonErr(path+".op", "unknown operator %q", op)
}

// decodeLiteral reads one value: a number, string, bool, {"time": …} or
// {"duration": …}. JSON null is refused: a rule tests for a missing value
// with "exists", never by comparing with null.
func decodeLiteral(v any, path string) (Literal, error) {
	switch v := v.(type) {
	case nil:
		return Literal{}, jsonErr(path, `null is not a value (test for a missing field with "exists")`)
	case string:
		return Str(v), nil
	case bool:
		return BoolLit(v), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return Literal{}, jsonErr(path, "%s is not a finite number", v)
		}
		return Num(f), nil
	case map[string]any:
		if len(v) == 1 {
			if s, ok := v["time"].(string); ok {
				t, err := time.Parse(time.RFC3339Nano, s)
				if err != nil {
					return Literal{}, jsonErr(path, "time %q is not RFC 3339", s)
				}
				return TimeLit(t), nil
			}
			if s, ok := v["duration"].(string); ok {
				lx := lexer{src: s, line: 1, col: 1}
				tok, err := lx.next()
				if err != nil || tok.kind != tDuration || lx.pos != len(s) {
					return Literal{}, jsonErr(path, "duration %q is not like 30d (units ns, ms, s, m, h, d, w)", s)
				}
				return tok.lit, nil
			}
		}
		return Literal{}, jsonErr(path, `want {"time": "…"} or {"duration": "…"}`)
	}
	return Literal{}, jsonErr(path, "not a value")
}
