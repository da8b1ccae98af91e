package segment_test

import (
	"context"
	"fmt"
	"time"

	"github.com/crmkit/crm/segment"
)

func ExampleParse() {
	r, err := segment.Parse(`recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")`)
	if err != nil {
		panic(err)
	}
	fmt.Println(r)
	_, err = segment.Parse(`frequency >= 3 and (country = "CN"`)
	fmt.Println(err)
	// Output:
	// recency_days <= 30 and frequency >= 3 and (country in ("CN", "US") or tags contains "vip")
	// segment: line 1, column 35: expected ")", found the end of the rule
}

func ExampleCompile() {
	schema := segment.DefaultSchema()
	r, _ := segment.Parse(`recency_days <= 30 and frequency >= 3 and country in ("CN", "US")`)
	m, err := segment.Compile(r, schema)
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	p := schema.NewProfile("C0001", asOf)
	_ = p.SetNumber("recency_days", 12)
	_ = p.SetNumber("frequency", 4)
	_ = p.SetString("country", "CN")
	fmt.Println(m.Match(p))

	bad, _ := segment.Parse(`recency_dayz <= 30 and country > "CN"`)
	_, err = segment.Compile(bad, schema)
	fmt.Println(err)
	// Output:
	// true
	// segment: compile: recency_dayz: unknown field in "recency_dayz <= 30"; did you mean "recency_days"?; country: "country > \"CN\"": a string field takes = and != only, not >
}

func ExampleMatcher_Explain() {
	schema := segment.DefaultSchema()
	m := segment.MustCompile(`recency_days <= 30 and (frequency >= 3 or tags contains "vip")`, schema)
	p := schema.NewProfile("C0002", time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC))
	_ = p.SetNumber("recency_days", 45)
	_ = p.SetStrings("tags", []string{"vip"})
	e := m.Explain(p)
	fmt.Println("matched:", e.Matched)
	for _, c := range e.Clauses {
		fmt.Printf("  %-22s %-7s read %s\n", c.Clause.Text, c.Result, c.Value)
	}
	// Output:
	// matched: false
	//   recency_days <= 30     false   read 45
	//   frequency >= 3         unknown read missing
	//   tags contains "vip"    true    read ["vip"]
}

func ExampleToSQL() {
	r, _ := segment.Parse(`recency_days <= 30 and country in ("CN", "US") and tags contains "vip"`)
	where, args, err := segment.ToSQL(r, segment.DefaultSchema(), segment.Postgres, &segment.SQLOptions{
		Columns: map[string]string{"recency_days": "p.recency_days", "country": "c.country", "tags": "c.tags"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("WHERE", where)
	fmt.Println(args)
	// Output:
	// WHERE ("p"."recency_days" <= $1 AND "c"."country" IN ($2, $3) AND $4 = ANY("c"."tags"))
	// [30 CN US vip]
}

func ExampleSegmentation() {
	schema := segment.DefaultSchema()
	assigner, err := segment.RFMSegments().Compile(schema)
	if err != nil {
		panic(err)
	}
	asOf := time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)
	scores := map[string][3]float64{"ann": {5, 5, 4}, "bob": {1, 5, 5}, "cat": {5, 1, 2}, "dan": {1, 1, 1}}
	var profiles []*segment.Profile
	for _, id := range []string{"ann", "bob", "cat", "dan"} {
		p := schema.NewProfile(id, asOf)
		_ = p.SetNumber("r_score", scores[id][0])
		_ = p.SetNumber("f_score", scores[id][1])
		_ = p.SetNumber("m_score", scores[id][2])
		profiles = append(profiles, p)
	}
	stream := func(yield func(*segment.Profile, error) bool) {
		for _, p := range profiles {
			if !yield(p, nil) {
				return
			}
		}
	}
	m, err := assigner.Assign(context.Background(), stream, asOf)
	if err != nil {
		panic(err)
	}
	for _, id := range []string{"ann", "bob", "cat", "dan"} {
		fmt.Println(id, m.Members[id])
	}
	for _, s := range assigner.Preview(m)[:3] {
		fmt.Printf("%s: %d (%.0f%%)\n", s.Segment, s.Count, 100*s.Share)
	}
	// Output:
	// ann [Champions]
	// bob [Can't Lose Them]
	// cat [New Customers]
	// dan [Lost]
	// Champions: 1 (25%)
	// Loyal Customers: 0 (0%)
	// Can't Lose Them: 1 (25%)
}
