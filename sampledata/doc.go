// Package sampledata makes a synthetic retail business to try crmkit on:
// customers who sign up over a year, purchases from a BG/NBD process and
// amounts from a Gamma-Gamma one with known true parameters
// (Config.Purchase, Config.Spend), a product catalogue with planted
// associations, and touchpoints on eight channels with one weak channel.
// The same Config always gives the same business, byte for byte, so fits
// can be checked for parameter recovery:
//
//	cfg := sampledata.DefaultConfig() // 10,000 customers; r = 1, α = 30 days, a = 0.6, b = 6
//	g, err := sampledata.NewGenerator(cfg)
//	if err != nil { … }
//	sums, err := scoring.Summarize(ctx, g.Transactions(), cfg.End, nil)
//	model, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil) // r ≈ 1, α ≈ 30, …
//
// Generator.Load writes the business into any store that keeps customers,
// transactions and touchpoints (crm.MemoryStore, or a host's own). For
// real published data, see package datasets.
//
// # Concurrency
//
// A Generator is safe for concurrent use; its streams may be ranged any
// number of times, each time giving the same sequence.
package sampledata
