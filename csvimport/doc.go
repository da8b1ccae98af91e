// Package csvimport reads customers and transactions from delimited text —
// the exports of shop systems, spreadsheets and warehouses — into crm
// stores, with every bad row reported by line and column and nothing
// stored from a failed batch.
//
//	mapping := csvimport.TransactionMapping{
//		Format:   csvimport.Format{Delimiter: ';', Header: true, DecimalComma: true, ThousandsSeparator: '.', TimeLayouts: []string{"02.01.2006"}},
//		Columns:  csvimport.TransactionColumns{CustomerID: csvimport.ColumnNamed("kunde"), Time: csvimport.ColumnNamed("datum"), Amount: csvimport.ColumnNamed("betrag")},
//		Currency: "EUR",
//	}
//	res, err := csvimport.Transactions(ctx, store, file, mapping, &csvimport.Options{CollectErrors: true})
//	var re *csvimport.RowError // errors.As(err, &re): re.Line, re.Column, re.Value
//
// A [Format] says how the file is split (a delimiter, or runs of blanks),
// whether it has a header, its time layouts and zone, and how numbers are
// written (decimal comma, thousands separator). A [TransactionMapping] or
// [CustomerMapping] maps fields to columns by header name or position.
// [Transactions] and [Customers] import a whole file; [TransactionReader]
// and [CustomerReader] stream it row by row; [Summarize] reads it straight
// into the summaries the customer-base models read (scoring.Summary),
// keeping no transaction.
//
// Numbers that read differently under the two conventions ("12,345": 12.345
// or 12345?) are refused unless the format declares its thousands
// separator; negative amounts are refunds only with
// TransactionMapping.NegativeRefunds. Transactions without an ID column get
// IDs from their line numbers, so importing the same file again stores
// nothing twice.
//
// # Concurrency
//
// Readers are not safe for concurrent use; Transactions and Customers may
// run concurrently on different inputs. [Transactions] and
// [TransactionReader.All] read and parse ahead on a goroutine of their own
// (at most six batches of 256 rows), so that the store or the loop over
// the rows works beside the reading; they end that goroutine before they
// return, once it has finished the row it is reading. [Summarize] too,
// with more than one processor, reads and parses ahead (at most six
// blocks of 4,096 rows) while the caller's goroutine summarises. A panic
// in the io.Reader comes back as an error.
package csvimport
