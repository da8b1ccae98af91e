// Command clv fits crmkit's customer-value models and prints what each
// customer is worth: the purchase model's parameters with standard errors,
// the spend model's, the share of customers probably still active, and the
// customers with the highest expected value.
//
// By default it generates the sample business of sampledata (true purchase
// parameters known) and observes it in days:
//
//	go run ./examples/clv
//
// Or it reads a reference data set that ships with the module (package
// datasets): the CDNOW sample, calibrated on its first 39 weeks (to
// 1997-09-30) with times in weeks, reproduces the published fits:
//
//	go run ./examples/clv -dataset cdnow          # or cdnow-master, the whole cohort
//
// Or it reads your own transactions, from any delimited file. The CDNOW
// sample as a file of its own (whitespace separated, no header; customer in
// column 2, date in 3, amount in 5):
//
//	go run ./examples/clv -transactions CDNOW_sample.txt \
//	    -whitespace -customer 2 -date 3 -amount 5 -layout 20060102 \
//	    -as-of 1997-09-30 -scale 7
//
// To time the path from a file, write the generated business as one
// first (-write), then read it back:
//
//	go run ./examples/clv -customers 100000 -write tx.csv
//	go run ./examples/clv -transactions tx.csv -header -negative-refunds -as-of 2026-01-01
//	go run ./examples/clv -transactions tx.csv -header -negative-refunds -as-of 2026-01-01 -stream
//
// A German export with a header, semicolons and decimal commas:
//
//	go run ./examples/clv -transactions umsatz.csv -header -delimiter ';' \
//	    -decimal-comma -thousands . -customer kunde -date datum -amount betrag -layout 02.01.2006
package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/datasets"
	"github.com/crmkit/crm/examples/internal/csvflags"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "clv:", err)
		os.Exit(1)
	}
}

type options struct {
	file         csvflags.File
	customers    int
	seed         uint64
	transactions string
	stream       bool
	write        string
	dataset      string
	asOf         string
	scale        float64
	model        string
	months       int
	discount     float64
	monthDays    float64
	top          int
}

func run(ctx context.Context, out, progress io.Writer, args []string) error {
	var o options
	fs := flag.NewFlagSet("clv", flag.ContinueOnError)
	fs.SetOutput(progress)
	fs.IntVar(&o.customers, "customers", 10_000, "customers of the generated sample business")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the generated sample business")
	fs.StringVar(&o.transactions, "transactions", "", "read transactions from this CSV file instead of generating them")
	fs.BoolVar(&o.stream, "stream", false, "summarise the -transactions file as it is read, keeping no transaction in memory (the file must be grouped by customer; needs -as-of)")
	fs.StringVar(&o.write, "write", "", "write the generated sample business's transactions to this CSV file (customer_id,date,amount; refunds negative) and stop: a file to time -transactions on")
	fs.StringVar(&o.dataset, "dataset", "", "use a reference data set shipped with the module: cdnow (the 1/10 sample) or cdnow-master (the whole cohort); observed to 1997-09-30 in weeks unless -as-of or -scale say otherwise")
	o.file.Register(fs, "")
	fs.StringVar(&o.asOf, "as-of", "", "observation date, YYYY-MM-DD (default: the sample's end, or the file's last date)")
	fs.Float64Var(&o.scale, "scale", 1, "days per model time unit: 7 measures times in weeks")
	fs.StringVar(&o.model, "model", "bgnbd", "purchase model: bgnbd, mbgnbd or pareto")
	fs.IntVar(&o.months, "months", 12, "CLV horizon in months")
	fs.Float64Var(&o.discount, "discount", 0.01, "monthly discount rate")
	fs.Float64Var(&o.monthDays, "month-days", scoring.DaysPerMonth, "days in a month for CLV; lifetimes counts 30 for daily data and 30.415 (4.345 weeks) for weekly")
	fs.IntVar(&o.top, "top", 10, "how many of the most valuable customers to list")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if o.dataset != "" {
		if o.transactions != "" {
			return errors.New("-dataset and -transactions are exclusive")
		}
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		// The published calibration: the first 39 weeks, times in weeks.
		if !set["as-of"] {
			o.asOf = "1997-09-30"
		}
		if !set["scale"] {
			o.scale = 7
		}
	}
	if o.write != "" {
		return writeSample(ctx, o, progress)
	}
	if o.stream {
		// Straight from the file to the summaries, keeping no transaction.
		if o.transactions == "" || o.asOf == "" {
			return errors.New("-stream reads a -transactions file as of an -as-of date")
		}
		asOf, err := time.Parse("2006-01-02", o.asOf)
		if err != nil {
			return fmt.Errorf("-as-of: %w", err)
		}
		mapping, err := o.file.Mapping()
		if err != nil {
			return err
		}
		f, err := os.Open(o.transactions)
		if err != nil {
			return err
		}
		defer f.Close()
		return report(ctx, out, func(opt *scoring.SummaryOptions) ([]scoring.Summary, error) {
			return csvimport.Summarize(ctx, f, mapping, asOf, opt)
		}, o, asOf, o.transactions)
	}
	store := crm.NewMemoryStore()
	asOf, source, err := load(ctx, store, o, progress)
	if err != nil {
		return err
	}
	if o.asOf != "" {
		if asOf, err = time.Parse("2006-01-02", o.asOf); err != nil {
			return fmt.Errorf("-as-of: %w", err)
		}
	}
	return report(ctx, out, func(opt *scoring.SummaryOptions) ([]scoring.Summary, error) {
		return scoring.Summarize(ctx, store.Transactions(ctx), asOf, opt)
	}, o, asOf, source)
}

// writeSample writes the generated business's transactions as a CSV file
// of customer, day and amount (refunds negative), streaming.
func writeSample(ctx context.Context, o options, progress io.Writer) error {
	if o.transactions != "" || o.dataset != "" {
		return errors.New("-write writes the generated sample: not with -transactions or -dataset")
	}
	cfg := sampledata.DefaultConfig()
	cfg.Customers, cfg.Seed = o.customers, o.seed
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return err
	}
	f, err := os.Create(o.write)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, "customer_id,date,amount")
	n := 0
	for tx, err := range crm.WithContext(ctx, gen.Transactions()) {
		if err != nil {
			f.Close()
			return err
		}
		amount := tx.Amount.String()
		if tx.Kind == crm.Refund {
			amount = "-" + amount
		}
		fmt.Fprintf(w, "%s,%s,%s\n", tx.CustomerID, tx.Time.Format("2006-01-02"), amount)
		n++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	fmt.Fprintf(progress, "wrote %d transactions of %d customers to %s (read it with -transactions %s -header -negative-refunds -as-of %s)\n",
		n, cfg.Customers, o.write, o.write, cfg.End.Format("2006-01-02"))
	return f.Close()
}

// load fills the store with the generated business or the user's file and
// returns the default observation time and a description of the data.
func load(ctx context.Context, store *crm.MemoryStore, o options, progress io.Writer) (time.Time, string, error) {
	if o.dataset != "" {
		var txs iter.Seq2[crm.Transaction, error]
		var source string
		switch o.dataset {
		case "cdnow":
			txs, source = datasets.CDNOWSample(), "CDNOW 1/10 sample (2,357 customers of the 1997 cohort)"
		case "cdnow-master":
			txs, source = datasets.CDNOWMaster(), "CDNOW master (23,570 customers of the 1997 cohort)"
		default:
			return time.Time{}, "", fmt.Errorf("-dataset %q: want cdnow or cdnow-master", o.dataset)
		}
		var batch []crm.Transaction
		for tx, err := range txs {
			if err != nil {
				return time.Time{}, "", err
			}
			batch = append(batch, tx)
		}
		if err := store.AppendTransactions(ctx, batch...); err != nil {
			return time.Time{}, "", err
		}
		return time.Time{}, source, nil
	}
	if o.transactions == "" {
		cfg := sampledata.DefaultConfig()
		cfg.Customers, cfg.Seed = o.customers, o.seed
		gen, err := sampledata.NewGenerator(cfg)
		if err != nil {
			return time.Time{}, "", err
		}
		fmt.Fprintf(progress, "generating %d customers…\n", cfg.Customers)
		if err := gen.Load(ctx, store); err != nil {
			return time.Time{}, "", err
		}
		p := cfg.Purchase
		return cfg.End, fmt.Sprintf("generated sample business, seed %d (true r = %g, α = %g, a = %g, b = %g in days)", cfg.Seed, p.R, p.Alpha, p.A, p.B), nil
	}
	mapping, err := o.file.Mapping()
	if err != nil {
		return time.Time{}, "", err
	}
	f, err := os.Open(o.transactions)
	if err != nil {
		return time.Time{}, "", err
	}
	defer f.Close()
	// Batches of 100,000: the file is not held twice (as rows and in the
	// store) while it is read; a bad row stops the import there, and the
	// example stops with it.
	res, err := csvimport.Transactions(ctx, store, f, mapping, &csvimport.Options{BatchSize: 100_000})
	if err != nil {
		return time.Time{}, "", err
	}
	fmt.Fprintf(progress, "imported %d transactions\n", res.Stored)
	var last time.Time
	for tx, err := range store.Transactions(ctx) {
		if err != nil {
			return time.Time{}, "", err
		}
		if tx.Time.After(last) {
			last = tx.Time
		}
	}
	return last, o.transactions, nil
}

func report(ctx context.Context, w io.Writer, summarize func(*scoring.SummaryOptions) ([]scoring.Summary, error), o options, asOf time.Time, source string) error {
	unit := "days"
	if o.scale == 7 {
		unit = "weeks"
	} else if o.scale != 1 {
		unit = fmt.Sprintf("units of %g days", o.scale)
	}
	sums, err := summarize(&scoring.SummaryOptions{Scale: o.scale})
	if err != nil {
		return err
	}
	if len(sums) == 0 {
		return errors.New("no customer bought anything by the observation date")
	}
	rows := scoring.Compress(sums)
	fmt.Fprintf(w, "crmkit clv: %s\n", source)
	fmt.Fprintf(w, "observed to %s, times in %s: %d customers, %d distinct histories\n\n", asOf.Format("2006-01-02"), unit, len(sums), len(rows))

	purchases, err := fitPurchases(ctx, w, o.model, rows)
	if err != nil {
		return err
	}
	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Gamma-Gamma spend model (%0.f repeat customers), log-likelihood %.2f\n", spend.Customers, spend.LogLikelihood)
	printParams(w, []string{"p", "q", "gamma"}, []float64{spend.P, spend.Q, spend.Gamma}, spend.StdErr[:])
	fmt.Fprintf(w, "  mean spend per purchase %.2f %s\n\n", spend.MeanSpend(), sums[0].Currency)

	values, err := scoring.CustomerValues(ctx, purchases, spend, sums, &scoring.CLVOptions{
		Months: o.months, MonthlyDiscount: o.discount, MonthDays: o.monthDays,
	})
	if err != nil {
		return err
	}
	alive, expected := 0, 0.0
	for _, v := range values {
		if v.Alive > 0.5 {
			alive++
		}
		expected += v.Purchases
	}
	fmt.Fprintf(w, "probably alive (P > 0.5): %d of %d customers (%.1f%%)\n", alive, len(values), 100*float64(alive)/float64(len(values)))
	fmt.Fprintf(w, "expected purchases in the next %d months: %.0f\n\n", o.months, expected)

	order := make([]int, len(values))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		return cmp.Or(values[b].CLV.Amount.Cmp(values[a].CLV.Amount), cmp.Compare(values[a].CustomerID, values[b].CustomerID))
	})
	fmt.Fprintf(w, "top %d customers by %d-month CLV (%.1f%% monthly discount):\n", min(o.top, len(order)), o.months, 100*o.discount)
	fmt.Fprintf(w, "  %-12s %5s %8s %8s %8s %9s %7s %12s\n", "customer", "x", "recency", "T", "P(alive)", "purchases", "spend", "CLV")
	for _, i := range order[:min(o.top, len(order))] {
		s, v := sums[i], values[i]
		fmt.Fprintf(w, "  %-12s %5d %8.2f %8.2f %8.3f %9.2f %7.2f %12s\n", s.CustomerID, s.Frequency, s.Recency, s.T, v.Alive, v.Purchases, v.Spend, v.CLV)
	}
	return nil
}

func fitPurchases(ctx context.Context, w io.Writer, model string, rows []scoring.Row) (scoring.PurchaseModel, error) {
	switch model {
	case "bgnbd":
		m, err := scoring.FitBGNBD(ctx, rows, nil)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "BG/NBD purchase model, log-likelihood %.2f\n", m.LogLikelihood)
		printParams(w, []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B}, m.StdErr[:])
		return m, nil
	case "mbgnbd":
		m, err := scoring.FitMBGNBD(ctx, rows, nil)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "MBG/NBD purchase model, log-likelihood %.2f\n", m.LogLikelihood)
		printParams(w, []string{"r", "alpha", "a", "b"}, []float64{m.R, m.Alpha, m.A, m.B}, m.StdErr[:])
		return m, nil
	case "pareto":
		m, err := scoring.FitParetoNBD(ctx, rows, nil)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "Pareto/NBD purchase model, log-likelihood %.2f\n", m.LogLikelihood)
		printParams(w, []string{"r", "alpha", "s", "beta"}, []float64{m.R, m.Alpha, m.S, m.Beta}, m.StdErr[:])
		return m, nil
	}
	return nil, fmt.Errorf("-model %q: want bgnbd, mbgnbd or pareto", model)
}

func printParams(w io.Writer, names []string, values, stdErr []float64) {
	for i, n := range names {
		fmt.Fprintf(w, "  %-6s %10.4f  (± %.4f)\n", n, values[i], stdErr[i])
	}
}
