//go:build sqlite

package main

import "github.com/crmkit/crm/examples/sqlitestore"

// openDB opens (or creates) the SQLite file behind -db.
func openDB(path string) (*database, error) {
	db, err := sqlitestore.Open(path)
	if err != nil {
		return nil, err
	}
	return &database{store: db, lifecycle: db.Lifecycle(), feedback: db.Feedback(), segments: db.Segments(), results: db.Cycle(), close: db.Close}, nil
}
