package cycle

import "slices"

// Unit is what a metric's value counts.
type Unit string

// Units of metrics.
const (
	UnitCount Unit = "count" // customers, items, purchases
	UnitShare Unit = "share" // 0–1, of N
	UnitMoney Unit = "money" // in the period's Currency
	UnitDays  Unit = "days"
	UnitHours Unit = "hours"
	UnitScore Unit = "score" // NPS −1..1, CES 1–7
	UnitIndex Unit = "index" // experience index 0–100
)

// Process is one of the six processes of the CRM loop a metric measures.
type Process string

// The six processes.
const (
	Portfolio   Process = "portfolio"   // who the customers are and what they are worth
	Information Process = "information" // what is known of them, and how fresh
	Delivery    Process = "delivery"    // value designed and delivered: moments due
	Lifecycle   Process = "lifecycle"   // stages, flows, retention, churn, advocacy
	Performance Process = "performance" // service and satisfaction
)

// Definition documents one metric: its stable name, the process it
// measures, its unit, the cuts it comes in and what it means.
type Definition struct {
	// Name is the metric's stable name.
	Name string `json:"name"`
	// Process is the process it measures.
	Process Process `json:"process"`
	// Unit is what its value counts.
	Unit Unit `json:"unit"`
	// Cuts names the cut keys it comes in ("" for the whole base only).
	Cuts string `json:"cuts,omitempty"`
	// Doc says what it means.
	Doc string `json:"doc"`
}

// Names of the metrics the loop measures. They are stable: a name, once
// published, keeps its meaning.
const (
	MetricCustomers          = "portfolio.customers"
	MetricNewCustomers       = "portfolio.new_customers"
	MetricBuyers             = "portfolio.buyers"
	MetricRevenue            = "portfolio.revenue"
	MetricPurchases          = "portfolio.purchases"
	MetricCLVTotal           = "portfolio.clv_total"
	MetricExpectedPurchases  = "portfolio.expected_purchases"
	MetricActiveShare        = "portfolio.active_share"
	MetricTierCustomers      = "portfolio.tier_customers"
	MetricTierValueShare     = "portfolio.tier_value_share"
	MetricCompleteness       = "information.completeness"
	MetricTransactionLag     = "information.transaction_lag_days"
	MetricTouchpointLag      = "information.touchpoint_lag_days"
	MetricMomentsDue         = "delivery.moments_due"
	MetricContacts           = "delivery.contacts"
	MetricStage              = "lifecycle.stage"
	MetricFlow               = "lifecycle.flow"
	MetricReactivations      = "lifecycle.reactivations"
	MetricRefusedMoves       = "lifecycle.refused_moves"
	MetricAdvocates          = "lifecycle.advocates"
	MetricRetention          = "lifecycle.retention"
	MetricCohortRetention    = "lifecycle.cohort_retention"
	MetricRepeatRate         = "lifecycle.repeat_rate"
	MetricChurnAbsolute      = "lifecycle.churn_absolute"
	MetricChurnRelative      = "lifecycle.churn_relative"
	MetricChurnWarning       = "lifecycle.churn_warning"
	MetricAtStakeAbsolute    = "lifecycle.clv_at_stake_absolute"
	MetricAtStakeRelative    = "lifecycle.clv_at_stake_relative"
	MetricSegmentSize        = "lifecycle.segment_size"
	MetricSegmentEntered     = "lifecycle.segment_entered"
	MetricSegmentExited      = "lifecycle.segment_exited"
	MetricItems              = "performance.items"
	MetricOpenItems          = "performance.open_items"
	MetricSLAAttainment      = "performance.sla_attainment"
	MetricReopenRate         = "performance.reopen_rate"
	MetricFirstResponseHours = "performance.first_response_median_hours"
	MetricResolutionHours    = "performance.resolution_median_hours"
	MetricCause              = "performance.cause"
	MetricCauseShare         = "performance.cause_share"
	MetricBreaches           = "performance.breaches"
	MetricNPS                = "performance.nps"
	MetricNPSPromoters       = "performance.nps_promoters"
	MetricNPSPassives        = "performance.nps_passives"
	MetricNPSDetractors      = "performance.nps_detractors"
	MetricCSAT               = "performance.csat"
	MetricCES                = "performance.ces"
	MetricExperience         = "performance.experience"
	MetricPromiseKept        = "performance.promise_kept"
	MetricBrokenPromises     = "performance.broken_promises"
)

var definitions = []Definition{
	{MetricCustomers, Portfolio, UnitCount, "", "customers signed up before AsOf"},
	{MetricNewCustomers, Portfolio, UnitCount, "", "customers signed up in the period"},
	{MetricBuyers, Portfolio, UnitCount, "", "customers with a purchase before AsOf"},
	{MetricRevenue, Portfolio, UnitMoney, "", "purchases less refunds in the period"},
	{MetricPurchases, Portfolio, UnitCount, "", "purchases in the period"},
	{MetricCLVTotal, Portfolio, UnitMoney, "", "the buyers' lifetime value over the horizon, summed"},
	{MetricExpectedPurchases, Portfolio, UnitCount, "", "purchases the buyers are expected to make over the horizon"},
	{MetricActiveShare, Portfolio, UnitShare, "", "share of the N buyers probably still active (P(alive) > 0.5)"},
	{MetricTierCustomers, Portfolio, UnitCount, "tier", "buyers in each value tier"},
	{MetricTierValueShare, Portfolio, UnitShare, "tier", "each tier's share of the CLV total"},
	{MetricCompleteness, Information, UnitShare, "field", "share of customers with the field known (email, phone, country, region, age_band, signup_channel), of N customers"},
	{MetricTransactionLag, Information, UnitDays, "", "days from the newest transaction before AsOf to AsOf: how fresh the sales data is"},
	{MetricTouchpointLag, Information, UnitDays, "", "days from the newest touchpoint before AsOf to AsOf"},
	{MetricMomentsDue, Delivery, UnitCount, "moment", "occurrences of each moment due in the period (Options.Moments over Options.Subjects)"},
	{MetricContacts, Delivery, UnitCount, "channel", "campaign messages delivered in the period, by channel: the touchpoints of kind campaign the host recorded"},
	{MetricStage, Lifecycle, UnitCount, "stage", "customers in each lifecycle stage at AsOf, as classified"},
	{MetricFlow, Lifecycle, UnitCount, "from,to", "moves recorded in the period from one stage to another (from=new: a first stage)"},
	{MetricReactivations, Lifecycle, UnitCount, "", "moves into the reactivated stage in the period"},
	{MetricRefusedMoves, Lifecycle, UnitCount, "", "classifications the policy's allowed moves refused (the customer stays in the recorded stage)"},
	{MetricAdvocates, Lifecycle, UnitCount, "", "customers in the advocate stage at AsOf"},
	{MetricRetention, Lifecycle, UnitShare, "", "of the N customers who bought in the period before this one (of the same length), the share who bought in this one"},
	{MetricCohortRetention, Lifecycle, UnitShare, "months", "of the N buyers whose k-th month after their first purchase (k = 1, 3, 6, 12) has ended by AsOf, the share who bought in that month: retention by acquisition cohort, all cohorts together"},
	{MetricRepeatRate, Lifecycle, UnitShare, "", "share of the N buyers who bought in more than one period (frequency ≥ 1)"},
	{MetricChurnAbsolute, Lifecycle, UnitCount, "", "customers who stopped buying (absolute churn) at AsOf"},
	{MetricChurnRelative, Lifecycle, UnitCount, "", "customers still buying but spending much less than their own past (relative churn)"},
	{MetricChurnWarning, Lifecycle, UnitCount, "", "customers with early signs of churn"},
	{MetricAtStakeAbsolute, Lifecycle, UnitMoney, "", "CLV of the customers in absolute churn"},
	{MetricAtStakeRelative, Lifecycle, UnitMoney, "", "CLV of the customers in relative churn"},
	{MetricSegmentSize, Lifecycle, UnitCount, "segmentation,segment", "customers in each segment of every saved segmentation at AsOf"},
	{MetricSegmentEntered, Lifecycle, UnitCount, "segmentation,segment", "customers who entered the segment since the segmentation's previous snapshot"},
	{MetricSegmentExited, Lifecycle, UnitCount, "segmentation,segment", "customers who left the segment since the previous snapshot"},
	{MetricItems, Performance, UnitCount, "kind", "desk items received in the period, by kind (complaint, suggestion, praise, inquiry)"},
	{MetricOpenItems, Performance, UnitCount, "", "desk items open at AsOf"},
	{MetricSLAAttainment, Performance, UnitShare, "", "share of the N service-level targets of the period's items met"},
	{MetricReopenRate, Performance, UnitShare, "", "share of the N period's closed items reopened"},
	{MetricFirstResponseHours, Performance, UnitHours, "", "median business hours to the first response, of the N period's items answered"},
	{MetricResolutionHours, Performance, UnitHours, "", "median business hours to resolution, of the N period's items resolved"},
	{MetricCause, Performance, UnitCount, "cause", "complaints received in the period by cause (the item's category)"},
	{MetricCauseShare, Performance, UnitShare, "cause", "each cause's share of the period's complaints, most frequent first in a Pareto chart"},
	{MetricBreaches, Performance, UnitCount, "cause", "the period's desk items that missed a service-level target, by cause (the item's category)"},
	{MetricNPS, Performance, UnitScore, "", "Net Promoter Score of the N answers in the period, −1..1, with its adjusted-Wald 95% interval"},
	{MetricNPSPromoters, Performance, UnitCount, "", "NPS answers 9–10 in the period"},
	{MetricNPSPassives, Performance, UnitCount, "", "NPS answers 7–8 in the period"},
	{MetricNPSDetractors, Performance, UnitCount, "", "NPS answers 0–6 in the period"},
	{MetricCSAT, Performance, UnitShare, "", "share of the N CSAT answers in the period that are satisfied (4–5), with a Wilson 95% interval"},
	{MetricCES, Performance, UnitScore, "", "mean of the N customer-effort answers (1–7) in the period, with its 95% interval"},
	{MetricPromiseKept, Performance, UnitCount, "promise", "1 when the period kept the charter's promise (its metric met its target), 0 when it broke it; absent when the period has no measure of it"},
	{MetricBrokenPromises, Performance, UnitCount, "", "promises of the charter the period broke"},
	{MetricExperience, Performance, UnitIndex, "channel", "experience index per channel at AsOf (scoring.ExperienceIndex over the touchpoints)"},
}

// Definitions returns every metric the loop measures, sorted by name.
func Definitions() []Definition {
	out := slices.Clone(definitions)
	slices.SortFunc(out, func(a, b Definition) int {
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	return out
}

func definition(name string) (Definition, bool) {
	for _, d := range definitions {
		if d.Name == name {
			return d, true
		}
	}
	return Definition{}, false
}
