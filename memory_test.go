package crm_test

import (
	"testing"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
)

func TestMemoryStoreConformance(t *testing.T) {
	t.Parallel()
	crmtest.TestCustomerStore(t, crmtest.Harness[crm.CustomerStore]{New: func(*testing.T) crm.CustomerStore { return crm.NewMemoryStore() }})
	crmtest.TestTransactionStore(t, crmtest.Harness[crm.TransactionStore]{New: func(*testing.T) crm.TransactionStore { return crm.NewMemoryStore() }})
	crmtest.TestTouchpointStore(t, crmtest.Harness[crm.TouchpointStore]{New: func(*testing.T) crm.TouchpointStore { return crm.NewMemoryStore() }})
}
