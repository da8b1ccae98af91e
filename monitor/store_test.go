package monitor_test

import (
	"testing"

	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/monitor"
	"github.com/crmkit/crm/monitor/monitortest"
)

func TestMemoryStore(t *testing.T) {
	monitortest.TestStore(t, crmtest.Harness[monitor.Store]{New: func(*testing.T) monitor.Store { return monitor.NewMemoryStore() }})
}
