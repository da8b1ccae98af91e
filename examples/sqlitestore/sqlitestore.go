// Package sqlitestore is crmkit's storage on a real embedded database:
// SQLite through database/sql with the pure-Go modernc.org/sqlite driver
// (no cgo). This first part opens databases the way every adapter will —
// WAL journal, foreign keys, a busy timeout — and proves segment's SQL
// pushdown against SQLite in its tests; the store adapters follow.
package sqlitestore

import (
	"database/sql"
	"fmt"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open opens (creating if needed) the SQLite database at path with WAL
// journaling, foreign keys on and a 5-second busy timeout.
func Open(path string) (*sql.DB, error) {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_time_format", "sqlite")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	return db, nil
}
