package datasets

import (
	"embed"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"slices"
	"strconv"
	"strings"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/csvimport"
	"github.com/crmkit/crm/scoring"
)

//go:embed cdnow/*.txt cdnow/*.csv donations.csv
var files embed.FS

// FS returns the embedded files, named as in the package documentation
// ("cdnow/CDNOW_sample.txt", "donations.csv", …).
func FS() fs.FS { return files }

// CDNOWSampleCSV returns the mapping that reads cdnow/CDNOW_sample.txt with
// [csvimport.NewTransactionReader]: customers by sample_id (column 2, "0001" to
// "2357"), dates in column 3, dollars in column 5, transaction IDs
// "cdnow-sample-" and the line number.
func CDNOWSampleCSV() csvimport.TransactionMapping {
	return csvimport.TransactionMapping{
		Format:   csvimport.Format{Whitespace: true, TimeLayouts: []string{"20060102"}},
		Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnAt(2), Time: csvimport.ColumnAt(3), Amount: csvimport.ColumnAt(5)},
		Currency: "USD",
		IDPrefix: "cdnow-sample-",
	}
}

// CDNOWMasterCSV returns the mapping that reads cdnow/CDNOW_master.txt:
// customers by customer_id ("00001" to "23570"), transaction IDs
// "cdnow-master-" and the line number.
func CDNOWMasterCSV() csvimport.TransactionMapping {
	return csvimport.TransactionMapping{
		Format:   csvimport.Format{Whitespace: true, Header: true, TimeLayouts: []string{"20060102"}},
		Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("customer_id"), Time: csvimport.ColumnNamed("date"), Amount: csvimport.ColumnNamed("dollar_value")},
		Currency: "USD",
		IDPrefix: "cdnow-master-",
	}
}

// CDNOWSample streams the 6,919 purchases of the CDNOW 1/10 sample in file
// order (by customer, then date), read with [CDNOWSampleCSV]. Amounts are
// exact USD decimals; times are midnight UTC.
func CDNOWSample() iter.Seq2[crm.Transaction, error] {
	return transactions("cdnow/CDNOW_sample.txt", CDNOWSampleCSV())
}

// CDNOWMaster streams the 69,659 purchases of the whole CDNOW cohort in
// file order, read with [CDNOWMasterCSV].
func CDNOWMaster() iter.Seq2[crm.Transaction, error] {
	return transactions("cdnow/CDNOW_master.txt", CDNOWMasterCSV())
}

func transactions(name string, m csvimport.TransactionMapping) iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		f, err := files.Open(name)
		if err != nil {
			yield(crm.Transaction{}, fmt.Errorf("datasets: %s: %w", name, err))
			return
		}
		defer f.Close()
		for t, err := range csvimport.NewTransactionReader(f, m).All() {
			if err != nil {
				err = fmt.Errorf("datasets: %s: %w", name, err)
			}
			if !yield(t, err) || err != nil {
				return
			}
		}
	}
}

// CDNOWSummary returns the published calibration summary of the CDNOW
// sample, one [scoring.Summary] per customer in file order: Frequency,
// Recency and T in weeks (rounded to 2 decimals as published; UnitDays 7)
// up to 1997-09-30, and Monetary, the mean spend of the repeat purchases (0 for a
// customer with none). The published file numbers customers 1 to 2,357;
// CustomerID is written as sample_id is in [CDNOWSample] ("0001"), so the
// two join. The other fields are zero: the file does not have them.
//
// These are the rows the published BG/NBD, Pareto/NBD, MBG/NBD and
// Gamma-Gamma fits were made on.
func CDNOWSummary() ([]scoring.Summary, error) {
	const name = "cdnow/cdnow_customers_summary_with_transactions.csv"
	recs, err := readCSV(name, []string{"ID", "x", "t_x", "T", "zbar"})
	if err != nil {
		return nil, err
	}
	out := make([]scoring.Summary, 0, len(recs))
	for i, rec := range recs {
		id, err1 := strconv.Atoi(rec[0])
		x, err2 := strconv.Atoi(rec[1])
		v, err3 := floats(rec[2:])
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("datasets: %s: line %d: %w", name, i+2, err)
		}
		out = append(out, scoring.Summary{
			CustomerID: fmt.Sprintf("%04d", id),
			Frequency:  x, Recency: v[0], T: v[1], Monetary: v[2], UnitDays: 7,
		})
	}
	return out, nil
}

// Donations returns the charity's 11,104 repeat donors as 22 compressed
// rows for [scoring.FitBGBB]: Frequency donations after the first, the last
// at opportunity Recency, of T = 6 yearly opportunities, Weight donors each.
func Donations() ([]scoring.Row, error) {
	const name = "donations.csv"
	recs, err := readCSV(name, []string{"frequency", "recency", "periods", "weights"})
	if err != nil {
		return nil, err
	}
	out := make([]scoring.Row, 0, len(recs))
	for i, rec := range recs {
		v, err := floats(rec)
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: line %d: %w", name, i+2, err)
		}
		out = append(out, scoring.Row{Frequency: v[0], Recency: v[1], T: v[2], Weight: v[3]})
	}
	return out, nil
}

// readCSV reads an embedded comma-separated file whose header must be
// header, and returns the records after it.
func readCSV(name string, header []string) ([][]string, error) {
	f, err := files.Open(name)
	if err != nil {
		return nil, fmt.Errorf("datasets: %s: %w", name, err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = len(header)
	var recs [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("datasets: %s: %w", name, err)
		}
		for i := range rec {
			rec[i] = strings.TrimSpace(rec[i])
		}
		recs = append(recs, rec)
	}
	if len(recs) == 0 || !slices.Equal(recs[0], header) {
		return nil, fmt.Errorf("datasets: %s: header is not %q", name, header)
	}
	return recs[1:], nil
}

func floats(fields []string) ([]float64, error) {
	out := make([]float64, len(fields))
	for i, s := range fields {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		out[i] = f
	}
	return out, nil
}
