// Package calendar holds the proleptic Gregorian arithmetic more than one
// package needs: the length of a month, and days since 1970 without
// time.Date's work.
package calendar

import "time"

var monthDays = [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}

// DaysIn is the number of days of month m in year y.
func DaysIn(y int, m time.Month) int {
	if m == time.February && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		return 29
	}
	return monthDays[m-1]
}

// DaysSinceEpoch counts the days from 1970-01-01 to the date y-m-d, by
// the usual civil-from-days arithmetic: years begin in March (so the leap
// day ends a year) and repeat every 400 years, 146,097 days.
func DaysSinceEpoch(y int, m time.Month, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400                       // year of the era, 0–399
	doy := (153*((int(m)+9)%12)+2)/5 + d - 1 // day of the year from March 1st
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// Years MonthStart answers for: those most records hold.
const (
	FirstTableYear = 1900
	EndTableYear   = 2100 // the first year past the table
)

// monthStarts holds DaysSinceEpoch of the first of every month of the
// table's years, and of the month after the last: 2,401 numbers (10 KB),
// made once when the package loads (a few microseconds).
var monthStarts = func() []int32 {
	t := make([]int32, 0, (EndTableYear-FirstTableYear)*12+1)
	for y := FirstTableYear; y < EndTableYear; y++ {
		for m := time.January; m <= time.December; m++ {
			t = append(t, int32(DaysSinceEpoch(y, m, 1)))
		}
	}
	return append(t, int32(DaysSinceEpoch(EndTableYear, time.January, 1)))
}()

// MonthStart returns DaysSinceEpoch of the first of month m (1–12) of
// year y and the month's length in days, by one look into a table; ok is
// false for a year outside [FirstTableYear, EndTableYear) or a month
// outside 1–12.
func MonthStart(y int, m time.Month) (start int64, days int, ok bool) {
	i := (y-FirstTableYear)*12 + int(m) - 1
	if y < FirstTableYear || y >= EndTableYear || m < time.January || m > time.December {
		return 0, 0, false
	}
	s := monthStarts[i : i+2 : i+2]
	return int64(s[0]), int(s[1] - s[0]), true
}
