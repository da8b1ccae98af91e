package segment_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// TestProfileStorageAgainstAMap sets, unsets and resets the fields of a
// wide schema — 150 strings, so that some live past the first 64 whose
// presence bits sit in the profile's header, between numbers, bools,
// times, durations and sets — at random, by name and by handle, and
// checks every field after every step against a map of what was set, and
// rules on the fields against the same map.
func TestProfileStorageAgainstAMap(t *testing.T) {
	// 400 fields hold 150 strings, past the header's 64 bits; 40 hold 15.
	for _, c := range []struct{ fields, strs, late, ne, exists, num, boolean, set int }{
		{400, 150, 397, 389, 357, 305, 395, 399},
		{40, 15, 37, 29, 21, 33, 35, 39},
	} {
		t.Run(fmt.Sprint(c.fields, " fields"), func(t *testing.T) {
			testProfileStorage(t, c.fields, c.strs, c.late, c.ne, c.exists, c.num, c.boolean, c.set)
		})
	}
}

func testProfileStorage(t *testing.T, n, wantStrs, late, ne, exists, num, boolean, setField int) {
	var fields []segment.Field
	types := []segment.Type{segment.String, segment.Number, segment.String, segment.Bool, segment.Time, segment.String, segment.Duration, segment.StringSet}
	for i := range n {
		typ := types[i%len(types)]
		fields = append(fields, segment.Field{Name: fmt.Sprintf("f%d", i), Type: typ})
	}
	s, err := segment.NewSchema(fields...)
	require.NoError(t, err)
	strs := 0
	for _, f := range fields {
		if f.Type == segment.String {
			strs++
		}
	}
	require.Equal(t, wantStrs, strs)
	f := func(i int) string { return fmt.Sprint("f", i) }

	rng := rand.New(rand.NewPCG(5, 5))
	value := func(typ segment.Type) any {
		switch typ {
		case segment.String:
			return []string{"", "a", "b", "a long enough text"}[rng.IntN(4)]
		case segment.Number:
			return float64(rng.IntN(7)) - 3
		case segment.Bool:
			return rng.IntN(2) == 0
		case segment.Time:
			return time.Unix(1_700_000_000+int64(rng.IntN(1000)), 0).UTC()
		case segment.Duration:
			return time.Duration(rng.IntN(100)) * time.Second
		}
		return []string{"x", fmt.Sprint(rng.IntN(3))}
	}
	set := func(p *segment.Profile, f segment.Field, v any, byHandle bool) error {
		if byHandle {
			h, err := s.Handle(f.Name)
			require.NoError(t, err)
			switch v := v.(type) {
			case string:
				return h.SetString(p, v)
			case float64:
				return h.SetNumber(p, v)
			case bool:
				return h.SetBool(p, v)
			case time.Time:
				return h.SetTime(p, v)
			case time.Duration:
				return h.SetDuration(p, v)
			}
			return h.SetStrings(p, v.([]string))
		}
		switch v := v.(type) {
		case string:
			return p.SetString(f.Name, v)
		case float64:
			return p.SetNumber(f.Name, v)
		case bool:
			return p.SetBool(f.Name, v)
		case time.Time:
			return p.SetTime(f.Name, v)
		case time.Duration:
			return p.SetDuration(f.Name, v)
		}
		return p.SetStrings(f.Name, v.([]string))
	}

	// Rules on strings early and late, a number, a bool and a set, each
	// with its reference.
	rules := map[string]func(want map[string]any) segment.Truth{
		`f5 = "a"`: strEq("f5", "a"),
		fmt.Sprintf(`%s = "a long enough text"`, f(late)): strEq(f(late), "a long enough text"),
		fmt.Sprintf(`%s != "b"`, f(ne)): func(w map[string]any) segment.Truth {
			v, ok := w[f(ne)]
			return known(ok, ok && v != "b")
		},
		fmt.Sprintf(`%s exists`, f(exists)): func(w map[string]any) segment.Truth { _, ok := w[f(exists)]; return known(true, ok) },
		fmt.Sprintf(`%s >= 0 and %s in ("a", "")`, f(num), f(late)): func(w map[string]any) segment.Truth {
			n, nok := w[f(num)]
			s, sok := w[f(late)]
			switch {
			case nok && n.(float64) < 0, sok && s != "a" && s != "":
				return segment.False
			case !nok || !sok:
				return segment.Unknown
			}
			return segment.True
		},
		fmt.Sprintf(`%s = true or %s contains "x"`, f(boolean), f(setField)): func(w map[string]any) segment.Truth {
			b, bok := w[f(boolean)]
			set, sok := w[f(setField)]
			if bok && b.(bool) || sok && slices.Contains(set.([]string), "x") {
				return segment.True
			}
			if !bok || !sok {
				return segment.Unknown
			}
			return segment.False
		},
	}
	matchers := map[string]*segment.Matcher{}
	for text := range rules {
		matchers[text] = segment.MustCompile(text, s)
	}

	p := s.NewProfile("c1", asOf)
	want := map[string]any{}
	var e segment.Explanation
	for step := range 6000 {
		switch k := rng.IntN(40); {
		case k == 0:
			p.Reset(fmt.Sprint("c", step), asOf)
			clear(want)
		case k < 8:
			f := fields[rng.IntN(len(fields))]
			if rng.IntN(2) == 0 {
				require.NoError(t, p.Unset(f.Name))
			} else {
				h, err := s.Handle(f.Name)
				require.NoError(t, err)
				require.NoError(t, h.Unset(p))
			}
			delete(want, f.Name)
		default:
			f := fields[rng.IntN(len(fields))]
			v := value(f.Type)
			require.NoError(t, set(p, f, v, rng.IntN(2) == 0))
			want[f.Name] = v
		}
		if step%50 != 0 {
			continue
		}
		for _, f := range fields {
			got, ok := p.Get(f.Name)
			w, wok := want[f.Name]
			require.Equal(t, wok, ok, "step %d: %s", step, f.Name)
			if ok {
				if tm, isTime := w.(time.Time); isTime {
					require.True(t, tm.Equal(got.(time.Time)), "step %d: %s", step, f.Name)
				} else {
					require.Equal(t, w, got, "step %d: %s", step, f.Name)
				}
			}
		}
		for text, ref := range rules {
			m := matchers[text]
			r := ref(want)
			require.Equal(t, r, m.Eval(p), "step %d: %s", step, text)
			require.Equal(t, r == segment.True, m.Match(p), "step %d: %s", step, text)
			m.ExplainTo(p, &e)
			require.Equal(t, r, e.Result, "step %d: %s", step, text)
		}
	}
}

func strEq(field, v string) func(map[string]any) segment.Truth {
	return func(w map[string]any) segment.Truth {
		got, ok := w[field]
		return known(ok, got == v)
	}
}

// known is b's truth when the field is set, and Unknown when not.
func known(set, b bool) segment.Truth {
	switch {
	case !set:
		return segment.Unknown
	case b:
		return segment.True
	}
	return segment.False
}

// A zero Profile, not made by a schema, is refused or read as empty, never
// a panic.
func TestZeroProfile(t *testing.T) {
	m := segment.MustCompile(`recency_days < 3`, segment.DefaultSchema())
	h, err := segment.DefaultSchema().Handle("recency_days")
	require.NoError(t, err)
	for _, p := range []*segment.Profile{{}, nil} {
		require.False(t, m.Match(p))
		require.Equal(t, segment.Unknown, m.Eval(p))
		require.Equal(t, segment.Unknown, m.Explain(p).Result)
		v, ok := p.Get("recency_days")
		require.False(t, ok)
		require.Nil(t, v)
		require.ErrorIs(t, p.SetNumber("recency_days", 1), crm.ErrInvalid)
		require.ErrorIs(t, p.SetString("country", "CN"), crm.ErrInvalid)
		require.ErrorIs(t, p.Unset("recency_days"), crm.ErrInvalid)
		require.ErrorIs(t, h.SetNumber(p, 1), crm.ErrInvalid)
		require.Error(t, m.Check(p))
		require.Nil(t, p.Schema())
	}
	var p segment.Profile
	p.Reset("c1", asOf)
	require.Equal(t, "c1", p.CustomerID)
}
