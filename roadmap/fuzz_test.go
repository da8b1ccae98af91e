package roadmap_test

import (
	"encoding/json"
	"testing"

	"github.com/crmkit/crm/roadmap"
)

// FuzzRoadmap: any roadmap JSON that decodes can be validated, revised,
// exported and assessed without a panic — NaN, infinities and far dates
// included (they used to panic in Revision and Validate).
func FuzzRoadmap(f *testing.F) {
	r := roadmap.Roadmap{ID: "acme", Content: goodPlan()}
	good, err := json.Marshal(r)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(good))
	for _, seed := range []string{
		`{"id":"x","content":{"external_goals":[{"id":"E1","commitment":{"name":"n","unit":"%","target":1e308,"baseline":-1e308,"deadline":"9999-12-31T23:59:59Z","weight":1e-320}}]}}`,
		`{"id":"x","content":{"initiatives":[{"id":"N","start":"0000-01-01T00:00:00Z","end":"9999-12-31T00:00:00Z","budget":{"amount":"1e400","currency":"USD"}}]}}`,
		`{"id":"x","measurements":[{"goal":"E1","value":-0}],"content":{"max_priorities":-5,"phases":[{"priorities":["a","a"]}]}}`, `{}`, `null`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data string) {
		var r roadmap.Roadmap
		if json.Unmarshal([]byte(data), &r) != nil {
			return
		}
		_ = r.Validate(planned)
		_ = r.Content.Revision()
		_ = r.MissingSignOffs()
		_, _ = r.Assess(planned)
	})
}
