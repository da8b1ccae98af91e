package segment

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/sqlident"
)

// Table is the layout of a schema's profiles as a SQL table, defined by the
// SDK so that a host does not have to guess column types and collations
// for the SQL ToSQL writes: a customer_id key and one column per field,
// named as the field, NULL for a missing value.
//
// Column types by dialect:
//
//	field      PostgreSQL                 MySQL, MariaDB               SQLite
//	key        text COLLATE "C"           VARBINARY(1024)              TEXT
//	number     double precision           DOUBLE                       REAL
//	string     text COLLATE "C"           LONGTEXT utf8mb4_bin         TEXT
//	bool       boolean                    BOOLEAN                      INTEGER (0 or 1)
//	time       timestamptz                DATETIME(6), UTC             TEXT (RFC 3339, UTC, six decimals)
//	duration   double precision (seconds) DOUBLE (seconds)             REAL (seconds)
//	string set text[] COLLATE "C"         JSON (an array)              TEXT (a JSON array)
//
// Pitfalls the layout avoids, which a host writing its own table meets:
// an integer column for a number (pgx then truncates the parameter of
// "x >= 2.5" to 2); timestamp without time zone (instants shift by the
// server's zone offset); a collation other than "C" (equality and prefixes
// fold case or accents, and order differs from Go's); a set stored as
// jsonb, or an empty set written from a nil slice (NULL, where the profile
// has an empty set, so "not (tags contains …)" disagrees); in MySQL and
// MariaDB, DATETIME without fractional seconds, TIMESTAMP (1970–2038 and
// the session's zone), and a driver not set to UTC (go-sql-driver/mysql:
// loc=UTC&parseTime=true). Row writes an empty set as an empty array,
// never as NULL, and times in UTC.
//
// PostgreSQL text holds neither NUL nor invalid UTF-8, and MySQL's
// utf8mb4 no invalid UTF-8: Row refuses a profile with such a string,
// naming the field (Compile and ToSQL refuse such literals in every
// dialect), and in MySQL a customer ID longer than 1,024 bytes. Times are kept to the microsecond, as profiles
// keep them (see Profile.SetTime).
type Table struct {
	name    string
	dialect Dialect
	schema  *Schema
}

// NewTable returns the table layout of schema's profiles in dialect,
// named name (a plain or schema-qualified identifier, quoted as ToSQL
// quotes columns).
func NewTable(schema *Schema, dialect Dialect, name string) (*Table, error) {
	switch {
	case schema == nil:
		return nil, fmt.Errorf("segment: table: nil schema: %w", crm.ErrInvalid)
	case name == "":
		return nil, fmt.Errorf("segment: table: empty name: %w", crm.ErrInvalid)
	case dialect != Postgres && dialect != MySQL && dialect != SQLite:
		return nil, fmt.Errorf("segment: table: unknown dialect %d: %w", dialect, crm.ErrInvalid)
	}
	for _, f := range schema.fields {
		if f.Name == "customer_id" {
			return nil, fmt.Errorf("segment: table: field %q is the name of the key column: %w", f.Name, crm.ErrInvalid)
		}
	}
	return &Table{name: name, dialect: dialect, schema: schema}, nil
}

// quote quotes an identifier as ToSQL quotes columns.
func (t *Table) quote(name string) string { return sqlident.Quote(t.dialect, name) }

func (t *Table) columnType(typ Type) string {
	if t.dialect == Postgres {
		switch typ {
		case Number, Duration:
			return "double precision"
		case String:
			return `text COLLATE "C"`
		case Bool:
			return "boolean"
		case Time:
			return "timestamptz"
		}
		return `text[] COLLATE "C"`
	}
	if t.dialect == MySQL {
		switch typ {
		case Number, Duration:
			return "DOUBLE"
		case String:
			return "LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
		case Bool:
			return "BOOLEAN"
		case Time:
			return "DATETIME(6)"
		}
		return "JSON"
	}
	switch typ {
	case Number, Duration:
		return "REAL"
	case Bool:
		return "INTEGER"
	}
	return "TEXT"
}

// maxMySQLKey is the longest customer ID the MySQL table keys, in bytes.
const maxMySQLKey = 1024

// Create is the CREATE TABLE statement.
func (t *Table) Create() string {
	var b strings.Builder
	key := `text COLLATE "C"`
	switch t.dialect {
	case SQLite:
		key = "TEXT"
	case MySQL:
		key = fmt.Sprintf("VARBINARY(%d)", maxMySQLKey)
	}
	fmt.Fprintf(&b, "CREATE TABLE %s (\n  customer_id %s PRIMARY KEY", t.quote(t.name), key)
	for _, f := range t.schema.fields {
		fmt.Fprintf(&b, ",\n  %s %s", t.quote(f.Name), t.columnType(f.Type))
	}
	b.WriteString("\n)")
	if t.dialect == MySQL {
		b.WriteString(" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
	}
	return b.String()
}

// Insert is the INSERT statement Row's values go with.
func (t *Table) Insert() string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (customer_id", t.quote(t.name))
	for _, f := range t.schema.fields {
		b.WriteString(", " + t.quote(f.Name))
	}
	b.WriteString(") VALUES (")
	for i := range len(t.schema.fields) + 1 {
		if i > 0 {
			b.WriteString(", ")
		}
		if t.dialect == Postgres {
			b.WriteString("$" + strconv.Itoa(i+1))
		} else {
			b.WriteString("?")
		}
	}
	b.WriteString(")")
	return b.String()
}

// Columns are the columns in Row's order: customer_id, then the fields.
func (t *Table) Columns() []string {
	cols := []string{"customer_id"}
	for _, f := range t.schema.fields {
		cols = append(cols, f.Name)
	}
	return cols
}

// Options are the SQLOptions that map every field to its column, for
// ToSQL; asOf anchors "within" conditions.
func (t *Table) Options(asOf time.Time) *SQLOptions {
	cols := make(map[string]string, len(t.schema.fields))
	for _, f := range t.schema.fields {
		cols[f.Name] = f.Name
	}
	return &SQLOptions{Columns: cols, AsOf: asOf}
}

// Row returns a profile's values in the order of Columns: nil for a
// missing field; float64, string, bool and time.Time (UTC) for numbers,
// strings, bools and times; seconds for durations; a set as []string
// (never nil: an empty set is an empty array) in PostgreSQL, which pgx
// sends as text[], and as JSON text in SQLite. The profile must be of the
// table's schema. A string PostgreSQL cannot hold is an error naming the
// field.
func (t *Table) Row(p *Profile) ([]any, error) {
	if p == nil || p.schema != t.schema {
		return nil, fmt.Errorf("segment: table: the profile is not of the table's schema: %w", crm.ErrInvalid)
	}
	if err := t.text("customer_id", p.CustomerID); err != nil {
		return nil, err
	}
	if t.dialect == MySQL && len(p.CustomerID) > maxMySQLKey {
		return nil, &crm.FieldError{Field: "customer_id", Problem: fmt.Sprintf("%d bytes, longer than the %d the MySQL table keys", len(p.CustomerID), maxMySQLKey)}
	}
	row := make([]any, 1, len(t.schema.fields)+1)
	row[0] = p.CustomerID
	for i, f := range t.schema.fields {
		if !p.isSet(i) {
			row = append(row, nil)
			continue
		}
		k := t.schema.pos[i]
		var v any
		switch f.Type {
		case Number, Duration:
			v = p.nums[k]
		case String:
			if err := t.text(f.Name, p.strs[k]); err != nil {
				return nil, err
			}
			v = p.strs[k]
		case Bool:
			v = p.nums[k] != 0
			if t.dialect == SQLite {
				v = int64(p.nums[k])
			}
		case Time:
			v = secondsTime(p.nums[k])
			if t.dialect == SQLite {
				v = sqliteTime(secondsTime(p.nums[k]))
			}
		default:
			set := p.set(k)
			for _, x := range set {
				if err := t.text(f.Name, x); err != nil {
					return nil, err
				}
				if !utf8.ValidString(x) { // JSON text holds only UTF-8
					return nil, &crm.FieldError{Field: f.Name, Problem: "a set's JSON array cannot hold invalid UTF-8"}
				}
			}
			if t.dialect != Postgres {
				b, _ := json.Marshal(append([]string{}, set...)) // strings: cannot fail; empty is [], not null
				v = string(b)
			} else {
				v = append(make([]string, 0, len(set)), set...)
			}
		}
		row = append(row, v)
	}
	return row, nil
}

// text refuses a string the dialect's text type cannot hold.
func (t *Table) text(field, s string) error {
	switch {
	case t.dialect == Postgres:
		if problem := pgTextProblem(s); problem != "" {
			return &crm.FieldError{Field: field, Problem: problem}
		}
	case t.dialect == MySQL && !utf8.ValidString(s):
		return &crm.FieldError{Field: field, Problem: "MySQL's utf8mb4 text cannot hold invalid UTF-8"}
	}
	return nil
}

// pgTextProblem says why PostgreSQL's text cannot hold s, or "".
func pgTextProblem(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		return "PostgreSQL text cannot hold a NUL character"
	}
	if !utf8.ValidString(s) {
		return "PostgreSQL text cannot hold invalid UTF-8"
	}
	return ""
}
