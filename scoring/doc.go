// Package scoring is crmkit's customer-base analysis: it tells a business
// which customers are still active, what each will buy, and what each is
// worth.
//
//	sums, err := scoring.Summarize(ctx, store.Transactions(ctx), asOf, nil)
//	if err != nil { … }
//	purchases, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
//	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
//	values, err := scoring.CustomerValues(ctx, purchases, spend, sums, &scoring.CLVOptions{Months: 12, MonthlyDiscount: 0.01})
//	tiers, err := scoring.TiersByCLV(values, scoring.DefaultTiers())
//	// values[i].CLV is money; values[i].Alive is P(alive); tiers.Reports the pyramid
//
// [Summarize] turns transactions into [Summary] values; [FitBGNBD] and the
// other fits learn how customers buy and leave; [CustomerValues] turns the
// models into each customer's lifetime value; [TiersByCLV] cuts the
// ranking into the value pyramid; [RFM] scores recency, frequency and
// spend; [Scorecard] weighs any criteria; [MineAssociations] finds what
// sells together.
//
// # Summaries
//
// Summarize reduces a transaction stream to per-customer Summary values
// (frequency, recency, T, monetary value; the CLV literature's conventions,
// documented on Summary) at an explicit observation time; SummarizeHoldout
// splits each history into a calibration summary and what happened in a
// holdout period after it, for checking forecasts. Compress turns
// summaries into weighted distinct Rows and SpendRows picks the repeat
// buyers the spend model learns from; models fit on rows, so fitting cost
// grows with distinct histories rather than customers.
//
// # RFM
//
// RFM scores recency, frequency and monetary value 1..N by quantile cut
// points (R's type 7; ties always share a score) or by fixed thresholds,
// with the three-digit cell and the R rfm package's segment names.
//
// # Models
//
//   - BG/NBD (FitBGNBD; Fader, Hardie & Lee 2005) and MBG/NBD (FitMBGNBD;
//     Batislam, Denizel & Filiztekin 2007): purchases at a gamma-mixed
//     Poisson rate, drop-out after a purchase (MBG/NBD: also at time zero).
//   - Pareto/NBD (FitParetoNBD; Schmittlein, Morrison & Colombo 1987):
//     drop-out at any moment.
//   - BG/BB (FitBGBB; Fader, Hardie & Shang 2010): discrete opportunities,
//     such as yearly donations.
//   - Gamma-Gamma (FitGammaGamma; Fader, Hardie & Lee 2005): spend per
//     purchase.
//
// All are fitted by maximum likelihood with gonum's optimiser on
// log-parameters, with optional weights, an optional penalty and standard
// errors from the Hessian. BG/NBD, MBG/NBD and Gamma-Gamma use analytic
// gradients and compute terms once per distinct value; Pareto/NBD and
// BG/BB use finite differences. A fit that cannot be trusted — the usual
// case is data that show no drop-out, where parameters run to zero or
// infinity — returns a *FitError saying why and what to do.
//
// Fitted purchase models predict expected purchases (for a new customer and
// conditional on a history), the probability a customer is alive, and the
// distribution of purchase counts. They work in log space, with Euler's
// transformation where the Gauss hypergeometric series overflows, so
// extreme histories give finite answers, never NaN.
//
// # Value
//
// CustomerValues combines a PurchaseModel (BGNBD, MBGNBD, ParetoNBD) with
// a GammaGamma spend model into each customer's discounted expected value
// over a horizon of months, as money rounded to the currency's minor unit,
// next to the historic value.
//
// # Evaluation
//
// Where the models predict what a customer will do, these evaluate
// customers the way a business decides:
//
//   - Scorecard: weighted criteria, each normalised by a range, thresholds
//     or a step table, with bands ("divest / maintain / develop /
//     consolidate"), a declared missing-value policy and each criterion's
//     contribution to the total. Compile it once, then score records with
//     Scorer.Score. CustomerEvaluationCard, SatisfactionIndexCard
//     and AccountHealthCard are ready-made, documented starting points;
//     scorecards are JSON the host can store and edit.
//   - AssignTiers: the customer pyramid (Platinum / Gold / Iron / Lead by
//     default) by share of customers, share of value or thresholds, with a
//     report and the host's strategy per tier.
//   - MineAssociations: frequent itemsets by FP-growth and association
//     rules with support, confidence and lift, from transaction or customer
//     baskets; Affinity.Recommend picks what to cross-sell.
//   - ExperienceIndex: a recency-weighted experience index per customer
//     and channel from touchpoint ratings, and per channel across the
//     portfolio, worst first.
//
// Fitted models are plain values that round-trip through JSON, so a host
// can fit once and score later.
//
// # Concurrency
//
// Every function is safe for concurrent use and deterministic: the same
// input gives the same output. Fitted models and compiled scorers are
// read-only and may be shared between goroutines; CustomerValues and the
// fits use every processor.
package scoring
