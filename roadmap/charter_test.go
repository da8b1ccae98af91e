package roadmap_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/roadmap"
)

func deskOptions() *feedback.Options {
	return &feedback.Options{Tiers: []string{"Platinum", "Gold"}, SLA: []feedback.SLAPolicy{
		{FirstResponse: 4 * time.Hour, Resolution: 48 * time.Hour},
		{Tier: "Platinum", FirstResponse: time.Hour, Resolution: 8 * time.Hour},
		{Severity: feedback.Critical, FirstResponse: 2 * time.Hour, Resolution: 24 * time.Hour},
	}}
}

func TestCharterCheck(t *testing.T) {
	moments := []lifecycle.Moment{{Name: "service due"}}
	plays := []lifecycle.Play{{Name: "service reminder"}}
	good := roadmap.Charter{Promises: []roadmap.Promise{
		{ID: "R1", Situation: "a Platinum customer complains", Promise: "a person answers within the hour",
			Metric: "performance.first_response_median_hours", Target: 1, LowerIsBetter: true, Within: time.Hour,
			SLA: &roadmap.SLABinding{Tier: "Platinum", Target: "first_response"}},
		{ID: "R2", Situation: "anything goes wrong", Promise: "resolved within two working days",
			Metric: "performance.resolution_median_hours", Target: 48, LowerIsBetter: true, Within: 48 * time.Hour,
			SLA: &roadmap.SLABinding{Target: "resolution"}},
		{ID: "R3", Situation: "the car has run 12,000 miles or a year", Promise: "we call to book the service",
			Metric: "delivery.moments_due", Cut: "moment=service due", Target: 0, Moment: "service due", Play: "service reminder"},
	}}
	require.Empty(t, good.Check(deskOptions(), moments, plays))

	bad := roadmap.Charter{Promises: []roadmap.Promise{
		{ID: "R1", Promise: "an answer within 2 business hours", Metric: "performance.first_response_median_hours", Target: 2, LowerIsBetter: true,
			Within: 2 * time.Hour, SLA: &roadmap.SLABinding{Target: "first_response"}},
		{ID: "R1", Promise: "a call back", Metric: "x"},
		{Promise: "resolved", Metric: "x", SLA: &roadmap.SLABinding{Target: "resolution"}},
		{ID: "R4", Promise: "a reminder", Moment: "oil change", Play: "oil reminder"},
		{ID: "R5", Promise: "a reply", Metric: "x", Within: time.Hour, SLA: &roadmap.SLABinding{Target: "reply"}},
	}}
	got := map[string][]string{}
	for _, f := range bad.Check(deskOptions(), moments, plays) {
		require.Equal(t, roadmap.FindingError, f.Severity)
		got[f.Code] = append(got[f.Code], f.Path+": "+f.Message)
	}
	require.Equal(t, []string{
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for low items (first_response)`,
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for medium items (first_response)`,
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for high items (first_response)`,
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for Gold low items (first_response)`,
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for Gold medium items (first_response)`,
		`promises[0] "R1".sla: "an answer within 2 business hours" promises 2h0m0s, and the desk allows 4h0m0s for Gold high items (first_response)`,
	}, got[roadmap.SLAWeakerThanPromise], "critical items (2 h) and Platinum ones (1 h) keep it")
	require.Equal(t, []string{`promises[1] "R1": the ID "R1" is used twice`, `promises[2] "": a promise needs an ID`}, got[roadmap.PromiseNoID])
	require.Equal(t, []string{`promises[1] "R1": "a call back": nothing keeps it; bind it to an SLA policy, a moment or a play`}, got[roadmap.PromiseUnenforced])
	require.Equal(t, []string{`promises[3] "R4".metric: "a reminder": name the period metric that shows it kept`}, got[roadmap.PromiseUnmeasured])
	require.Equal(t, []string{`promises[2] "".sla: "resolved" is bound to the resolution target but says no time (within)`}, got[roadmap.PromiseNoTime])
	require.Equal(t, []string{`promises[4] "R5".sla.target: "reply" is not first_response, resolution or next_response`}, got[roadmap.SLAMissing])
	require.Equal(t, []string{`promises[3] "R4".moment: no moment "oil change"`}, got[roadmap.MomentMissing])
	require.Equal(t, []string{`promises[3] "R4".play: no play "oil reminder"`}, got[roadmap.PlayMissing])

	// Without a desk, or with one that has no policy for a tier, an SLA
	// binding cannot be kept.
	r1 := roadmap.Charter{Promises: good.Promises[:1]}
	require.Equal(t, roadmap.SLAMissing, r1.Check(nil, nil, nil)[0].Code)
	thin := &feedback.Options{Tiers: []string{"Platinum"}, SLA: []feedback.SLAPolicy{{Tier: "Gold", FirstResponse: time.Hour}}}
	fs := r1.Check(thin, nil, nil)
	require.Len(t, fs, 4, "no policy for Platinum items of any severity")
	require.Contains(t, fs[0].Message, "the desk has no SLA policy for Platinum low items")
	require.True(t, good.Promises[0].Kept(0.5))
	require.False(t, good.Promises[0].Kept(1.5))
	require.True(t, roadmap.Promise{Target: 0.9}.Kept(0.95))
}
