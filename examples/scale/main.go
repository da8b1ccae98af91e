// Command scale runs crmkit's CRM loop at scale and where the data lives:
// a generated business of any size held in memory, the same in SQLite,
// or your own transactions. It prints the loop's report (cycle.WriteReport)
// of the last quarter, after a month of complaints on the desk, and can
// draw it as charts.
//
//	go run ./examples/scale                                  # 1,000,000 generated customers, about 11M transactions
//	go run ./examples/scale -customers 100000 -html report.html
//	go run -tags sqlite ./examples/scale -customers 50000 -db crm.db   # run again to resume
//	go run ./examples/scale -transactions sales.csv -header \
//	    -customer customer_id -date date -amount amount
//	go run ./examples/scale -cpuprofile cpu.out -memprofile heap.out
//
// Without -db the generated transactions are kept in a compact in-memory
// ledger (customers and touchpoints are streamed from the deterministic
// generator whenever they are needed), and the loop's state lives in the
// SDK's memory stores. With -db everything goes through
// examples/sqlitestore, linked only in a build with the sqlite tag.
//
// A million customers take about 55 s and 3 GB on two cores
// (BENCHMARKS.md). For a generated business the command gives the Go
// runtime a soft memory limit of 3 KiB a customer, 3 GiB at least, unless
// GOMEMLIMIT is set (GOMEMLIMIT=off runs without one).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/examples/internal/csvflags"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/lifecycle"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func main() {
	// The memory limit is the process's, so it is set here rather than in
	// run (which the tests call); run parses the flags again and reports
	// any error in them.
	if o, err := parse(os.Args[1:], io.Discard); err == nil && os.Getenv("GOMEMLIMIT") == "" {
		if limit := memoryBudget(o); limit > 0 {
			debug.SetMemoryLimit(limit)
		}
	}
	if err := run(context.Background(), os.Stdout, os.Stderr, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

type options struct {
	file         csvflags.File
	customers    int
	seed         uint64
	db           string
	html         string
	transactions string
	asOf         string
	cpuProfile   string
	memProfile   string
}

func parse(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&o.customers, "customers", 1_000_000, "customers of the generated sample business")
	fs.Uint64Var(&o.seed, "seed", 1, "random seed of the generated sample business")
	fs.StringVar(&o.db, "db", "", "keep everything in this SQLite file; a second run resumes from it")
	fs.StringVar(&o.html, "html", "", "also write the report with charts to this HTML file")
	fs.StringVar(&o.transactions, "transactions", "", "read transactions from this CSV file instead of generating a business")
	o.file.Register(fs, "-transactions: ")
	fs.StringVar(&o.asOf, "as-of", "", "analyse as of this date, YYYY-MM-DD (default: the sample's end, or the day after the file's last purchase)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof reads it)")
	fs.StringVar(&o.memProfile, "memprofile", "", "write a heap profile, taken after the analysis, to this file")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if o.customers <= 0 {
		return o, fmt.Errorf("-customers must be positive, not %d", o.customers)
	}
	return o, nil
}

// memoryBudget is the soft limit the command gives the Go runtime for
// a generated business held in memory, unless GOMEMLIMIT says otherwise:
// near it the collector runs more often instead of letting the heap grow
// to twice what is live. A million customers keep about 1.5 GB live at the
// peak, so 3 KiB a customer (3 GiB at least) is a guard, not a squeeze.
// With -db or -transactions the size is not known up front: no limit.
func memoryBudget(o options) int64 {
	if o.db != "" || o.transactions != "" {
		return 0
	}
	return max(3<<30, int64(o.customers)*3<<10)
}

// database is everything the loop keeps, in one file (-db).
type database struct {
	store     sampledata.Store
	lifecycle lifecycle.Store
	feedback  feedback.Store
	segments  segment.Store
	results   cycle.Store
	close     func() error
}

// source is where the loop reads its data and keeps its state.
type source struct {
	name      string
	data      data
	desk      iter.Seq2[crm.Touchpoint, error] // what reaches the desk
	lifecycle lifecycle.Store
	feedback  feedback.Store
	segments  segment.Store
	results   cycle.Store
	asOf      time.Time
	resumed   bool
	close     func() error
}

// data is what the loop reads: customers, transactions, touchpoints.
type data interface {
	cycle.CustomerSource
	cycle.TransactionSource
	cycle.TouchpointSource
}

// generated streams customers and touchpoints from the generator and
// transactions from the ledger.
type generated struct {
	g *sampledata.Generator
	l *ledger
}

func (s generated) Customers(ctx context.Context) iter.Seq2[crm.Customer, error] {
	return crm.WithContext(ctx, s.g.Customers())
}

func (s generated) Transactions(ctx context.Context) iter.Seq2[crm.Transaction, error] {
	return s.l.transactions(ctx)
}

func (s generated) Touchpoints(ctx context.Context) iter.Seq2[crm.Touchpoint, error] {
	return crm.WithContext(ctx, s.g.Touchpoints())
}

func run(ctx context.Context, out, progress io.Writer, args []string) error {
	o, err := parse(args, progress)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	p := newProgress(progress)
	src, err := open(ctx, o, p)
	if err != nil {
		return err
	}
	defer src.close()
	if o.asOf != "" {
		if src.asOf, err = time.Parse("2006-01-02", o.asOf); err != nil {
			return fmt.Errorf("-as-of: %w", err)
		}
	}
	then, now, err := loop(ctx, src, p)
	if err != nil {
		return err
	}
	if o.memProfile != "" {
		if err := writeHeapProfile(o.memProfile); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "crmkit at scale — %s\n", src.name)
	if err := cycle.WriteReport(out, now, then); err != nil {
		return err
	}
	if o.html != "" {
		done := p.step("drawing the HTML report")
		if err := writeHTMLFile(ctx, o.html, src, then, now); err != nil {
			return err
		}
		done()
		fmt.Fprintf(progress, "wrote %s\n", o.html)
	}
	p.total()
	return nil
}

// loop runs the loop a quarter before asOf, takes the last month's
// complaints to the desk (each customer served by the tier the earlier
// run gave), and runs it at asOf. A resumed database has both runs: they
// are read back, and the desk replays nothing.
func loop(ctx context.Context, src *source, p *progress) (then, now *cycle.Period, err error) {
	for _, def := range []*segment.Segmentation{segment.RFMSegments(), segment.CommunicationGroups(), segment.TierSegments(scoring.DefaultTiers())} {
		if _, err := src.segments.CreateSegmentation(ctx, *def); err != nil && !errors.Is(err, crm.ErrExists) {
			return nil, nil, err
		}
	}
	var clock time.Time
	l, err := cycle.New(cycle.Stores{Customers: src.data, Transactions: src.data, Touchpoints: src.data, Segments: src.segments,
		Lifecycle: src.lifecycle, Feedback: src.feedback, Results: src.results, Periods: src.results},
		&cycle.Options{Period: 90 * 24 * time.Hour, Calendar: sampledata.DeskOptions(&clock).Calendar})
	if err != nil {
		return nil, nil, err
	}
	earlier := src.asOf.AddDate(0, -3, 0)
	done := p.step("running the loop as of " + earlier.Format("2006-01-02"))
	if then, err = l.Run(ctx, earlier); err != nil {
		return nil, nil, err
	}
	done()
	done = p.step("working the last month's complaints on the desk")
	tier := func(id string) (string, float64) {
		r, _ := src.results.Result(ctx, id, earlier)
		return r.Tier, r.CLV.Amount.InexactFloat64()
	}
	if err := sampledata.WorkDesk(ctx, src.feedback, src.desk, src.asOf.AddDate(0, -1, 0), src.asOf, tier); err != nil {
		return nil, nil, err
	}
	done()
	done = p.step("running the loop as of " + src.asOf.Format("2006-01-02"))
	if now, err = l.Run(ctx, src.asOf); err != nil {
		return nil, nil, err
	}
	done()
	return then, now, nil
}

// open sets up the data source: the generator or the user's file, in
// memory or in SQLite.
func open(ctx context.Context, o options, p *progress) (*source, error) {
	cfg := sampledata.DefaultConfig()
	cfg.Customers, cfg.Seed = o.customers, o.seed
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return nil, err
	}
	src := &source{close: func() error { return nil }, asOf: cfg.End}
	if o.db == "" && o.transactions == "" {
		src.name = fmt.Sprintf("a generated retail business of %d customers (seed %d), held in memory", cfg.Customers, cfg.Seed)
		done := p.step(fmt.Sprintf("generating %d customers", cfg.Customers))
		// The default business has about ten transactions a customer.
		l, err := newLedger(ctx, gen.Transactions(), 11*cfg.Customers)
		if err != nil {
			return nil, err
		}
		done()
		fmt.Fprintf(p.w, "  %d transactions in a compact ledger\n", l.len())
		g := generated{gen, l}
		src.data, src.desk = g, g.Touchpoints(ctx)
		src.lifecycle, src.feedback, src.segments, src.results = lifecycle.NewMemoryStore(), feedback.NewMemoryStore(), segment.NewMemoryStore(), cycle.NewMemoryStore()
		return src, nil
	}
	var store sampledata.Store
	if o.db != "" {
		db, err := openDB(o.db)
		if err != nil {
			return nil, err
		}
		store, src.close = db.store, db.close
		src.lifecycle, src.feedback, src.segments, src.results = db.lifecycle, db.feedback, db.segments, db.results
	} else {
		mem := crm.NewMemoryStore()
		store = mem
		src.lifecycle, src.feedback, src.segments, src.results = lifecycle.NewMemoryStore(), feedback.NewMemoryStore(), segment.NewMemoryStore(), cycle.NewMemoryStore()
	}
	src.data, src.desk = store, store.Touchpoints(ctx)

	held := 0
	for _, err := range store.Customers(ctx) {
		if err != nil {
			src.close()
			return nil, err
		}
		held++
		break
	}
	switch {
	case held > 0:
		src.resumed = true
		src.name = "the database " + o.db + " (resumed)"
	case o.transactions != "":
		done := p.step("importing " + o.transactions)
		if err := importFile(ctx, store, o); err != nil {
			src.close()
			return nil, err
		}
		done()
	default:
		done := p.step(fmt.Sprintf("generating %d customers into %s", cfg.Customers, o.db))
		if err := gen.Load(ctx, store); err != nil {
			src.close()
			return nil, err
		}
		done()
	}
	if o.transactions != "" || src.resumed {
		last, err := lastPurchase(ctx, store)
		if err != nil {
			src.close()
			return nil, err
		}
		if o.transactions != "" || !last.Before(cfg.End) {
			src.asOf = last.Truncate(24 * time.Hour).Add(24 * time.Hour)
		}
	}
	if src.name == "" {
		src.name = fmt.Sprintf("a generated retail business of %d customers (seed %d) in %s", cfg.Customers, cfg.Seed, o.db)
		if o.transactions != "" {
			src.name = o.transactions
			if o.db != "" {
				src.name += " in " + o.db
			}
		}
	}
	return src, nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// importFile reads the user's transactions and gives every customer in
// them a customer record, created at their first purchase.
func importFile(ctx context.Context, store sampledata.Store, o options) error {
	mapping, err := o.file.Mapping()
	if err != nil {
		return err
	}
	f, err := os.Open(o.transactions)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := csvimport.Transactions(ctx, store, f, mapping, nil); err != nil {
		return err
	}
	var cur crm.Customer
	flush := func() error {
		if cur.ID == "" {
			return nil
		}
		_, err := store.CreateCustomer(ctx, cur)
		if errors.Is(err, crm.ErrExists) {
			err = nil
		}
		return err
	}
	for tx, err := range store.Transactions(ctx) {
		if err != nil {
			return err
		}
		if tx.CustomerID != cur.ID {
			if err := flush(); err != nil {
				return err
			}
			cur = crm.Customer{ID: tx.CustomerID, CreatedAt: tx.Time}
		}
	}
	return flush()
}

func lastPurchase(ctx context.Context, store crm.TransactionStore) (time.Time, error) {
	var last time.Time
	for tx, err := range store.Transactions(ctx) {
		if err != nil {
			return time.Time{}, err
		}
		if tx.Time.After(last) {
			last = tx.Time
		}
	}
	return last, nil
}

// progress reports long steps on stderr.
type progress struct {
	w     io.Writer
	start time.Time
}

func newProgress(w io.Writer) *progress { return &progress{w: w, start: time.Now()} }

func (p *progress) step(what string) func() {
	fmt.Fprintf(p.w, "%s…\n", what)
	t := time.Now()
	return func() { fmt.Fprintf(p.w, "  done in %v\n", time.Since(t).Round(time.Millisecond)) }
}

func (p *progress) total() {
	fmt.Fprintf(p.w, "finished in %v\n", time.Since(p.start).Round(time.Millisecond))
}
