package segment_test

import (
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

// Values set through handles read back as values set by name, and a
// handle refuses what the setters by name refuse.
func TestHandles(t *testing.T) {
	s := segment.DefaultSchema()
	at := time.Date(2025, 5, 1, 12, 0, 0, 1_500, time.UTC)
	byName, byHandle := s.NewProfile("c1", at), s.NewProfile("c1", at)
	h := func(name string) segment.Handle {
		hd, err := s.Handle(name)
		require.NoError(t, err)
		require.Equal(t, name, hd.Field().Name)
		return hd
	}
	require.NoError(t, byName.SetNumber("frequency", 3))
	require.NoError(t, h("frequency").SetNumber(byHandle, 3))
	require.NoError(t, byName.SetString("country", "CN"))
	require.NoError(t, h("country").SetString(byHandle, "CN"))
	require.NoError(t, byName.SetBool("do_not_contact", true))
	require.NoError(t, h("do_not_contact").SetBool(byHandle, true))
	require.NoError(t, byName.SetTime("last_purchase", at))
	require.NoError(t, h("last_purchase").SetTime(byHandle, at))
	require.NoError(t, byName.SetStrings("tags", []string{"vip"}))
	require.NoError(t, h("tags").SetStrings(byHandle, []string{"vip"}))
	for _, f := range s.Fields() {
		a, aok := byName.Get(f.Name)
		b, bok := byHandle.Get(f.Name)
		require.Equal(t, aok, bok, f.Name)
		require.Equal(t, a, b, f.Name)
	}
	got, _ := byHandle.Get("last_purchase")
	require.Equal(t, at.Round(time.Microsecond), got, "kept to the microsecond")
	require.NoError(t, h("country").Unset(byHandle))
	_, ok := byHandle.Get("country")
	require.False(t, ok)

	// Refusals, each naming the field.
	_, err := s.Handle("frequncy")
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, `did you mean "frequency"?`)
	require.ErrorContains(t, h("frequency").SetString(byHandle, "x"), `field "frequency" is a number, not a string`)
	require.ErrorContains(t, h("frequency").SetNumber(byHandle, math.NaN()), "not a finite number")
	require.ErrorContains(t, h("last_purchase").SetTime(byHandle, time.Time{}), "zero time")
	other := segment.DefaultSchema().NewProfile("c2", at) // equal fields, another schema value
	require.ErrorContains(t, h("frequency").SetNumber(other, 1), "not of the handle's schema")
	require.ErrorContains(t, h("frequency").SetNumber(nil, 1), "not of the handle's schema")
	require.ErrorIs(t, segment.Handle{}.SetNumber(byHandle, 1), crm.ErrInvalid)
	v, _ := byHandle.Get("frequency")
	require.Equal(t, 3.0, v, "a refused value changes nothing")
}

// Reset makes a profile as good as new for another customer.
func TestProfileReset(t *testing.T) {
	s := segment.DefaultSchema()
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	p := s.NewProfile("c1", at)
	require.NoError(t, p.SetNumber("frequency", 3))
	require.NoError(t, p.SetStrings("tags", []string{"vip"}))
	p.Reset("c2", at.AddDate(0, 1, 0))
	require.Equal(t, "c2", p.CustomerID)
	require.Equal(t, at.AddDate(0, 1, 0), p.AsOf)
	for _, f := range s.Fields() {
		_, ok := p.Get(f.Name)
		require.False(t, ok, f.Name)
	}
	require.NoError(t, p.SetStrings("tags", []string{"b2b"}))
	tags, _ := p.Get("tags")
	require.Equal(t, []string{"b2b"}, tags)
	r, err := segment.Parse(`tags contains "vip"`)
	require.NoError(t, err)
	m, err := segment.Compile(r, s)
	require.NoError(t, err)
	require.False(t, m.Match(p), "the old set is gone")
}
