// Package sqlident quotes SQL identifiers, the one way every package that
// writes SQL for a host's database does (segment's conditions and profile
// tables, scoring's summary query).
package sqlident

import (
	"strings"

	"github.com/crmkit/crm"
)

// Quote quotes a plain or dotted name ("table.column", "schema.table"),
// each part apart: "double quotes" in PostgreSQL, `backticks` in MySQL and
// SQLite (where a "quoted" name SQLite cannot find would be read as a
// string), a quote inside a name doubled.
func Quote(d crm.Dialect, name string) string {
	q := "`"
	if d == crm.Postgres {
		q = `"`
	}
	parts := strings.Split(name, ".")
	for i, p := range parts {
		parts[i] = q + strings.ReplaceAll(p, q, q+q) + q
	}
	return strings.Join(parts, ".")
}
