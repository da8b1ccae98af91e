package crm

import "fmt"

// Dialect is a SQL dialect, for the packages that write SQL a host runs
// on its own database: segment.ToSQL and segment.NewTable (rules and
// profile tables), scoring.SummarySQL (summaries where the transactions
// live).
type Dialect uint8

// Dialects.
const (
	Postgres Dialect = iota + 1 // PostgreSQL: placeholders $1, $2, …; "quoted" identifiers
	MySQL                       // MySQL and MariaDB: placeholders ?; `quoted` identifiers
	SQLite                      // SQLite: placeholders ?; `quoted` identifiers
)

func (d Dialect) String() string {
	switch d {
	case Postgres:
		return "PostgreSQL"
	case MySQL:
		return "MySQL"
	case SQLite:
		return "SQLite"
	}
	return fmt.Sprintf("Dialect(%d)", uint8(d))
}
