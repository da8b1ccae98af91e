package feedback_test

import (
	"testing"

	"github.com/crmkit/crm/feedback"
	"github.com/crmkit/crm/feedback/feedbacktest"
)

func TestMemoryStore(t *testing.T) {
	feedbacktest.TestStore(t, func(t *testing.T) feedback.Store { return feedback.NewMemoryStore() })
}
