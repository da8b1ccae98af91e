package csvimport

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/crmkit/crm"
)

// CustomerColumns maps customer fields to columns. ID is required.
type CustomerColumns struct {
	// ID is required; the others are read when mapped.
	ID, Name, Email, Phone, TimeZone, CreatedAt, Tags Column
	// Country, Region, AgeBand and SignupChannel fill the demographics.
	Country, Region, AgeBand, SignupChannel Column
}

// AttributeColumn reads a typed custom attribute from a column. Numbers are
// read as decimals (DecimalComma applies), bools as true/false/yes/no/1/0,
// times with the format's layouts. An empty cell leaves the attribute unset.
type AttributeColumn struct {
	// Attribute is the custom attribute's name.
	Attribute string
	// Kind is its type: string, number, bool or time.
	Kind crm.Kind
	// Column is where it is read from.
	Column Column
}

// CustomerMapping describes how to read customers from a file.
type CustomerMapping struct {
	// Format is how the file is written.
	Format Format
	// Columns map the customer's fields to columns.
	Columns CustomerColumns
	// Attributes map custom attributes to columns.
	Attributes []AttributeColumn
	// TagSeparator splits the tags cell; default "|".
	TagSeparator string
}

// CustomerReader reads customers from delimited text, one per row. It is not
// safe for concurrent use.
type CustomerReader struct {
	m     CustomerMapping
	rows  *rows
	idx   []int // CustomerColumns fields in declaration order, then attributes
	err   error
	ready bool
}

// NewCustomerReader returns a reader of r with mapping m; mapping problems are
// returned by the first Read.
func NewCustomerReader(r io.Reader, m CustomerMapping) *CustomerReader {
	if m.TagSeparator == "" {
		m.TagSeparator = "|"
	}
	return &CustomerReader{m: m, rows: newRows(r, m.Format)}
}

func (cr *CustomerReader) columns() ([]string, []Column) {
	c := cr.m.Columns
	names := []string{"id", "name", "email", "phone", "time_zone", "created_at", "tags", "country", "region", "age_band", "signup_channel"}
	cols := []Column{c.ID, c.Name, c.Email, c.Phone, c.TimeZone, c.CreatedAt, c.Tags, c.Country, c.Region, c.AgeBand, c.SignupChannel}
	for _, a := range cr.m.Attributes {
		names = append(names, "attributes."+a.Attribute)
		cols = append(cols, a.Column)
	}
	return names, cols
}

func (cr *CustomerReader) setup() error {
	var p problems
	if !cr.m.Columns.ID.mapped() {
		p.add("columns.id", "must be mapped")
	}
	if !cr.m.Columns.CreatedAt.mapped() {
		p.add("columns.created_at", "must be mapped (customers need a creation time)")
	}
	for _, a := range cr.m.Attributes {
		if !crm.IsIdentifier(a.Attribute) {
			p.add("attributes."+a.Attribute, "not an attribute name")
		}
		if a.Kind < crm.KindString || a.Kind > crm.KindTime {
			p.add("attributes."+a.Attribute, "kind must be string, number, bool or time")
		}
		if !a.Column.mapped() {
			p.add("attributes."+a.Attribute, "column must be mapped")
		}
	}
	cr.m.Format.validate(&p)
	if err := p.err("customer CSV mapping"); err != nil {
		return err
	}
	if cr.rows.r == nil {
		return fmt.Errorf("csvimport: customer reader: nil io.Reader: %w", crm.ErrInvalid)
	}
	if err := cr.rows.readHeader(); err != nil {
		return err
	}
	names, cols := cr.columns()
	cr.idx = make([]int, len(cols))
	for i, col := range cols {
		idx, err := cr.rows.resolve("columns."+names[i], col)
		if err != nil {
			p = append(p, err)
		}
		cr.idx[i] = idx
	}
	return p.err("customer CSV mapping")
}

// Line returns the line number of the row last read.
func (cr *CustomerReader) Line() int { return cr.rows.line }

// Read returns the next customer, io.EOF after the last, a *RowError for a
// bad row (reading may go on), or a final error (a problem with the header
// line or the mapping is final: Read returns it again on every call).
func (cr *CustomerReader) Read() (crm.Customer, error) {
	if !cr.ready {
		cr.ready = true
		cr.err = finalErr(cr.setup())
	}
	if cr.err != nil {
		return crm.Customer{}, cr.err
	}
	rec, err := cr.rows.next()
	if err != nil {
		return crm.Customer{}, err
	}
	rs := cr.rows
	var errs []error
	vals := make([]string, len(cr.idx))
	for i, idx := range cr.idx {
		if idx < 0 {
			continue
		}
		v, err := rs.field(rec, idx)
		if err != nil {
			errs = append(errs, err)
		}
		vals[i] = v
	}
	if len(errs) > 0 {
		return crm.Customer{}, errors.Join(errs...)
	}
	bad := func(i int, err error) {
		errs = append(errs, rs.cellError(cr.idx[i], vals[i], err))
	}
	c := crm.Customer{ID: vals[0], Name: vals[1], Email: vals[2], Phone: vals[3], TimeZone: vals[4]}
	if t, err := rs.parseTime(vals[5]); err != nil {
		bad(5, err)
	} else {
		c.CreatedAt = t
	}
	if vals[6] != "" {
		for _, tag := range strings.Split(vals[6], cr.m.TagSeparator) {
			if tag = strings.TrimSpace(tag); tag != "" {
				c.Tags = append(c.Tags, tag)
			}
		}
	}
	c.Demographics = crm.Demographics{Country: strings.ToUpper(vals[7]), Region: vals[8], AgeBand: vals[9], SignupChannel: crm.Channel(strings.ToLower(vals[10]))}
	for k, a := range cr.m.Attributes {
		i := 11 + k
		s := vals[i]
		if s == "" {
			continue
		}
		var v crm.Value
		switch a.Kind {
		case crm.KindString:
			v = crm.StringValue(s)
		case crm.KindNumber:
			d, err := rs.parseDecimal(s, -1)
			if err != nil {
				bad(i, err)
				continue
			}
			v = crm.NumberValue(d.InexactFloat64())
		case crm.KindBool:
			switch strings.ToLower(s) {
			case "true", "yes", "y", "1":
				v = crm.BoolValue(true)
			case "false", "no", "n", "0":
				v = crm.BoolValue(false)
			default:
				bad(i, errors.New("not a bool (true/false, yes/no, 1/0)"))
				continue
			}
		case crm.KindTime:
			t, err := rs.parseTime(s)
			if err != nil {
				bad(i, err)
				continue
			}
			v = crm.TimeValue(t)
		}
		if c.Attributes == nil {
			c.Attributes = map[string]crm.Value{}
		}
		c.Attributes[a.Attribute] = v
	}
	if len(errs) == 0 {
		if err := c.Validate(); err != nil {
			errs = append(errs, &RowError{Line: rs.line, Err: err})
		}
	}
	if len(errs) > 0 {
		return crm.Customer{}, errors.Join(errs...)
	}
	return c, nil
}

// Customers reads every row of r, checks that each is valid, appears
// once and is not already in store, and only then creates the customers. A
// bad row, a duplicate or an existing ID means nothing is created.
// BatchSize is ignored: CustomerStore has no batch write. Should another
// writer create one of the IDs between the check and the write, the import
// stops with the error and reports in Result.Stored how many were
// created.
func Customers(ctx context.Context, store crm.CustomerStore, r io.Reader, m CustomerMapping, options *Options) (Result, error) {
	var opt Options
	if options != nil {
		opt = *options
	}
	if store == nil {
		return Result{}, fmt.Errorf("csvimport: import customers: nil store: %w", crm.ErrInvalid)
	}
	cr := NewCustomerReader(r, m)
	opt.BatchSize = 0
	seen := map[string]int{} // ID -> line
	var all []crm.Customer
	read := func() (crm.Customer, error) {
		c, err := cr.Read()
		if err != nil {
			return c, err
		}
		if line, dup := seen[c.ID]; dup {
			return crm.Customer{}, cr.rows.cellError(cr.idx[0], c.ID, fmt.Errorf("duplicate of line %d: %w", line, crm.ErrExists))
		}
		seen[c.ID] = cr.Line()
		if _, err := store.Customer(ctx, c.ID); err == nil {
			return crm.Customer{}, cr.rows.cellError(cr.idx[0], c.ID, fmt.Errorf("customer already stored: %w", crm.ErrExists))
		} else if !errors.Is(err, crm.ErrNotFound) {
			return crm.Customer{}, err
		}
		return c, nil
	}
	res, err := importAll(ctx, opt, read, func(batch []crm.Customer) error {
		all = batch
		return nil
	})
	if err != nil {
		return res, err
	}
	res.Stored = 0
	for _, c := range all {
		if _, err := store.CreateCustomer(ctx, c); err != nil {
			return res, fmt.Errorf("csvimport: import customers: after %d created: %w", res.Stored, err)
		}
		res.Stored++
	}
	return res, nil
}
