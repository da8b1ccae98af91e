// Command scale runs crmkit's analysis where the transactions live, on
// PostgreSQL: the generated business's transactions bulk-loaded with COPY,
// the customers' summaries computed by SQL (scoring.NewSummaryQuery), the
// models fitted and every customer valued in Go, the customers' RFM
// profiles written to the profile table segment.NewTable defines, and the
// 11 RFM segments counted by SQL (segment.ToSQL) — each count checked
// against the in-memory matcher. It prints each stage's wall time and the
// Go process's peak memory.
//
//	eval "$(.ci/postgres start /tmp/pg)"
//	go run ./examples/postgres/scale -customers 1000000
//
// The database is CRM_POSTGRES_URL (or -url); the command works in a
// schema of its own, crm_scale, dropped first and left behind for a look
// (-drop removes it at the end). Nothing is held per transaction in Go:
// the generator streams into COPY, and the profiles stream from the
// summaries into COPY.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/examples/postgres"
	"github.com/crmkit/crm/sampledata"
	"github.com/crmkit/crm/scoring"
	"github.com/crmkit/crm/segment"
)

func main() {
	if err := run(context.Background(), os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

// report is what a run measured.
type report struct {
	transactions, customers int64
	segments                map[string]int
}

func run(ctx context.Context, out io.Writer, args []string) error {
	_, err := runReport(ctx, out, args)
	return err
}

func runReport(ctx context.Context, out io.Writer, args []string) (*report, error) {
	fs := flag.NewFlagSet("scale", flag.ContinueOnError)
	fs.SetOutput(out)
	customers := fs.Int("customers", 1_000_000, "generated customers")
	url := fs.String("url", os.Getenv("CRM_POSTGRES_URL"), "PostgreSQL connection URL (default $CRM_POSTGRES_URL)")
	schemaName := fs.String("schema", "crm_scale", "the schema to work in (dropped first)")
	drop := fs.Bool("drop", false, "drop the schema at the end")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if *url == "" {
		return nil, errors.New("no database: set CRM_POSTGRES_URL or -url (e.g. eval \"$(.ci/postgres start /tmp/pg)\")")
	}
	if *customers < 1 {
		return nil, fmt.Errorf("-customers %d: at least 1", *customers)
	}
	db, err := postgres.OpenDB(ctx, *url)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx) // one session: the schema's search path holds throughout
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	schema := pgx.Identifier{*schemaName}.Sanitize()
	for _, stmt := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema, "SET search_path TO " + schema} {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return nil, err
		}
	}
	if *drop {
		defer conn.ExecContext(context.Background(), "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
	}
	cfg := sampledata.DefaultConfig()
	cfg.Customers = *customers
	gen, err := sampledata.NewGenerator(cfg)
	if err != nil {
		return nil, err
	}
	rep := &report{segments: map[string]int{}}
	start := time.Now()
	stage := func(name string, since time.Time, what string) {
		fmt.Fprintf(out, "%-34s %8.2f s  %s\n", name, time.Since(since).Seconds(), what)
	}

	// 1. Bulk load.
	t0 := time.Now()
	if _, err := conn.ExecContext(ctx, `CREATE TABLE transactions (
  id text COLLATE "C" NOT NULL, customer_id text COLLATE "C" NOT NULL, at timestamptz NOT NULL,
  kind text NOT NULL, amount numeric NOT NULL, currency text NOT NULL)`); err != nil {
		return nil, err
	}
	if rep.transactions, err = copyRows(ctx, conn, "transactions", []string{"id", "customer_id", "at", "kind", "amount", "currency"}, gen.Transactions(),
		func(tx crm.Transaction) ([]any, error) {
			return []any{tx.ID, tx.CustomerID, tx.Time, string(tx.Kind), tx.Amount.String(), tx.Currency}, nil
		}); err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	stage("COPY transactions", t0, fmt.Sprintf("%d rows", rep.transactions))

	// 2. Summaries where the transactions live.
	t0 = time.Now()
	q, err := scoring.NewSummaryQuery(crm.Postgres, scoring.TransactionTable{}, cfg.End, nil)
	if err != nil {
		return nil, err
	}
	sums, err := q.Summaries(ctx, conn)
	if err != nil {
		return nil, err
	}
	rep.customers = int64(len(sums))
	stage("summaries by SQL", t0, fmt.Sprintf("%d customers", len(sums)))

	// 3. Fits and values, in Go.
	t0 = time.Now()
	purchases, err := scoring.FitBGNBD(ctx, scoring.Compress(sums), nil)
	if err != nil {
		return nil, err
	}
	spend, err := scoring.FitGammaGamma(ctx, scoring.SpendRows(sums), nil)
	if err != nil {
		return nil, err
	}
	stage("BG/NBD and Gamma-Gamma fits", t0, "")
	t0 = time.Now()
	values, err := scoring.CustomerValues(ctx, purchases, spend, sums, nil)
	if err != nil {
		return nil, err
	}
	rfm, _, err := scoring.RFM(sums, nil)
	if err != nil {
		return nil, err
	}
	stage("12-month CLV and RFM scores", t0, "")

	// 4. Profiles into the table the SDK defines, streamed.
	t0 = time.Now()
	fields := []string{"recency_days", "frequency", "monetary", "purchases", "r_score", "f_score", "m_score", "rfm_cell", "clv", "p_alive"}
	pschema, err := segment.DefaultSchema().Only(fields...)
	if err != nil {
		return nil, err
	}
	table, err := segment.NewTable(pschema, segment.Postgres, "profiles")
	if err != nil {
		return nil, err
	}
	if _, err := conn.ExecContext(ctx, table.Create()); err != nil {
		return nil, err
	}
	byID := func(yield func(crm.Customer, error) bool) { // the summarised customers, in order
		for _, s := range sums {
			if !yield(crm.Customer{ID: s.CustomerID}, nil) {
				return
			}
		}
	}
	presets := segment.RFMSegments().Segments
	matchers := make([]*segment.Matcher, len(presets))
	for i, p := range presets {
		r, err := segment.Parse(p.Rule)
		if err != nil {
			return nil, err
		}
		if matchers[i], err = segment.Compile(r, pschema); err != nil {
			return nil, err
		}
	}
	inMemory := make([]int, len(presets))
	profiles := segment.Profiles(ctx, byID, segment.Scores{Summaries: sums, RFM: rfm, Values: values}, pschema, cfg.End)
	n, err := copyRows(ctx, conn, "profiles", table.Columns(), profiles, func(p *segment.Profile) ([]any, error) {
		for i, m := range matchers {
			if m.Match(p) {
				inMemory[i]++
			}
		}
		return table.Row(p)
	})
	if err != nil {
		return nil, fmt.Errorf("profiles: %w", err)
	}
	stage("profiles COPY", t0, fmt.Sprintf("%d rows", n))

	// 5. The RFM segments, counted by SQL and checked.
	t0 = time.Now()
	for i, p := range presets {
		r, _ := segment.Parse(p.Rule)
		where, args, err := segment.ToSQL(r, pschema, segment.Postgres, table.Options(cfg.End))
		if err != nil {
			return nil, err
		}
		var count int
		if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM profiles WHERE "+where, args...).Scan(&count); err != nil {
			return nil, fmt.Errorf("segment %s: %w", p.Name, err)
		}
		if count != inMemory[i] {
			return nil, fmt.Errorf("segment %s: %d customers by SQL, %d in memory", p.Name, count, inMemory[i])
		}
		rep.segments[p.Name] = count
	}
	stage("the 11 RFM rules counted by SQL", t0, "each equal to the in-memory count")
	names := make([]string, 0, len(presets))
	for _, p := range presets {
		names = append(names, fmt.Sprintf("%s %d", p.Name, rep.segments[p.Name]))
	}
	fmt.Fprintf(out, "  %s\n", strings.Join(names, ", "))

	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintf(out, "%-34s %8.2f s  peak RSS %s, Go heap peak %.0f MiB\n", "total", time.Since(start).Seconds(), peakRSS(), float64(ms.HeapSys)/(1<<20))
	return rep, nil
}

// copyRows streams records into table with COPY, each made a row by row,
// on conn's pgx connection (reached only inside conn.Raw, as database/sql
// requires).
func copyRows[T any](ctx context.Context, conn *sql.Conn, table string, columns []string, records iter.Seq2[T, error], row func(T) ([]any, error)) (int64, error) {
	next, stop := iter.Pull2(records)
	defer stop()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		rec, err, ok := next()
		switch {
		case !ok:
			return nil, nil
		case err != nil:
			return nil, err
		}
		return row(rec)
	})
	var n int64
	err := conn.Raw(func(driverConn any) error {
		var err error
		n, err = driverConn.(*stdlib.Conn).Conn().CopyFrom(ctx, pgx.Identifier{table}, columns, src)
		return err
	})
	return n, err
}

// peakRSS is the process's peak resident memory (Linux), or "unknown".
func peakRSS() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			if kb, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB")); err == nil {
				return fmt.Sprintf("%.0f MiB", float64(kb)/1024)
			}
		}
	}
	return "unknown"
}
