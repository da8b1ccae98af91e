//go:build race

package mysql_test

// Under the race detector the in-memory side of the differential test runs
// many times slower, so it runs a tenth of its rules on a fifth of the
// profiles; CI also runs it in full without the detector.
const raceEnabled = true
