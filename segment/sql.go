package segment

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/sqlident"
)

// Dialect is a SQL dialect for ToSQL and NewTable: crm.Dialect.
type Dialect = crm.Dialect

// Dialects, as in crm.
const (
	Postgres = crm.Postgres // placeholders $1, $2, …; "quoted" identifiers
	MySQL    = crm.MySQL    // placeholders ?; `quoted` identifiers
	SQLite   = crm.SQLite   // placeholders ?; `quoted` identifiers (a "quoted" name SQLite cannot find would be read as a string)
)

// SQLOptions say how fields map to a table.
type SQLOptions struct {
	// Columns is the whitelist from field names to columns ("col" or
	// "table.col"); a rule reading a field not listed is refused.
	Columns map[string]string
	// AsOf anchors "within" conditions; required when the rule has any.
	AsOf time.Time
}

// MaxSQLArgs is the most arguments ToSQL gives one condition: the
// protocols of PostgreSQL and MySQL number a statement's parameters with
// 16 bits, so a longer "in" list fails on the server; ToSQL refuses it
// first, in every dialect.
const MaxSQLArgs = 65535

// ToSQL turns a rule into a parameterised WHERE condition and its
// arguments. The rule is type-checked against the schema first, as by
// Compile. No value is ever written into the SQL text; identifiers are
// quoted; an empty "in" list becomes 1 = 0 (and "not in" 1 = 1).
//
// Column types: numbers as numeric columns; strings as text; bools as
// booleans (SQLite: 0/1 integers); times as timestamps, compared with
// time.Time arguments (UTC, to the microsecond; in SQLite, which has no
// time type, as fixed-width RFC 3339 text, the form Table writes);
// durations as numbers of seconds; string sets as text[] (PostgreSQL) or
// JSON arrays of strings (MySQL, SQLite). Table defines such a table for
// a schema, and the layout's pitfalls are listed there. String literals
// that are not UTF-8 or hold NUL are refused (as by Compile), and so are
// more than MaxSQLArgs arguments, in every dialect.
//
// NULL is a missing field, and SQL's three-valued logic is exactly the one
// Matcher uses: a condition on NULL is unknown, NOT unknown is unknown, AND
// and OR follow Kleene's tables, and WHERE keeps only true rows. Where a
// dialect's natural form would not yield NULL for a NULL column (JSON set
// membership), the SQL says CASE WHEN col IS NULL THEN NULL … so that both
// sides agree. String ordering is not offered (collations differ);
// equality, "in", prefixes and set membership compare bytes, as Go does:
// in PostgreSQL under the column's collation (NewTable's is "C"), in
// SQLite always, and in MySQL and MariaDB through CAST(… AS BINARY)
// whatever the column's collation (case- and accent-folding, PAD SPACE),
// with set members decoded by JSON_TABLE (MySQL 8, MariaDB 10.6 or later)
// so that any JSON writer's escapes are read alike.
func ToSQL(rule Rule, schema *Schema, dialect Dialect, options *SQLOptions) (string, []any, error) {
	var opt SQLOptions
	if options != nil {
		opt = *options
	}
	if _, err := Compile(rule, schema); err != nil {
		return "", nil, err
	}
	if dialect < Postgres || dialect > SQLite {
		return "", nil, fmt.Errorf("segment: sql: unknown dialect %d: %w", dialect, crm.ErrInvalid)
	}
	g := &sqlGen{dialect: dialect, opt: opt, schema: schema}
	var b strings.Builder
	g.rule(&b, rule)
	if len(g.problems) > 0 {
		return "", nil, &CompileError{Problems: g.problems}
	}
	if len(g.args) > MaxSQLArgs {
		return "", nil, fmt.Errorf("segment: sql: the condition needs %d arguments, more than the %d PostgreSQL's and MySQL's protocols allow in one statement (MaxSQLArgs): split long \"in\" lists into a table and join it: %w", len(g.args), MaxSQLArgs, crm.ErrInvalid)
	}
	return b.String(), g.args, nil
}

type sqlGen struct {
	dialect  Dialect
	opt      SQLOptions
	schema   *Schema
	args     []any
	problems []*crm.FieldError
}

func (g *sqlGen) arg(v any) string {
	g.args = append(g.args, v)
	if g.dialect == Postgres {
		return "$" + strconv.Itoa(len(g.args))
	}
	return "?"
}

// timeArg is a time's argument: a time.Time in UTC, to the microsecond;
// in SQLite, which has no time type, the text Table writes (fixed width,
// so that text order is time order).
func (g *sqlGen) timeArg(t time.Time) string {
	t = t.UTC().Round(time.Microsecond)
	if g.dialect == SQLite {
		return g.arg(sqliteTime(t))
	}
	return g.arg(t)
}

// sqliteTime is how times are written in SQLite: RFC 3339 in UTC with six
// decimal places, always.
func sqliteTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// valueColumn is the column a value is compared with: in MySQL, a
// string column as bytes, so that neither a case- or accent-folding
// collation nor a PAD SPACE one ("US " = "US") changes the answer.
func (g *sqlGen) valueColumn(field string) string {
	col := g.column(field)
	if f, _ := g.schema.Field(field); g.dialect == MySQL && f.Type == String {
		return "CAST(" + col + " AS BINARY)"
	}
	return col
}

func (g *sqlGen) column(field string) string {
	col, ok := g.opt.Columns[field]
	if !ok || col == "" {
		g.problems = append(g.problems, &crm.FieldError{Field: field, Problem: "no column is mapped to this field"})
		return "NULL"
	}
	return sqlident.Quote(g.dialect, col)
}

func (g *sqlGen) literal(field string, l Literal) string {
	f, _ := g.schema.Field(field)
	switch f.Type {
	case Number:
		return g.arg(l.Num)
	case String:
		return g.arg(l.Str)
	case Bool:
		return g.arg(l.Bool)
	case Time:
		return g.timeArg(l.Time)
	case Duration:
		return g.arg(l.Dur.Seconds())
	}
	return g.arg(nil)
}

var sqlOps = map[Op]string{Eq: "=", Ne: "<>", Lt: "<", Le: "<=", Gt: ">", Ge: ">="}

func (g *sqlGen) rule(b *strings.Builder, r Rule) {
	switch r := r.(type) {
	case And:
		g.group(b, r.Rules, " AND ")
	case Or:
		g.group(b, r.Rules, " OR ")
	case Not:
		b.WriteString("NOT (")
		g.rule(b, r.Rule)
		b.WriteString(")")
	case Compare:
		col := g.valueColumn(r.Field)
		fmt.Fprintf(b, "%s %s %s", col, sqlOps[r.Op], g.literal(r.Field, r.Value))
	case Between:
		col := g.column(r.Field)
		lo := g.literal(r.Field, r.Low)
		fmt.Fprintf(b, "%s BETWEEN %s AND %s", col, lo, g.literal(r.Field, r.High))
	case In:
		col := g.valueColumn(r.Field)
		if len(r.Values) == 0 {
			if r.Not {
				b.WriteString("1 = 1")
			} else {
				b.WriteString("1 = 0")
			}
			return
		}
		b.WriteString(col)
		if r.Not {
			b.WriteString(" NOT")
		}
		b.WriteString(" IN (")
		for i, v := range r.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(g.literal(r.Field, v))
		}
		b.WriteString(")")
	case Contains:
		col := g.column(r.Field)
		switch g.dialect {
		case Postgres:
			fmt.Fprintf(b, "%s = ANY(%s)", g.arg(r.Value), col)
		case MySQL:
			// JSON_TABLE decodes the array's strings, so that "R\u0026D" is
			// "R&D" whoever wrote the JSON, and the comparison is bytewise.
			fmt.Fprintf(b, "(CASE WHEN %s IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM JSON_TABLE(%s, '$[*]' COLUMNS (v LONGTEXT PATH '$')) AS jt WHERE CAST(jt.v AS BINARY) = %s) END)", col, col, g.arg(r.Value))
		case SQLite:
			fmt.Fprintf(b, "(CASE WHEN %s IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each(%s) WHERE json_each.value = %s) END)", col, col, g.arg(r.Value))
		}
	case Exists:
		fmt.Fprintf(b, "%s IS NOT NULL", g.column(r.Field))
	case StartsWith:
		col := g.column(r.Field)
		switch g.dialect {
		case Postgres:
			p1 := g.arg(r.Prefix)
			fmt.Fprintf(b, "substr(%s, 1, length(%s::text)) = %s", col, p1, g.arg(r.Prefix))
		case MySQL:
			p1 := g.arg(r.Prefix)
			fmt.Fprintf(b, "LEFT(CAST(%s AS BINARY), LENGTH(%s)) = %s", col, p1, g.arg(r.Prefix))
		case SQLite:
			p1 := g.arg(r.Prefix)
			fmt.Fprintf(b, "substr(%s, 1, length(%s)) = %s", col, p1, g.arg(r.Prefix))
		}
	case Within:
		col := g.column(r.Field)
		if g.opt.AsOf.IsZero() {
			g.problems = append(g.problems, &crm.FieldError{Field: r.Field, Problem: fmt.Sprintf("%q needs SQLOptions.AsOf", r.String())})
			return
		}
		asOf := g.opt.AsOf.UTC()
		lo := g.timeArg(asOf.Add(-r.Last))
		fmt.Fprintf(b, "(%s >= %s AND %s <= %s)", col, lo, col, g.timeArg(asOf))
	}
}

func (g *sqlGen) group(b *strings.Builder, rules []Rule, sep string) {
	b.WriteString("(")
	for i, r := range rules {
		if i > 0 {
			b.WriteString(sep)
		}
		g.rule(b, r)
	}
	b.WriteString(")")
}
