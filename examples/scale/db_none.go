//go:build !sqlite

package main

import "errors"

// errNoSQLite is the answer to -db in the default build, which leaves the
// SQLite engine out so that the first run compiles quickly.
var errNoSQLite = errors.New("-db needs the SQLite engine, which this build leaves out; run: go run -tags sqlite ./examples/scale -db FILE")

func openDB(string) (*database, error) { return nil, errNoSQLite }
