package csvimport

// SetSummarizeWay makes Summarize read ahead or not, in blocks of rows
// rows (0: the default), until restore is called. Tests only: not for
// tests running in parallel.
func SetSummarizeWay(ahead bool, rows int) (restore func()) {
	oldAhead, oldRows := summarizeAhead, aheadRowsNow
	summarizeAhead = func() bool { return ahead }
	if rows > 0 {
		aheadRowsNow = rows
	}
	return func() { summarizeAhead, aheadRowsNow = oldAhead, oldRows }
}
