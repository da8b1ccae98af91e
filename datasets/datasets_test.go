package datasets_test

import (
	"encoding/csv"
	"io/fs"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/datasets"
)

func count(t *testing.T, name string, txs func(yield func(crm.Transaction, error) bool)) (n, customers int, first, last time.Time) {
	t.Helper()
	seen := map[string]bool{}
	for tx, err := range txs {
		require.NoError(t, err, name)
		require.NoError(t, tx.Validate(), name)
		n++
		seen[tx.CustomerID] = true
		if first.IsZero() || tx.Time.Before(first) {
			first = tx.Time
		}
		if tx.Time.After(last) {
			last = tx.Time
		}
	}
	return n, len(seen), first, last
}

func TestCDNOWTransactions(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, c := range []struct {
		name                string
		txs                 func(yield func(crm.Transaction, error) bool)
		n, customers        int
		firstID, firstCusto string
	}{
		{"sample", datasets.CDNOWSample(), 6919, 2357, "cdnow-sample-1", "0001"},
		{"master", datasets.CDNOWMaster(), 69659, 23570, "cdnow-master-2", "00001"},
	} {
		n, customers, first, last := count(t, c.name, c.txs)
		require.Equal(t, c.n, n, c.name)
		require.Equal(t, c.customers, customers, c.name)
		require.Equal(t, day("1997-01-01"), first, c.name)
		require.Equal(t, day("1998-06-30"), last, c.name)
		for tx, err := range c.txs {
			require.NoError(t, err)
			require.Equal(t, c.firstID, tx.ID, c.name)
			require.Equal(t, c.firstCusto, tx.CustomerID, c.name)
			require.Equal(t, "USD", tx.Currency)
			break
		}
	}
	// The stream can be ranged again and gives the same.
	n, _, _, _ := count(t, "sample again", datasets.CDNOWSample())
	require.Equal(t, 6919, n)
}

// CDNOWSummary is the published summary file, row for row, with the mean
// repeat spend of the file that adds it.
func TestCDNOWSummaryIsThePublishedFile(t *testing.T) {
	sums, err := datasets.CDNOWSummary()
	require.NoError(t, err)
	require.Len(t, sums, 2357)
	f, err := datasets.FS().Open("cdnow/cdnow_customers_summary.csv")
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Equal(t, []string{"ID", "frequency", "recency", "T"}, recs[0])
	repeaters := 0
	for i, rec := range recs[1:] {
		s := sums[i]
		id, _ := strconv.Atoi(rec[0])
		require.Equal(t, id, mustAtoi(t, s.CustomerID), "row %d", i)
		require.Equal(t, rec[1], strconv.Itoa(s.Frequency), "row %d", i)
		require.Equal(t, mustFloat(t, rec[2]), s.Recency, "row %d", i)
		require.Equal(t, mustFloat(t, rec[3]), s.T, "row %d", i)
		if s.Frequency > 0 {
			repeaters++
			require.Greater(t, s.Monetary, 0.0, "row %d", i)
		} else {
			require.Zero(t, s.Monetary, "row %d", i)
		}
	}
	require.Equal(t, 946, repeaters)
	require.Equal(t, "0001", sums[0].CustomerID, "IDs written as sample_id is")
	require.Equal(t, 22.35, sums[0].Monetary)
}

func mustAtoi(t *testing.T, s string) int {
	n, err := strconv.Atoi(s)
	require.NoError(t, err)
	return n
}

func mustFloat(t *testing.T, s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	require.NoError(t, err)
	return f
}

func TestDonations(t *testing.T) {
	rows, err := datasets.Donations()
	require.NoError(t, err)
	require.Len(t, rows, 22)
	total := 0.0
	for _, r := range rows {
		require.Equal(t, 6.0, r.T)
		require.LessOrEqual(t, r.Frequency, r.Recency)
		total += r.Weight
	}
	require.Equal(t, 11104.0, total)
	require.Equal(t, 3464.0, rows[0].Weight)
}

func TestFSHasEveryFile(t *testing.T) {
	want := map[string]int64{
		"cdnow/CDNOW_sample.txt": 228327, "cdnow/CDNOW_master.txt": 1950500,
		"cdnow/cdnow_customers_summary.csv": 40079, "cdnow/cdnow_customers_summary_with_transactions.csv": 57085,
		"donations.csv": 256,
	}
	got := map[string]int64{}
	require.NoError(t, fs.WalkDir(datasets.FS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		got[path] = info.Size()
		return err
	}))
	require.Equal(t, want, got)
}
