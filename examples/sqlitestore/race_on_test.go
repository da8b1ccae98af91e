//go:build race

package sqlitestore_test

// Under the race detector the SQLite engine (C translated to Go) runs about
// 25 times slower, so the differential test runs a tenth of its rules on a
// fifth of the profiles; CI also runs it in full without the detector.
const raceEnabled = true
