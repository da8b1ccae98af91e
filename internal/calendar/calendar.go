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
