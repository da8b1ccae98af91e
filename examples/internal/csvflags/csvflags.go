// Package csvflags describes a transactions file on the command line, the
// same way in every example that reads one: its shape (delimiter, header,
// decimal comma, thousands separator, time layout) and its columns.
package csvflags

import (
	"flag"
	"fmt"
	"strconv"

	"github.com/crmkit/crm/csvimport"
)

// File is a transactions file as the flags describe it.
type File struct {
	Whitespace, Header, DecimalComma, NegativeRefunds bool
	Delimiter, Thousands                              string
	Customer, Date, Amount, Layout, Currency          string
}

// Register defines the flags on fs, each help text after prefix.
func (f *File) Register(fs *flag.FlagSet, prefix string) {
	fs.BoolVar(&f.Whitespace, "whitespace", false, prefix+"fields are separated by runs of spaces or tabs")
	fs.BoolVar(&f.Header, "header", false, prefix+"the file's first line names the columns")
	fs.StringVar(&f.Delimiter, "delimiter", ",", prefix+"field separator: one character, or tab")
	fs.BoolVar(&f.DecimalComma, "decimal-comma", false, prefix+"amounts use a decimal comma (12,50)")
	fs.StringVar(&f.Thousands, "thousands", "", prefix+"thousands separator of the amounts (. , ' _ or space), if they have one")
	fs.BoolVar(&f.NegativeRefunds, "negative-refunds", false, prefix+"read negative amounts as refunds")
	fs.StringVar(&f.Customer, "customer", "customer_id", prefix+"customer ID column: a 1-based number or a header name")
	fs.StringVar(&f.Date, "date", "date", prefix+"date column: a 1-based number or a header name")
	fs.StringVar(&f.Amount, "amount", "amount", prefix+"amount column: a 1-based number or a header name")
	fs.StringVar(&f.Layout, "layout", "2006-01-02", prefix+"Go time layout of the dates")
	fs.StringVar(&f.Currency, "currency", "USD", prefix+"currency of the amounts in the file")
}

// Mapping is the import mapping the flags describe.
func (f File) Mapping() (csvimport.TransactionMapping, error) {
	format := csvimport.Format{Whitespace: f.Whitespace, Header: f.Header, TimeLayouts: []string{f.Layout}, DecimalComma: f.DecimalComma}
	var err error
	if !f.Whitespace {
		if format.Delimiter, err = oneRune("-delimiter", f.Delimiter); err != nil {
			return csvimport.TransactionMapping{}, err
		}
	}
	if f.Thousands != "" {
		if format.ThousandsSeparator, err = oneRune("-thousands", f.Thousands); err != nil {
			return csvimport.TransactionMapping{}, err
		}
	}
	return csvimport.TransactionMapping{
		Format:          format,
		Columns:         csvimport.TransactionColumns{CustomerID: column(f.Customer), Time: column(f.Date), Amount: column(f.Amount)},
		Currency:        f.Currency,
		NegativeRefunds: f.NegativeRefunds,
	}, nil
}

// oneRune reads a one-character flag value; "tab" and "\t" mean a tab.
func oneRune(name, v string) (rune, error) {
	if v == "tab" || v == `\t` {
		return '\t', nil
	}
	if r := []rune(v); len(r) == 1 {
		return r[0], nil
	}
	return 0, fmt.Errorf("%s %q: want one character", name, v)
}

// column reads a column flag: a 1-based position or a header name.
func column(spec string) csvimport.Column {
	if i, err := strconv.Atoi(spec); err == nil {
		return csvimport.ColumnAt(i)
	}
	return csvimport.ColumnNamed(spec)
}
