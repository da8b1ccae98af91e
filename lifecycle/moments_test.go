package lifecycle_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/lifecycle"
)

func TestMomentsMonthEndAndRecurrence(t *testing.T) {
	utc := time.UTC
	s := lifecycle.Subject{CustomerID: "c", Anchors: map[string]time.Time{"loan": time.Date(2024, 1, 31, 15, 0, 0, 0, utc)}}
	monthly := lifecycle.Moment{Name: "statement", Kind: lifecycle.Every, Anchor: "loan", After: lifecycle.Offset{Months: 1}}
	var got []string
	for _, o := range monthly.Due(s, time.Date(2024, 1, 1, 0, 0, 0, 0, utc), time.Date(2024, 6, 1, 0, 0, 0, 0, utc)) {
		got = append(got, o.Due.Format("2006-01-02 15:04"))
	}
	// Counted from the anchor each time, clamped to month ends; at 9:00.
	require.Equal(t, []string{"2024-02-29 09:00", "2024-03-31 09:00", "2024-04-30 09:00", "2024-05-31 09:00"}, got)

	anniversary := lifecycle.Moment{Name: "refinance", Kind: lifecycle.Once, Anchor: "loan", After: lifecycle.Offset{Years: 3}, Hour: 10}
	o := anniversary.Due(s, time.Date(2027, 1, 1, 0, 0, 0, 0, utc), time.Date(2027, 12, 31, 0, 0, 0, 0, utc))
	require.Len(t, o, 1)
	require.Equal(t, time.Date(2027, 1, 31, 10, 0, 0, 0, utc), o[0].Due)
	leap := lifecycle.Subject{CustomerID: "l", Anchors: map[string]time.Time{"warranty": time.Date(2024, 2, 29, 0, 0, 0, 0, utc)}}
	o = lifecycle.Moment{Name: "warranty expiry", Kind: lifecycle.Once, Anchor: "warranty", After: lifecycle.Offset{Years: 1}}.Due(leap, time.Date(2025, 1, 1, 0, 0, 0, 0, utc), time.Date(2026, 1, 1, 0, 0, 0, 0, utc))
	require.Equal(t, time.Date(2025, 2, 28, 9, 0, 0, 0, utc), o[0].Due, "29 February plus a year is 28 February")

	intake := lifecycle.Moment{Name: "september intake", Kind: lifecycle.Yearly, Month: time.September, Day: 1}
	o = intake.Due(lifecycle.Subject{CustomerID: "s"}, time.Date(2024, 6, 1, 0, 0, 0, 0, utc), time.Date(2026, 6, 1, 0, 0, 0, 0, utc))
	require.Len(t, o, 2)
	require.Equal(t, time.Date(2025, 9, 1, 9, 0, 0, 0, utc), o[1].Due)
	require.Empty(t, anniversary.Due(lifecycle.Subject{CustomerID: "no anchor"}, time.Time{}, time.Now()))
}

func TestMomentsInTheCustomersTimeZoneAcrossDST(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	require.NoError(t, err)
	// Weekly check-ins from Friday 7 March 2025, 09:00 EST; DST starts on
	// Sunday 9 March. The next one is still at 09:00 local, now EDT: 167
	// hours later, not 168.
	s := lifecycle.Subject{CustomerID: "c", Location: ny, Anchors: map[string]time.Time{"start": time.Date(2025, 3, 7, 9, 0, 0, 0, ny)}}
	weekly := lifecycle.Moment{Name: "check-in", Kind: lifecycle.Every, Anchor: "start", After: lifecycle.Offset{Days: 7}}
	o := weekly.Due(s, time.Date(2025, 3, 1, 0, 0, 0, 0, ny), time.Date(2025, 3, 22, 0, 0, 0, 0, ny))
	require.Len(t, o, 2)
	require.Equal(t, "2025-03-14 09:00 EDT", o[0].Due.In(ny).Format("2006-01-02 15:04 MST"))
	require.Equal(t, 167*time.Hour, o[0].Due.Sub(s.Anchors["start"]))
	// The local date decides: 23:30 UTC on 31 January is 18:30 in New
	// York, still 31 January, so one month later is 28 February there.
	late := lifecycle.Subject{CustomerID: "d", Location: ny, Anchors: map[string]time.Time{"start": time.Date(2025, 1, 31, 23, 30, 0, 0, time.UTC)}}
	o = lifecycle.Moment{Name: "m", Kind: lifecycle.Once, Anchor: "start", After: lifecycle.Offset{Months: 1}}.Due(late, time.Date(2025, 2, 1, 0, 0, 0, 0, ny), time.Date(2025, 4, 1, 0, 0, 0, 0, ny))
	require.Equal(t, "2025-02-28 09:00 EST", o[0].Due.In(ny).Format("2006-01-02 15:04 MST"))
}

func TestServiceAtUsageOrTimeWhicheverFirst(t *testing.T) {
	utc := time.UTC
	service := lifecycle.Moment{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service", After: lifecycle.Offset{Months: 12}, Usage: 12000, Unit: "miles"}
	last := time.Date(2025, 1, 10, 0, 0, 0, 0, utc)
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, utc), time.Date(2027, 1, 1, 0, 0, 0, 0, utc)
	// A heavy driver: 2,000 miles a month since the last service reaches
	// 12,000 miles after 6 months, well before 12 months.
	heavy := lifecycle.Subject{CustomerID: "heavy", Anchors: map[string]time.Time{"last_service": last}, Readings: []lifecycle.Reading{
		{At: last, Value: 40000}, {At: last.AddDate(0, 0, 30), Value: 42000}, {At: last.AddDate(0, 0, 60), Value: 44000},
	}}
	o := service.Due(heavy, from, to)
	require.Len(t, o, 1)
	require.True(t, o[0].ByUsage)
	require.Equal(t, time.Date(2025, 7, 9, 9, 0, 0, 0, utc), o[0].Due, "180 days after the service at 2,000 miles per 30 days")
	require.Contains(t, o[0].Reason, "12000 miles since last_service")
	// A light driver: time comes first.
	light := heavy
	light.CustomerID = "light"
	light.Readings = []lifecycle.Reading{{At: last, Value: 40000}, {At: last.AddDate(0, 0, 60), Value: 40500}}
	o = service.Due(light, from, to)
	require.False(t, o[0].ByUsage)
	require.Equal(t, time.Date(2026, 1, 10, 9, 0, 0, 0, utc), o[0].Due)
	// Already past the mileage: due on the day the readings crossed it.
	over := heavy
	over.Readings = append(heavy.Readings, lifecycle.Reading{At: last.AddDate(0, 0, 90), Value: 56000})
	o = service.Due(over, from, to)
	require.True(t, o[0].ByUsage)
	require.Equal(t, time.Date(2025, 3, 31, 9, 0, 0, 0, utc), o[0].Due, "52,000 is two thirds of the way from day 60 (44,000) to day 90 (56,000): day 80")

	// Due over many customers, sorted, and bad moments refused together.
	all, err := lifecycle.Due(context.Background(), []lifecycle.Moment{service}, seq(light, heavy), from, to)
	require.NoError(t, err)
	require.Equal(t, []string{"heavy", "light"}, []string{all[0].CustomerID, all[1].CustomerID})
	_, err = lifecycle.Due(context.Background(), []lifecycle.Moment{{Name: "x", Kind: lifecycle.UsageOrTime}, {Name: "", Kind: "sometimes"}}, seq[lifecycle.Subject](), from, to)
	require.ErrorIs(t, err, crm.ErrInvalid)
	for _, want := range []string{"anchor: a usage_or_time moment counts from an anchor", "after: 0d must be positive", "usage: 0 must be positive", `kind: "sometimes"`} {
		require.ErrorContains(t, err, want)
	}
}

// A very light user keeps the 12-month reminder: their usage projection
// runs past what time.Duration holds (it used to wrap into the past and
// replace the date). And occurrences after 2262 still sort by time.
func TestUsageOrTimeFarProjectionAndFarDates(t *testing.T) {
	utc := time.UTC
	service := lifecycle.Moment{Name: "service", Kind: lifecycle.UsageOrTime, Anchor: "last_service", After: lifecycle.Offset{Months: 12}, Usage: 12000, Unit: "miles"}
	last := time.Date(2025, 1, 10, 0, 0, 0, 0, utc)
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, utc), time.Date(2027, 1, 1, 0, 0, 0, 0, utc)
	for _, miles := range []float64{1e-3, 1e-9, 5e-324} {
		idle := lifecycle.Subject{CustomerID: "idle", Anchors: map[string]time.Time{"last_service": last}, Readings: []lifecycle.Reading{
			{At: last, Value: 40000}, {At: last.AddDate(0, 0, 60), Value: 40000 + miles},
		}}
		o := service.Due(idle, from, to)
		require.Len(t, o, 1, "%v miles in 60 days", miles)
		require.False(t, o[0].ByUsage)
		require.Equal(t, time.Date(2026, 1, 10, 9, 0, 0, 0, utc), o[0].Due, "%v miles in 60 days", miles)
	}
	// Readings centuries apart interpolate without overflowing.
	ancient := lifecycle.Subject{CustomerID: "a", Anchors: map[string]time.Time{"last_service": last}, Readings: []lifecycle.Reading{
		{At: time.Date(1700, 1, 1, 0, 0, 0, 0, utc), Value: 0}, {At: last, Value: 40000}, {At: last.AddDate(0, 0, 30), Value: 42000},
	}}
	o := service.Due(ancient, from, to)
	require.True(t, o[0].ByUsage)
	require.Equal(t, time.Date(2025, 7, 9, 9, 0, 0, 0, utc), o[0].Due)

	yearly := lifecycle.Moment{Name: "anniversary", Kind: lifecycle.Every, Anchor: "since", After: lifecycle.Offset{Years: 100}}
	early := lifecycle.Subject{CustomerID: "early", Anchors: map[string]time.Time{"since": time.Date(2000, 1, 1, 0, 0, 0, 0, utc)}}
	late := lifecycle.Subject{CustomerID: "late", Anchors: map[string]time.Time{"since": time.Date(2001, 1, 1, 0, 0, 0, 0, utc)}}
	all, err := lifecycle.Due(context.Background(), []lifecycle.Moment{yearly}, seq(late, early),
		time.Date(2050, 1, 1, 0, 0, 0, 0, utc), time.Date(2600, 1, 1, 0, 0, 0, 0, utc))
	require.NoError(t, err)
	require.Len(t, all, 10)
	for i := 1; i < len(all); i++ {
		require.False(t, all[i].Due.Before(all[i-1].Due), "%s before %s", all[i].Due, all[i-1].Due)
	}
	require.Equal(t, 2501, all[len(all)-1].Due.Year())
}
