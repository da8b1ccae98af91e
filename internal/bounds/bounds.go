// Package bounds says whether a value is one every store can keep: times
// in years 1–9999 (what RFC 3339, JSON and SQL timestamps write) and
// finite numbers (JSON has no NaN or infinity). The packages that decide
// what is written refuse the rest before any store sees it, so memory and
// database stores agree.
package bounds

import (
	"fmt"
	"math"
	"time"
)

// Time says what is wrong with t's range, or "".
func Time(t time.Time) string {
	if y := t.Year(); y < 1 || y > 9999 {
		return fmt.Sprintf("year %d is outside 1–9999", y)
	}
	return ""
}

// Number says what is wrong with f, or "".
func Number(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN is not a number any store keeps"
	case math.IsInf(f, 0):
		return fmt.Sprintf("%v is not a number any store keeps", f)
	}
	return ""
}
