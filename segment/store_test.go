package segment_test

import (
	"testing"

	"github.com/crmkit/crm/segment"
	"github.com/crmkit/crm/segment/segmenttest"
)

func TestMemoryStore(t *testing.T) {
	segmenttest.TestStore(t, func(t *testing.T) segment.Store { return segment.NewMemoryStore() })
}
