package scoring

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/sqlident"
)

// TransactionTable names a host's transactions table and its columns, for
// NewSummaryQuery. Empty names take the defaults: transactions (id,
// customer_id, at, kind, amount, currency).
//
// Column types the query expects: in PostgreSQL, at is timestamptz, or
// with Nanos a bigint of Unix nanoseconds (as examples/postgres's stores
// keep it), and amount numeric (or text holding a decimal); in MySQL and
// MariaDB, at is DATETIME(6) holding UTC and amount DECIMAL (or text
// holding a decimal); in SQLite, at is an integer of Unix nanoseconds (as
// examples/sqlitestore keeps it; Nanos is implied) and amount text holding
// a decimal. kind is 'refund' for a
// refund; every other kind is a purchase, as in Summarize. IDs and kinds
// compare bytewise, whatever the columns' collations.
type TransactionTable struct {
	// Name is the table (or view), plain or schema-qualified.
	Name string
	// ID, CustomerID, Time, Kind, Amount and Currency are its columns.
	ID, CustomerID, Time, Kind, Amount, Currency string
	// Nanos says Time holds Unix nanoseconds in an integer column
	// (PostgreSQL and SQLite; always so in SQLite). First and Last then
	// come back to the nanosecond, and transactions order as Summarize
	// orders them; periods are found from the time's microsecond.
	Nanos bool
}

// SummaryQuery is the SQL that computes, in the database where the
// transactions live, the summaries Summarize computes from a stream: one
// row per customer with a purchase at or before asOf, in customer ID
// order (bytewise, as the stores stream them), the same periods, the same
// refund rule (a refund reduces its own purchase period, or else the
// latest one before it, never below zero; refunds before the first
// purchase count in Total only), the same Total. Run it with Summaries,
// or run SQL with Args and read each row with Scan.
//
// Equality with Summarize: frequency, recency, T, count, first, last and
// the currency are equal; Total is exact in PostgreSQL (numeric) and MySQL
// (DECIMAL(60, 12), which holds crm's amount range) and, in
// SQLite, which has no decimal type, summed in millionths of the
// currency's unit (exact while every amount has at most six decimal
// places and 15 significant digits); Monetary adds the same float64
// amounts in another order, so it may differ in the last bits (relative
// 1e-12 in the tests). Times are the database's: PostgreSQL keeps
// microseconds.
//
// Cost: one scan of the transactions up to asOf, sorts by customer and
// time, and groups per customer and period; no join. MySQL and MariaDB
// sort in temporary tables: raise tmp_table_size and max_heap_table_size
// for the session, or the sorts spill to disk (MariaDB 10.11, 1.2M
// transactions: 38 s with the 16 MiB defaults, 10 s with 1 GiB;
// go-sql-driver/mysql sets such variables from the DSN). BENCHMARKS.md
// has the figures.
//
// Periods in a time zone other than UTC need PostgreSQL (AT TIME ZONE
// with the zone's name); SQLite has no zone database, and MySQL's is often
// not loaded, so the query is refused there.
type SummaryQuery struct {
	// SQL is the query.
	SQL string
	// Args are the query's arguments.
	Args []any

	dialect    crm.Dialect
	p          periodizer
	asOfPeriod int64
	currency   string
}

// NewSummaryQuery writes the summary query for dialect over table, as
// Summarize(…, asOf, opt) would summarise the table's transactions.
func NewSummaryQuery(dialect crm.Dialect, table TransactionTable, asOf time.Time, options *SummaryOptions) (*SummaryQuery, error) {
	p, currency, err := periodizerOf(options)
	if err != nil {
		return nil, err
	}
	switch {
	case dialect != crm.Postgres && dialect != crm.MySQL && dialect != crm.SQLite:
		return nil, fmt.Errorf("scoring: summary query: unknown dialect %d: %w", dialect, crm.ErrInvalid)
	case dialect == crm.MySQL && table.Nanos:
		return nil, fmt.Errorf("scoring: summary query: times as Unix nanoseconds need PostgreSQL or SQLite (MySQL's time functions read the session's zone): %w", crm.ErrInvalid)
	case dialect != crm.Postgres && p.loc != time.UTC:
		return nil, fmt.Errorf("scoring: summary query: periods in %s need a time zone database, which %s may not have loaded: use UTC or PostgreSQL: %w", p.loc, dialect, crm.ErrInvalid)
	case asOf.IsZero():
		return nil, fmt.Errorf("scoring: summary query: zero asOf: %w", crm.ErrInvalid)
	}
	t := table.withDefaults()
	q := &SummaryQuery{dialect: dialect, p: p, asOfPeriod: p.index(asOf), currency: currency}
	quote := func(name string) string { return sqlident.Quote(dialect, name) }
	// bytes is a text expression compared and ordered bytewise, as Go
	// compares strings, whatever the column's collation.
	bytes := func(expr string) string {
		switch dialect {
		case crm.Postgres:
			return expr + ` COLLATE "C"`
		case crm.MySQL:
			return "CAST(" + expr + " AS BINARY)"
		}
		return expr
	}
	at := quote(t.Time)
	nanos := t.Nanos || dialect == crm.SQLite
	var asOfArg any = asOf.UTC()
	if nanos {
		asOfArg = clampNanos(asOf)
	}
	q.Args = append(q.Args, asOfArg)
	arg := func(v any) string {
		q.Args = append(q.Args, v)
		if dialect == crm.Postgres {
			return "$" + strconv.Itoa(len(q.Args))
		}
		return "?"
	}
	first := "$1"
	if dialect != crm.Postgres {
		first = "?"
	}
	// floorDiv is ⌊x / n⌋ for integers, as Go's floorDiv.
	floorDiv := func(x string, n int64) string {
		if n == 1 {
			return x
		}
		div := "/"
		if dialect == crm.MySQL {
			div = "DIV" // "/" divides as decimals
		}
		return fmt.Sprintf("((%s) %s %d - (CASE WHEN (%s) %% %d < 0 THEN 1 ELSE 0 END))", x, div, n, x, n)
	}
	var days, month string
	if dialect == crm.Postgres {
		instant := at
		if nanos {
			// The microsecond at or before the nanosecond: a day or month
			// starts on a whole microsecond, so the period is the same.
			instant = fmt.Sprintf("(TIMESTAMPTZ 'epoch' + %s * INTERVAL '1 microsecond')", floorDiv(at, 1000))
		}
		local := fmt.Sprintf("(%s AT TIME ZONE %s)", instant, arg(p.loc.String()))
		days = fmt.Sprintf("(%s::date - DATE '1970-01-01')", local)
		month = fmt.Sprintf("(CAST(extract(year FROM %s) AS bigint) * 12 + CAST(extract(month FROM %s) AS bigint) - 1)", local, local)
	} else if dialect == crm.MySQL {
		days = fmt.Sprintf("DATEDIFF(%s, '1970-01-01')", at)
		month = fmt.Sprintf("(YEAR(%s) * 12 + MONTH(%s) - 1)", at, at)
	} else {
		days = floorDiv(at, 86_400_000_000_000)
		secs := floorDiv(at, 1_000_000_000)
		month = fmt.Sprintf("(CAST(strftime('%%Y', %s, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%%m', %s, 'unixepoch') AS INTEGER) - 1)", secs, secs)
	}
	var period string
	switch p.unit {
	case Month:
		period = floorDiv(month, p.length)
	case Week:
		period = floorDiv(floorDiv(days+" - 4", 7), p.length)
	default:
		period = floorDiv(days, p.length)
	}
	least, float, exact := "LEAST", "double precision", "numeric"
	part := "SUM(CASE WHEN refund THEN -amount ELSE amount END)"
	total := "CAST(SUM(total) AS text)"
	switch dialect {
	case crm.SQLite:
		least, float, exact = "MIN", "REAL", "TEXT"
		part = "SUM(CASE WHEN refund THEN -1 ELSE 1 END * CAST(round(CAST(amount AS REAL) * 1000000) AS INTEGER))"
		total = "SUM(total)"
	case crm.MySQL:
		float, exact = "DOUBLE", "DECIMAL(60, 12)"
		total = "CAST(SUM(total) AS CHAR)"
	}
	// ev: the transactions up to asOf with their periods. tg: each one's
	// target, the latest purchase period at or before it (NULL for a
	// refund before the first purchase), and its place in the customer's
	// order. pre: running sums of spend per target. per: each target's
	// spend (the running sum clamped at zero: the last sum less the lowest
	// below zero) and its share of the other figures. The windows' orders
	// are unique (IDs, row numbers), so their default frames run from the
	// first row to the current one. No join: one pass of sorts and groups.
	q.SQL = fmt.Sprintf(`WITH ev AS (
  SELECT %[1]s AS customer_id, %[2]s AS id, %[3]s AS at, (%[4]s = 'refund') AS refund,
    CAST(%[5]s AS %[13]s) AS amount, %[6]s AS currency, %[7]s AS period
  FROM %[8]s WHERE %[3]s <= %[9]s
), tg AS (
  SELECT customer_id, refund, amount, at, currency,
    MAX(CASE WHEN refund THEN NULL ELSE period END) OVER w AS target,
    ROW_NUMBER() OVER w AS seq
  FROM ev
  WINDOW w AS (PARTITION BY customer_id ORDER BY at, refund, %[10]s)
), pre AS (
  SELECT customer_id, target, refund, amount, at, currency,
    CASE WHEN refund THEN -CAST(amount AS %[12]s) ELSE CAST(amount AS %[12]s) END AS x,
    SUM(CASE WHEN refund THEN -CAST(amount AS %[12]s) ELSE CAST(amount AS %[12]s) END) OVER (PARTITION BY customer_id, target ORDER BY seq) AS p
  FROM tg
), per AS (
  SELECT customer_id, target, SUM(x) - %[11]s(0, MIN(p)) AS spend, %[14]s AS total,
    SUM(CASE WHEN refund THEN 0 ELSE 1 END) AS purchases,
    MIN(CASE WHEN refund THEN NULL ELSE at END) AS first_at, MAX(CASE WHEN refund THEN NULL ELSE at END) AS last_at,
    MIN(currency) AS cur_lo, MAX(currency) AS cur_hi,
    MIN(target) OVER (PARTITION BY customer_id) AS first_p
  FROM pre GROUP BY customer_id, target
)
SELECT customer_id, COUNT(target) - 1, MIN(target), MAX(target),
  COALESCE(SUM(CASE WHEN target > first_p THEN spend END), 0), SUM(purchases), %[15]s,
  MIN(first_at), MAX(last_at), MIN(cur_lo), MAX(cur_hi)
FROM per GROUP BY customer_id HAVING COUNT(target) > 0
ORDER BY %[16]s`,
		quote(t.CustomerID), quote(t.ID), at, bytes(quote(t.Kind)), quote(t.Amount), quote(t.Currency), period, quote(t.Name), first, bytes("id"), least, float, exact, part, total, bytes("customer_id"))
	return q, nil
}

func (t TransactionTable) withDefaults() TransactionTable {
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&t.Name, "transactions")
	def(&t.ID, "id")
	def(&t.CustomerID, "customer_id")
	def(&t.Time, "at")
	def(&t.Kind, "kind")
	def(&t.Amount, "amount")
	def(&t.Currency, "currency")
	return t
}

// Scan reads one row of the query (pass *sql.Rows's Scan) into a Summary.
// A currency other than the options' (or, without one, the first row's),
// or two currencies for one customer, is an error naming the customer, as
// in Summarize. Scan keeps the first currency: a query's rows are read by
// one goroutine.
func (q *SummaryQuery) Scan(scan func(dest ...any) error) (Summary, error) {
	var s Summary
	var firstP, lastP int64
	var repeat float64
	var total, curLo, curHi string
	var first, last any
	if err := scan(&s.CustomerID, &s.Frequency, &firstP, &lastP, &repeat, &s.Count, &total, &first, &last, &curLo, &curHi); err != nil {
		return Summary{}, fmt.Errorf("scoring: summary query: %w", err)
	}
	if q.currency == "" {
		q.currency = curLo
	}
	if curLo != q.currency || curHi != q.currency {
		other := curLo
		if other == q.currency {
			other = curHi
		}
		return Summary{}, fmt.Errorf("scoring: summary query: customer %q: currency %s, expected %s (summaries never mix currencies): %w", s.CustomerID, other, q.currency, crm.ErrInvalid)
	}
	s.Currency = q.currency
	var err error
	if q.dialect == crm.SQLite {
		micros, perr := strconv.ParseInt(total, 10, 64)
		s.Total, err = decimal.New(micros, -6), perr
	} else {
		s.Total, err = decimal.NewFromString(total)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("scoring: summary query: customer %q: total %q: %w", s.CustomerID, total, err)
	}
	if s.First, err = q.instant(first); err == nil {
		s.Last, err = q.instant(last)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("scoring: summary query: customer %q: %w", s.CustomerID, err)
	}
	s.Recency = float64(lastP-firstP) / q.p.scale
	s.T = float64(q.asOfPeriod-firstP) / q.p.scale
	if s.Frequency > 0 {
		s.Monetary = repeat / float64(s.Frequency)
	}
	s.UnitDays = q.p.unitDays()
	return s, nil
}

// clampNanos is t in Unix nanoseconds, or the nearest int64 when t is
// beyond what they hold (years 1678–2262), where UnixNano would wrap.
func clampNanos(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// instant reads a time column: time.Time, or Unix nanoseconds.
func (q *SummaryQuery) instant(v any) (time.Time, error) {
	switch v := v.(type) {
	case time.Time:
		return v.UTC(), nil
	case int64:
		return time.Unix(0, v).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("a time column gave %T", v)
}

// Summaries runs the query on db and reads every row.
func (q *SummaryQuery) Summaries(ctx context.Context, db interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}) ([]Summary, error) {
	rows, err := db.QueryContext(ctx, q.SQL, q.Args...)
	if err != nil {
		return nil, fmt.Errorf("scoring: summary query: %w", err)
	}
	defer rows.Close()
	var out []Summary
	for rows.Next() {
		s, err := q.Scan(rows.Scan)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("scoring: summary query: %w", err)
	}
	return out, nil
}
