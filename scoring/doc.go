// Package scoring is crmkit's customer-base analysis: it tells a business
// which customers are still active, what each will buy, and what each is
// worth.
//
// Summarize reduces a transaction stream to per-customer Summary values
// (frequency, recency, T, monetary value; the CLV literature's conventions,
// documented on Summary) at an explicit observation time. Compress turns
// summaries into weighted distinct Rows, and models fit on rows, so fitting
// cost grows with distinct histories rather than customers.
//
// FitBGNBD fits the BG/NBD model (Fader, Hardie & Lee 2005) by maximum
// likelihood with gonum's optimiser on log-parameters, with optional
// penalty and standard errors. A fitted *BGNBD predicts expected purchases
// (for a new customer and conditional on a history), the probability a
// customer is alive, and the distribution of purchase counts; computations
// run in log space, so extreme histories give finite answers. A fit that
// cannot be trusted returns a *FitError saying why and what to do.
//
// Everything here is a pure function of its inputs and safe for concurrent
// use; fitted models are plain values that round-trip through JSON.
package scoring
