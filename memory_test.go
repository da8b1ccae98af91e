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
	crmtest.TestContactIndex(t, crmtest.Harness[crm.CustomerStore]{New: func(*testing.T) crm.CustomerStore { return crm.NewMemoryStore() }})
}

func TestContactKeys(t *testing.T) {
	for in, want := range map[string]string{"+49 (30) 1234-567": "+49301234567", "0049 30 1234567": "+49301234567", "030 1234567": "0301234567", " +1.555.0100 ": "+15550100", "": ""} {
		if got := crm.PhoneKey(in); got != want {
			t.Errorf("PhoneKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := crm.EmailKey("  Ana.Ruiz@Example.ORG "); got != "ana.ruiz@example.org" {
		t.Errorf("EmailKey: %q", got)
	}
}
