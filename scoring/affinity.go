package scoring

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"

	"github.com/crmkit/crm"
)

// TransactionBaskets returns one basket per purchase: the distinct SKUs of
// its line items, sorted. Refunds and purchases without line items are
// skipped.
func TransactionBaskets(ctx context.Context, txs iter.Seq2[crm.Transaction, error]) ([][]string, error) {
	var out [][]string
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, err
		}
		if tx.Kind == crm.Refund || len(tx.Items) == 0 {
			continue
		}
		b := make([]string, 0, len(tx.Items))
		for _, it := range tx.Items {
			b = append(b, it.SKU)
		}
		slices.Sort(b)
		out = append(out, slices.Compact(b))
	}
	return out, nil
}

// CustomerBaskets returns one basket per customer: every distinct SKU the
// customer bought, sorted, with the customers' IDs in the same order. The
// stream must be grouped by customer, as for Summarize.
func CustomerBaskets(ctx context.Context, txs iter.Seq2[crm.Transaction, error]) (baskets [][]string, customers []string, err error) {
	var cur []string
	id := ""
	flush := func() {
		if len(cur) > 0 {
			slices.Sort(cur)
			baskets = append(baskets, slices.Clip(slices.Compact(cur)))
			customers = append(customers, id)
		}
		cur = nil
	}
	for tx, err := range crm.WithContext(ctx, txs) {
		if err != nil {
			return nil, nil, err
		}
		if tx.CustomerID != id {
			flush()
			id = tx.CustomerID
		}
		if tx.Kind == crm.Refund {
			continue
		}
		for _, it := range tx.Items {
			cur = append(cur, it.SKU)
		}
	}
	flush()
	return baskets, customers, nil
}

// AffinityOptions control MineAssociations.
type AffinityOptions struct {
	// MinSupport is the least share of baskets an itemset must appear in
	// (default 0.001).
	MinSupport float64
	// MaxSize is the largest itemset mined (default 3).
	MaxSize int
	// MinConfidence and MinLift filter the rules (default: keep all).
	MinConfidence float64
	// MinLift keeps only rules whose lift reaches it (default 1: no worse than
	// chance).
	MinLift float64
	// MaxItemsets bounds the frequent itemsets mined (default 100,000) and
	// MaxRules the rules kept (default 1,000,000): past either the mining
	// stops with an error naming the limit, so that one basket of hundreds
	// of items at a low MinSupport cannot fill the host's memory. Raise
	// MinSupport, lower MaxSize, or raise the limit.
	MaxItemsets int
	// MaxRules bounds the rules kept (default 1,000,000); see MaxItemsets.
	MaxRules int
}

// errTooMany reports a mining limit reached.
func errTooMany(what string, limit int, opt AffinityOptions) error {
	return fmt.Errorf("scoring: associations: more than %s (%d) at MinSupport %v and MaxSize %d: raise MinSupport, lower MaxSize or raise %s: %w",
		what, limit, opt.MinSupport, opt.MaxSize, what, crm.ErrInvalid)
}

// Itemset is a set of items bought together in Count baskets.
type Itemset struct {
	// Items are the products, sorted.
	Items []string `json:"items"`
	// Count is how many baskets hold them all.
	Count int `json:"count"`
	// Support is Count over the number of baskets.
	Support float64 `json:"support"`
}

// AssociationRule is a rule If ⇒ Then: among baskets holding If, the
// share also holding Then is Confidence; Lift is Confidence over Then's own
// support (above 1: bought together more than chance); Support is the
// share of baskets holding both.
type AssociationRule struct {
	// If is the rule's antecedent: what the basket holds.
	If []string `json:"if"`
	// Then is its consequent: what the basket then often holds too.
	Then []string `json:"then"`
	// Count is how many baskets hold If and Then.
	Count int `json:"count"`
	// Support is Count over the number of baskets.
	Support float64 `json:"support"`
	// Confidence is the share of baskets holding If that hold Then.
	Confidence float64 `json:"confidence"`
	// Lift is Confidence over Then's own support: above 1, If makes Then
	// likelier.
	Lift float64 `json:"lift"`
}

// Affinity holds the frequent itemsets and association rules of a set of
// baskets.
type Affinity struct {
	// Baskets is how many baskets were mined.
	Baskets  int               `json:"baskets"`
	Itemsets []Itemset         `json:"itemsets"` // by size, then count descending, then items
	Rules    []AssociationRule `json:"rules"`    // by lift, confidence, support descending, then items
}

// MineAssociations finds every itemset of up to MaxSize items in at least
// MinSupport of the baskets, with FP-growth (Han, Pei & Yin 2000): one pass
// counts items, a second builds a prefix tree of the baskets with items in
// descending frequency, and the itemsets are grown from each item's
// conditional tree, so the cost follows the frequent patterns rather than
// every combination in every basket. Rules come from splitting each
// frequent itemset of two or more items into If and Then in every way.
// Duplicate items within a basket count once.
func MineAssociations(ctx context.Context, baskets [][]string, options *AffinityOptions) (*Affinity, error) {
	var opt AffinityOptions
	if options != nil {
		opt = *options
	}
	if opt.MinSupport == 0 {
		opt.MinSupport = 0.001
	}
	if opt.MaxSize == 0 {
		opt.MaxSize = 3
	}
	if opt.MaxItemsets == 0 {
		opt.MaxItemsets = 100_000
	}
	if opt.MaxRules == 0 {
		opt.MaxRules = 1_000_000
	}
	var errs []error
	if !(opt.MinSupport > 0 && opt.MinSupport <= 1) {
		errs = append(errs, &crm.FieldError{Field: "min_support", Problem: fmt.Sprintf("%v is outside (0, 1]", opt.MinSupport)})
	}
	if opt.MaxSize < 1 || opt.MaxSize > 20 {
		errs = append(errs, &crm.FieldError{Field: "max_size", Problem: fmt.Sprintf("%d is outside 1..20", opt.MaxSize)})
	}
	if opt.MaxItemsets < 0 {
		errs = append(errs, &crm.FieldError{Field: "max_itemsets", Problem: fmt.Sprintf("%d is negative", opt.MaxItemsets)})
	}
	if opt.MaxRules < 0 {
		errs = append(errs, &crm.FieldError{Field: "max_rules", Problem: fmt.Sprintf("%d is negative", opt.MaxRules)})
	}
	if !(opt.MinConfidence >= 0 && opt.MinConfidence <= 1) {
		errs = append(errs, &crm.FieldError{Field: "min_confidence", Problem: fmt.Sprintf("%v is outside [0, 1]", opt.MinConfidence)})
	}
	if !(opt.MinLift >= 0) || math.IsInf(opt.MinLift, 0) {
		errs = append(errs, &crm.FieldError{Field: "min_lift", Problem: fmt.Sprintf("%v must be ≥ 0 and finite", opt.MinLift)})
	}
	if len(errs) > 0 {
		return nil, &crm.ValidationError{Package: "scoring", What: "associations", Problems: errs}
	}
	n := len(baskets)
	res := &Affinity{Baskets: n}
	if n == 0 {
		return res, nil
	}
	minCount := int64(math.Ceil(opt.MinSupport*float64(n) - 1e-9))
	minCount = max(minCount, 1)

	// Pass 1: item counts; frequent items get ranks by count descending,
	// ties by name, so every run builds the same tree.
	index := map[string]int32{}
	var names []string
	var counts []int64
	for _, b := range baskets {
		for j, it := range b {
			if j > 0 && slices.Contains(b[:j], it) {
				continue
			}
			k, ok := index[it]
			if !ok {
				k = int32(len(names))
				index[it] = k
				names = append(names, it)
				counts = append(counts, 0)
			}
			counts[k]++
		}
	}
	var frequent []int32
	for k, c := range counts {
		if c >= minCount {
			frequent = append(frequent, int32(k))
		}
	}
	slices.SortFunc(frequent, func(a, b int32) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), strings.Compare(names[a], names[b]))
	})
	rank := make([]int32, len(names))
	for i := range rank {
		rank[i] = -1
	}
	items := make([]string, len(frequent)) // by rank
	for r, k := range frequent {
		rank[k] = int32(r)
		items[r] = names[k]
	}

	// Pass 2: the FP-tree of all baskets, items in rank order.
	tree := newFPTree(len(items))
	var path []int32
	for i, b := range baskets {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		path = path[:0]
		for _, it := range b {
			if r := rank[index[it]]; r >= 0 && !slices.Contains(path, r) {
				path = append(path, r)
			}
		}
		slices.Sort(path)
		tree.insert(path, 1)
	}

	// Grow itemsets.
	m := &fpMiner{minCount: minCount, maxSize: opt.MaxSize, maxSets: opt.MaxItemsets, counts: map[string]int64{}, ctx: ctx}
	if err := m.mine(tree, nil); err != nil {
		if err == errItemsets {
			return nil, errTooMany("MaxItemsets", opt.MaxItemsets, opt)
		}
		return nil, err
	}

	// Itemsets, then rules.
	done := 0
	for key, c := range m.counts {
		if done++; done%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		set := decodeItemset(key)
		names := make([]string, len(set))
		for i, r := range set {
			names[i] = items[r]
		}
		res.Itemsets = append(res.Itemsets, Itemset{Items: names, Count: int(c), Support: float64(c) / float64(n)})
		if len(set) < 2 {
			continue
		}
		// Every non-empty proper subset as If.
		for mask := 1; mask < 1<<len(set)-1; mask++ {
			var ifSet, thenSet []int32
			for i, r := range set {
				if mask&(1<<i) != 0 {
					ifSet = append(ifSet, r)
				} else {
					thenSet = append(thenSet, r)
				}
			}
			conf := float64(c) / float64(m.counts[encodeItemset(ifSet)])
			lift := conf / (float64(m.counts[encodeItemset(thenSet)]) / float64(n))
			if conf < opt.MinConfidence || lift < opt.MinLift {
				continue
			}
			rule := AssociationRule{Count: int(c), Support: float64(c) / float64(n), Confidence: conf, Lift: lift}
			for _, r := range ifSet {
				rule.If = append(rule.If, items[r])
			}
			for _, r := range thenSet {
				rule.Then = append(rule.Then, items[r])
			}
			slices.Sort(rule.If)
			slices.Sort(rule.Then)
			if len(res.Rules) == opt.MaxRules {
				return nil, errTooMany("MaxRules", opt.MaxRules, opt)
			}
			res.Rules = append(res.Rules, rule)
		}
	}
	for i := range res.Itemsets {
		slices.Sort(res.Itemsets[i].Items)
	}
	slices.SortFunc(res.Itemsets, func(a, b Itemset) int {
		return cmp.Or(cmp.Compare(len(a.Items), len(b.Items)), cmp.Compare(b.Count, a.Count), slices.Compare(a.Items, b.Items))
	})
	slices.SortFunc(res.Rules, func(a, b AssociationRule) int {
		return cmp.Or(cmp.Compare(b.Lift, a.Lift), cmp.Compare(b.Confidence, a.Confidence), cmp.Compare(b.Count, a.Count),
			slices.Compare(a.If, b.If), slices.Compare(a.Then, b.Then))
	})
	return res, nil
}

// Recommendation is an item to offer a customer, with the rule behind it.
type Recommendation struct {
	// Item is the product to offer.
	Item string `json:"item"`
	// Rule is the association behind the offer.
	Rule AssociationRule `json:"rule"`
}

// Recommend returns up to n items to cross-sell to a customer who bought
// the given items: for each item not bought, the best rule (by lift, then
// confidence) with that single item as Then and an If the customer has
// wholly bought; items ordered by that rule, best first.
func (a *Affinity) Recommend(bought []string, n int) []Recommendation {
	has := make(map[string]bool, len(bought))
	for _, it := range bought {
		has[it] = true
	}
	seen := map[string]bool{}
	var out []Recommendation
	for _, r := range a.Rules { // already best first
		if len(out) == n {
			break
		}
		if len(r.Then) != 1 || has[r.Then[0]] || seen[r.Then[0]] {
			continue
		}
		ok := true
		for _, it := range r.If {
			if !has[it] {
				ok = false
				break
			}
		}
		if ok {
			seen[r.Then[0]] = true
			out = append(out, Recommendation{Item: r.Then[0], Rule: r})
		}
	}
	return out
}

// fpTree is a prefix tree of baskets. Node 0 is the root; each item's
// nodes are chained from head[item] through next.
type fpTree struct {
	item, parent, next []int32
	count              []int64
	head               []int32
	total              []int64 // per item
	children           map[uint64]int32
}

func newFPTree(items int) *fpTree {
	t := &fpTree{
		item: []int32{-1}, parent: []int32{-1}, next: []int32{-1}, count: []int64{0},
		head: make([]int32, items), total: make([]int64, items), children: map[uint64]int32{},
	}
	for i := range t.head {
		t.head[i] = -1
	}
	return t
}

// insert adds a path (ascending ranks) with the given count.
func (t *fpTree) insert(path []int32, count int64) {
	node := int32(0)
	for _, it := range path {
		key := uint64(node)<<32 | uint64(uint32(it))
		child, ok := t.children[key]
		if !ok {
			child = int32(len(t.item))
			t.item = append(t.item, it)
			t.parent = append(t.parent, node)
			t.count = append(t.count, 0)
			t.next = append(t.next, t.head[it])
			t.head[it] = child
			t.children[key] = child
		}
		t.count[child] += count
		t.total[it] += count
		node = child
	}
}

type fpMiner struct {
	minCount int64
	maxSize  int
	maxSets  int
	counts   map[string]int64 // encoded itemset (ascending ranks) → count
	ctx      context.Context
	steps    int
}

var errItemsets = errors.New("too many itemsets")

// mine records every frequent itemset that extends suffix within t.
func (m *fpMiner) mine(t *fpTree, suffix []int32) error {
	if m.steps++; m.steps%1024 == 0 {
		if err := m.ctx.Err(); err != nil {
			return err
		}
	}
	var path []int32
	for it := len(t.head) - 1; it >= 0; it-- {
		if t.total[it] < m.minCount {
			continue
		}
		set := append(slices.Clone(suffix), int32(it))
		sorted := slices.Clone(set)
		slices.Sort(sorted)
		m.counts[encodeItemset(sorted)] = t.total[it]
		if len(m.counts) > m.maxSets {
			return errItemsets
		}
		if len(m.counts)%4096 == 0 {
			if err := m.ctx.Err(); err != nil {
				return err
			}
		}
		if len(set) == m.maxSize {
			continue
		}
		// The conditional tree: every path above this item's nodes, with
		// the node's count, keeping items still frequent in it.
		cond := make([]int64, it)
		for node := t.head[it]; node >= 0; node = t.next[node] {
			for p := t.parent[node]; p > 0; p = t.parent[p] {
				cond[t.item[p]] += t.count[node]
			}
		}
		sub := newFPTree(it)
		any := false
		for node := t.head[it]; node >= 0; node = t.next[node] {
			path = path[:0]
			for p := t.parent[node]; p > 0; p = t.parent[p] {
				if cond[t.item[p]] >= m.minCount {
					path = append(path, t.item[p])
				}
			}
			if len(path) == 0 {
				continue
			}
			slices.Reverse(path) // ascending ranks, root first
			sub.insert(path, t.count[node])
			any = true
		}
		if any {
			if err := m.mine(sub, set); err != nil {
				return err
			}
		}
	}
	return nil
}

func encodeItemset(set []int32) string {
	b := make([]byte, 0, 4*len(set))
	for _, r := range set {
		b = append(b, byte(r>>24), byte(r>>16), byte(r>>8), byte(r))
	}
	return string(b)
}

func decodeItemset(key string) []int32 {
	out := make([]int32, len(key)/4)
	for i := range out {
		out[i] = int32(key[4*i])<<24 | int32(key[4*i+1])<<16 | int32(key[4*i+2])<<8 | int32(key[4*i+3])
	}
	return out
}
