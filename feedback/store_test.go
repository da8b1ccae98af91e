package feedback_test

import (
	"testing"

	"github.com/crmkit/crm/crmtest"
	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/feedback/feedbacktest"
)

func TestMemoryStore(t *testing.T) {
	feedbacktest.TestStore(t, crmtest.Harness[feedback.Store]{New: func(t *testing.T) feedback.Store { return feedback.NewMemoryStore() }})
}

func TestMemoryResponses(t *testing.T) {
	feedbacktest.TestResponseStore(t, crmtest.Harness[feedback.ResponseStore]{New: func(t *testing.T) feedback.ResponseStore { return feedback.NewMemoryResponses() }})
}
