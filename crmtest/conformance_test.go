package crmtest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/crmtest"
)

// sharingStore is a customer store with the mistake a host makes most
// easily: it hands out, and keeps, the caller's slices and maps.
type sharingStore struct {
	mu sync.Mutex
	m  map[string]crm.Customer
	crm.CustomerStore
}

func (s *sharingStore) CreateCustomer(ctx context.Context, c crm.Customer) (crm.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c.Version = 1
	s.m[c.ID] = c
	return c, nil
}

func (s *sharingStore) Customer(ctx context.Context, id string) (crm.Customer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.m[id]
	if !ok {
		return c, crm.ErrNotFound
	}
	return c, nil
}

// The suite says what is wrong with such a store in so many words, instead
// of failing later on a counter that looks like lost updates. The suite is
// run in a child process, where its failure is the expected outcome.
func TestSuiteNamesSharedRecords(t *testing.T) {
	if os.Getenv("CRMTEST_RUN_SHARING_STORE") == "1" {
		crmtest.TestCustomerStore(t, crmtest.Harness[crm.CustomerStore]{New: func(t *testing.T) crm.CustomerStore {
			return &sharingStore{m: map[string]crm.Customer{}, CustomerStore: crm.NewMemoryStore()}
		}})
		return
	}
	exe, err := os.Executable()
	require.NoError(t, err)
	cmd := exec.Command(exe, "-test.run=^TestSuiteNamesSharedRecords$/Copies", "-test.v")
	cmd.Env = append(slices.Clone(os.Environ()), "CRMTEST_RUN_SHARING_STORE=1")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "the suite must fail on a store that shares records:\n%s", out)
	require.Contains(t, string(out), "changing the customer passed to CreateCustomer changed the stored record: the store shares its Tags slice with the caller")
}
