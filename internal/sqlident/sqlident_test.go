package sqlident_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/sqlident"
)

func TestQuote(t *testing.T) {
	require.Equal(t, `"crm"."tx""s"`, sqlident.Quote(crm.Postgres, `crm.tx"s`))
	require.Equal(t, "`p`.`we``ird\"`", sqlident.Quote(crm.MySQL, "p.we`ird\""))
	require.Equal(t, "`amount`", sqlident.Quote(crm.SQLite, "amount"))
}
