package segment_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

func tableSchema(t *testing.T) *segment.Schema {
	s, err := segment.DefaultSchema().Only("frequency", "country", "tags", "do_not_contact", "last_purchase")
	require.NoError(t, err)
	return s
}

func TestTableLayout(t *testing.T) {
	s := tableSchema(t)
	pg, err := segment.NewTable(s, segment.Postgres, "crm.profiles")
	require.NoError(t, err)
	ddl := pg.Create()
	for _, want := range []string{`CREATE TABLE "crm"."profiles"`, `customer_id text COLLATE "C" PRIMARY KEY`, `"frequency" double precision`,
		`"country" text COLLATE "C"`, `"tags" text[] COLLATE "C"`, `"do_not_contact" boolean`, `"last_purchase" timestamptz`} {
		require.Contains(t, ddl, want)
	}
	require.Equal(t, `INSERT INTO "crm"."profiles" (customer_id, "frequency", "country", "tags", "do_not_contact", "last_purchase") VALUES ($1, $2, $3, $4, $5, $6)`, pg.Insert())
	require.Equal(t, []string{"customer_id", "frequency", "country", "tags", "do_not_contact", "last_purchase"}, pg.Columns())
	lite, err := segment.NewTable(s, segment.SQLite, "profiles")
	require.NoError(t, err)
	require.Contains(t, lite.Create(), "`tags` TEXT")
	my, err := segment.NewTable(s, segment.MySQL, "profiles")
	require.NoError(t, err)
	for _, want := range []string{"customer_id VARBINARY(1024) PRIMARY KEY", "`frequency` DOUBLE", "`country` LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
		"`tags` JSON", "`do_not_contact` BOOLEAN", "`last_purchase` DATETIME(6)"} {
		require.Contains(t, my.Create(), want)
	}
	require.Equal(t, "INSERT INTO `profiles` (customer_id, `frequency`, `country`, `tags`, `do_not_contact`, `last_purchase`) VALUES (?, ?, ?, ?, ?, ?)", lite.Insert())

	at := time.Date(2025, 3, 1, 12, 0, 0, 1_500, time.FixedZone("x", 3600)) // 1.5 µs: rounds to 2 µs
	p := s.NewProfile("c1", at)
	require.NoError(t, p.SetNumber("frequency", 2.5))
	require.NoError(t, p.SetStrings("tags", nil)) // present and empty
	require.NoError(t, p.SetBool("do_not_contact", true))
	require.NoError(t, p.SetTime("last_purchase", at))
	row, err := pg.Row(p)
	require.NoError(t, err)
	require.Equal(t, []any{"c1", 2.5, nil, []string{}, true, time.Date(2025, 3, 1, 11, 0, 0, 2_000, time.UTC)}, row)
	require.NotNil(t, row[3], "an empty set is an empty array, not NULL")
	row, err = lite.Row(p)
	require.NoError(t, err)
	require.Equal(t, []any{"c1", 2.5, nil, "[]", int64(1), "2025-03-01T11:00:00.000002Z"}, row)
	row, err = my.Row(p)
	require.NoError(t, err)
	require.Equal(t, []any{"c1", 2.5, nil, "[]", true, time.Date(2025, 3, 1, 11, 0, 0, 2_000, time.UTC)}, row)
	require.NoError(t, p.SetStrings("tags", []string{"R&D", "vip"}))
	row, err = lite.Row(p)
	require.NoError(t, err)
	require.Equal(t, `["R\u0026D","vip"]`, row[3], "SQLite's json functions decode the escape")
	row, err = pg.Row(p)
	require.NoError(t, err)
	require.Equal(t, []string{"R&D", "vip"}, row[3])

	// Fixed width: text order is time order in SQLite.
	a, b := s.NewProfile("a", at), s.NewProfile("b", at)
	require.NoError(t, a.SetTime("last_purchase", time.Date(2025, 1, 1, 0, 0, 5, 500_000_000, time.UTC)))
	require.NoError(t, b.SetTime("last_purchase", time.Date(2025, 1, 1, 0, 0, 5, 250_000_000, time.UTC)))
	ra, _ := lite.Row(a)
	rb, _ := lite.Row(b)
	require.Greater(t, ra[5].(string), rb[5].(string))
}

func TestTableRefusesWhatTheDatabaseCannotHold(t *testing.T) {
	s := tableSchema(t)
	pg, err := segment.NewTable(s, segment.Postgres, "profiles")
	require.NoError(t, err)
	lite, err := segment.NewTable(s, segment.SQLite, "profiles")
	require.NoError(t, err)
	for name, set := range map[string]func(p *segment.Profile) error{
		"NUL in a string":          func(p *segment.Profile) error { return p.SetString("country", "U\x00S") },
		"invalid UTF-8 in a set":   func(p *segment.Profile) error { return p.SetStrings("tags", []string{"ok", "\xff"}) },
		"NUL in a set":             func(p *segment.Profile) error { return p.SetStrings("tags", []string{"a\x00"}) },
		"invalid UTF-8 in a value": func(p *segment.Profile) error { return p.SetString("country", "B\xfcr") },
	} {
		p := s.NewProfile("c1", time.Now())
		require.NoError(t, set(p))
		_, err := pg.Row(p)
		var fe *crm.FieldError
		require.True(t, errors.As(err, &fe), name)
		require.Contains(t, []string{"country", "tags"}, fe.Field, name)
		require.Contains(t, fe.Problem, "PostgreSQL", name)
	}
	p := s.NewProfile("c1", time.Now())
	require.NoError(t, p.SetStrings("tags", []string{"\xff"}))
	_, err = lite.Row(p)
	require.ErrorContains(t, err, "invalid UTF-8")
	require.NoError(t, p.SetStrings("tags", nil))
	require.NoError(t, p.SetString("country", "B\xfcr")) // SQLite text keeps bytes
	_, err = lite.Row(p)
	require.NoError(t, err)

	_, err = pg.Row(segment.DefaultSchema().NewProfile("c1", time.Now()))
	require.ErrorIs(t, err, crm.ErrInvalid, "a profile of another schema")
	my, err := segment.NewTable(s, segment.MySQL, "profiles")
	require.NoError(t, err)
	p = s.NewProfile(strings.Repeat("x", 1025), time.Now())
	_, err = my.Row(p)
	require.ErrorContains(t, err, "longer than the 1024")
	p = s.NewProfile("c1", time.Now())
	require.NoError(t, p.SetString("country", "B\xfcr"))
	_, err = my.Row(p)
	require.ErrorContains(t, err, "utf8mb4")
	require.NoError(t, p.SetString("country", "U\x00S")) // MySQL text keeps NUL
	_, err = my.Row(p)
	require.NoError(t, err)
	_, err = segment.NewTable(nil, segment.Postgres, "profiles")
	require.ErrorIs(t, err, crm.ErrInvalid)
	_, err = segment.NewTable(s, segment.Postgres, "")
	require.ErrorIs(t, err, crm.ErrInvalid)
}

func TestToSQLRefusesWhatServersRefuse(t *testing.T) {
	s := tableSchema(t)
	opt := &segment.SQLOptions{Columns: map[string]string{"country": "country", "tags": "tags", "frequency": "frequency"}}
	vals := make([]segment.Literal, segment.MaxSQLArgs+1)
	for i := range vals {
		vals[i] = segment.Num(float64(i))
	}
	for _, d := range []segment.Dialect{segment.Postgres, segment.MySQL, segment.SQLite} {
		_, _, err := segment.ToSQL(segment.In{Field: "frequency", Values: vals}, s, d, opt)
		require.ErrorContains(t, err, "MaxSQLArgs")
		_, args, err := segment.ToSQL(segment.In{Field: "frequency", Values: vals[:segment.MaxSQLArgs]}, s, d, opt)
		require.NoError(t, err)
		require.Len(t, args, segment.MaxSQLArgs)
	}
}
