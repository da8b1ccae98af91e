// Package datasets ships the public reference data sets of customer-base
// analysis inside the module, so that they are at hand with no download:
// the CDNOW music retailer's 1997 cohort (the whole cohort and a 1/10
// sample, with the published calibration summary of the sample) and a
// charity's repeat donors. They are the data sets the CLV literature fits
// its models on (Fader, Hardie & Lee 2005; Fader, Hardie & Shang 2010), and
// the ones Python's lifetimes and PyMC-Marketing ship for their users.
//
//	ctx := context.Background()
//	asOf := time.Date(1997, 9, 30, 0, 0, 0, 0, time.UTC) // end of the 39-week calibration
//	sums, err := scoring.Summarize(ctx, datasets.CDNOWSample(), asOf, &scoring.SummaryOptions{Scale: 7})
//	if err != nil { … }
//	model, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
//	// model.R = 0.2426, Alpha = 4.4136, A = 0.7929, B = 2.4258 (weeks)
//
// [CDNOWSample] and [CDNOWMaster] stream the raw transactions as
// [crm.Transaction] values; [CDNOWSummary] returns the published summary
// and [Donations] the donors, already compressed as [scoring.Row] values.
// [FS] gives the files themselves, byte for byte as published, for a host
// that wants to try its own importer on them.
//
// # The files
//
//   - cdnow/CDNOW_sample.txt: whitespace-separated, no header, CRLF lines
//     "master_id sample_id YYYYMMDD n_cds dollars"; 6,919 transactions by
//     2,357 customers from 1997-01-01 to 1998-06-30.
//   - cdnow/CDNOW_master.txt: whitespace-separated with a header, CRLF lines
//     "customer_id date number_of_cds dollar_value"; 69,659 transactions by
//     the whole cohort of 23,570 customers.
//   - cdnow/cdnow_customers_summary.csv: "ID,frequency,recency,T" of the
//     sample in weeks, rounded to 2 decimals, calibrated on the first 39
//     weeks (to 1997-09-30); the file the published fits were made on.
//   - cdnow/cdnow_customers_summary_with_transactions.csv: the same with
//     "zbar", the mean spend of the repeat purchases (0 without any).
//   - donations.csv: "frequency,recency,periods,weights", 11,104 donors over
//     six yearly opportunities, each row standing for weights donors.
//
// The data sets are public and widely redistributed; they are embedded
// unchanged (about 2.2 MB).
//
// # Concurrency
//
// Every function may be called from any goroutine; each call reads the
// embedded files afresh, and every stream may be ranged more than once.
package datasets
