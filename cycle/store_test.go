package cycle_test

import (
	"testing"

	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/cycle"
	"github.com/crmkit/crm/cycle/cycletest"
)

func TestMemoryStore(t *testing.T) {
	cycletest.TestStore(t, crmtest.Harness[cycle.Store]{New: func(*testing.T) cycle.Store { return cycle.NewMemoryStore() }})
}
