package segment_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/segment"
)

var columns = map[string]string{
	"recency_days": "recency_days", "frequency": "frequency", "monetary": "p.monetary", "country": "country",
	"email": `e"mail`, "tags": "tags", "vip": "vip", "signup_date": "signup_date", "last_purchase": "last_purchase",
	"avg_session": "avg_session",
}

func TestToSQLEveryOperator(t *testing.T) {
	s := testSchema(t)
	sql := func(d segment.Dialect, text string) (string, []any) {
		r, err := segment.Parse(text)
		require.NoError(t, err, text)
		where, args, err := segment.ToSQL(r, s, d, &segment.SQLOptions{Columns: columns, AsOf: asOf})
		require.NoError(t, err, text)
		return where, args
	}
	for _, c := range []struct {
		rule     string
		pg, my   string
		lite     string
		wantArgs []any
	}{
		{`recency_days <= 30`, `"recency_days" <= $1`, "`recency_days` <= ?", "`recency_days` <= ?", []any{30.0}},
		{`monetary != 5`, `"p"."monetary" <> $1`, "`p`.`monetary` <> ?", "`p`.`monetary` <> ?", []any{5.0}},
		{`email = "a'b"`, `"e""mail" = $1`, "CAST(`e\"mail` AS BINARY) = ?", "`e\"mail` = ?", []any{"a'b"}},
		{`monetary between 1 and 2`, `"p"."monetary" BETWEEN $1 AND $2`, "`p`.`monetary` BETWEEN ? AND ?", "`p`.`monetary` BETWEEN ? AND ?", []any{1.0, 2.0}},
		{`country in ("CN", "US")`, `"country" IN ($1, $2)`, "CAST(`country` AS BINARY) IN (?, ?)", "`country` IN (?, ?)", []any{"CN", "US"}},
		{`country not in ("CN")`, `"country" NOT IN ($1)`, "CAST(`country` AS BINARY) NOT IN (?)", "`country` NOT IN (?)", []any{"CN"}},
		{`country in ()`, `1 = 0`, `1 = 0`, `1 = 0`, nil},
		{`country not in ()`, `1 = 1`, `1 = 1`, `1 = 1`, nil},
		{`tags contains "vip"`, `$1 = ANY("tags")`,
			"(CASE WHEN `tags` IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM JSON_TABLE(`tags`, '$[*]' COLUMNS (v LONGTEXT PATH '$')) AS jt WHERE CAST(jt.v AS BINARY) = ?) END)",
			"(CASE WHEN `tags` IS NULL THEN NULL ELSE EXISTS (SELECT 1 FROM json_each(`tags`) WHERE json_each.value = ?) END)", []any{"vip"}},
		{`email exists`, `"e""mail" IS NOT NULL`, "`e\"mail` IS NOT NULL", "`e\"mail` IS NOT NULL", nil},
		{`email starts_with "in%fo_"`, `substr("e""mail", 1, length($1::text)) = $2`, "LEFT(CAST(`e\"mail` AS BINARY), LENGTH(?)) = ?", "substr(`e\"mail`, 1, length(?)) = ?", []any{"in%fo_", "in%fo_"}},
		{`vip = true`, `"vip" = $1`, "`vip` = ?", "`vip` = ?", []any{true}},
		{`signup_date before @2024-01-01`, `"signup_date" < $1`, "`signup_date` < ?", "`signup_date` < ?", []any{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{`last_purchase within 30d`, `("last_purchase" >= $1 AND "last_purchase" <= $2)`, "(`last_purchase` >= ? AND `last_purchase` <= ?)", "(`last_purchase` >= ? AND `last_purchase` <= ?)", []any{asOf.AddDate(0, 0, -30), asOf}},
		{`avg_session >= 2m`, `"avg_session" >= $1`, "`avg_session` >= ?", "`avg_session` >= ?", []any{120.0}},
		{`not (frequency > 1 or vip = false) and country = "US"`, `(NOT (("frequency" > $1 OR "vip" = $2)) AND "country" = $3)`,
			"(NOT ((`frequency` > ? OR `vip` = ?)) AND CAST(`country` AS BINARY) = ?)", "(NOT ((`frequency` > ? OR `vip` = ?)) AND `country` = ?)", []any{1.0, false, "US"}},
	} {
		for d, want := range map[segment.Dialect]string{segment.Postgres: c.pg, segment.MySQL: c.my, segment.SQLite: c.lite} {
			where, args := sql(d, c.rule)
			require.Equal(t, want, where, "%s (dialect %d)", c.rule, d)
			wantArgs := c.wantArgs
			if d == segment.SQLite { // no time type: fixed-width text
				wantArgs = slices.Clone(wantArgs)
				for i, a := range wantArgs {
					if at, ok := a.(time.Time); ok {
						wantArgs[i] = at.UTC().Format("2006-01-02T15:04:05.000000Z")
					}
				}
			}
			require.Equal(t, wantArgs, args, "%s (dialect %d)", c.rule, d)
		}
	}
}

func TestToSQLRefusals(t *testing.T) {
	s := testSchema(t)
	r, err := segment.Parse(`frequency > 1 and last_purchase within 3d`)
	require.NoError(t, err)
	_, _, err = segment.ToSQL(r, s, segment.Postgres, &segment.SQLOptions{Columns: map[string]string{"frequency": "f"}})
	require.ErrorIs(t, err, crm.ErrInvalid)
	require.ErrorContains(t, err, "last_purchase: no column is mapped to this field")
	_, _, err = segment.ToSQL(r, s, segment.Postgres, &segment.SQLOptions{Columns: columns})
	require.ErrorContains(t, err, "needs SQLOptions.AsOf")
	_, _, err = segment.ToSQL(r, s, 9, &segment.SQLOptions{Columns: columns, AsOf: asOf})
	require.ErrorContains(t, err, "unknown dialect")
	bad, err := segment.Parse(`frequncy > 1`)
	require.NoError(t, err)
	_, _, err = segment.ToSQL(bad, s, segment.SQLite, &segment.SQLOptions{Columns: columns})
	require.ErrorContains(t, err, `did you mean "frequency"`)
}
