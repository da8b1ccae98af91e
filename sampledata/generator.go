package sampledata

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/shopspring/decimal"
	"gonum.org/v1/gonum/stat/distuv"

	"github.com/crmkit/crm"
)

// PurchaseProcess holds the true BG/NBD parameters of the generated
// business, with time measured in days: each customer's purchase rate λ is
// Gamma(R, rate Alpha), and after each repeat purchase the customer drops out
// for good with probability p ~ Beta(A, B).
type PurchaseProcess struct {
	// R, Alpha, A and B are the BG/NBD parameters, time in days.
	R, Alpha, A, B float64
}

// SpendProcess holds the true Gamma-Gamma parameters: each customer's ν is
// Gamma(Q, rate Gamma), and each purchase amount is Gamma(P, rate ν), so the
// customer's mean spend is P/ν.
type SpendProcess struct {
	// P, Q and Gamma are the Gamma-Gamma parameters.
	P, Q, Gamma float64
}

// Association plants a basket rule: a basket holding If gets Then added with
// probability Probability.
type Association struct {
	// If and Then are the products: a basket holding If gets Then.
	If, Then string
	// Probability is how often it does.
	Probability float64
}

// Product is one catalogue entry.
type Product struct {
	// SKU identifies the product.
	SKU string
	// Category is the product's category.
	Category string
	Price    decimal.Decimal // list price
}

// Config describes a synthetic retail business.
type Config struct {
	// Seed makes the business: the same seed, the same business.
	Seed uint64
	// Customers is how many customers sign up.
	Customers int
	// Start is the first sign-up; customers sign up uniformly over
	// AcquisitionDays from Start.
	Start time.Time
	// AcquisitionDays is how long sign-ups go on from Start.
	AcquisitionDays int
	// End is the observation time: nothing happens at or after it.
	End time.Time
	// ProspectShare is the share of customers who never buy.
	ProspectShare float64
	// Purchase is the true purchase process (BG/NBD, in days).
	Purchase PurchaseProcess
	// Spend is the true spend process (Gamma-Gamma).
	Spend SpendProcess
	// Currency is the currency of every amount.
	Currency string
	// Products and Categories size the catalogue; popularity follows a
	// Zipf-like law, so a few products sell most.
	Products, Categories int
	// Associations are the basket rules planted.
	Associations []Association
	// TouchpointsPerYear is the mean number of touchpoints a customer has
	// per year since sign-up.
	TouchpointsPerYear float64
}

// DefaultConfig returns a business of 10,000 customers signing up during
// 2024 and observed to 2026-01-01, buying about ten times each on average.
func DefaultConfig() Config {
	return Config{
		Seed:               1,
		Customers:          10_000,
		Start:              time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		AcquisitionDays:    366,
		End:                time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		ProspectShare:      0.08,
		Purchase:           PurchaseProcess{R: 1.0, Alpha: 30, A: 0.6, B: 6},
		Spend:              SpendProcess{P: 6, Q: 4, Gamma: 40},
		Currency:           "USD",
		Products:           2000,
		Categories:         12,
		Associations:       DefaultAssociations(),
		TouchpointsPerYear: 4,
	}
}

// DefaultAssociations are the rules DefaultConfig plants: pairs of products
// of middling popularity, so that they stand out only through association.
func DefaultAssociations() []Association {
	return []Association{
		{If: SKU(40), Then: SKU(41), Probability: 0.6},
		{If: SKU(75), Then: SKU(120), Probability: 0.5},
		{If: SKU(200), Then: SKU(33), Probability: 0.45},
	}
}

// SKU returns the SKU of the i-th catalogue product (0-based), as the
// generator names them.
func SKU(i int) string { return fmt.Sprintf("SKU-%05d", i) }

// CustomerID returns the ID of the i-th generated customer (0-based).
// IDs sort in generation order.
func CustomerID(i int) string { return fmt.Sprintf("C%07d", i) }

// Validate reports every problem with the configuration.
func (c Config) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &crm.FieldError{Field: field, Problem: fmt.Sprintf(format, args...)})
	}
	if c.Customers < 0 || c.Customers > 9_999_999 {
		bad("customers", "%d is outside 0..9,999,999", c.Customers)
	}
	if c.Start.IsZero() || !c.End.After(c.Start) {
		bad("end", "must be after start")
	}
	if c.AcquisitionDays < 1 {
		bad("acquisition_days", "must be at least 1")
	} else if !c.Start.AddDate(0, 0, c.AcquisitionDays).Before(c.End.Add(time.Nanosecond)) {
		bad("acquisition_days", "sign-ups would run past end")
	}
	if c.ProspectShare < 0 || c.ProspectShare >= 1 {
		bad("prospect_share", "must be in [0, 1)")
	}
	for _, p := range []struct {
		name string
		v    float64
	}{{"purchase.r", c.Purchase.R}, {"purchase.alpha", c.Purchase.Alpha}, {"purchase.a", c.Purchase.A}, {"purchase.b", c.Purchase.B},
		{"spend.p", c.Spend.P}, {"spend.q", c.Spend.Q}, {"spend.gamma", c.Spend.Gamma}} {
		if !(p.v > 0) || math.IsInf(p.v, 0) {
			bad(p.name, "must be positive and finite")
		}
	}
	if !crm.ValidCurrency(c.Currency) {
		bad("currency", "%q is not an ISO 4217 code", c.Currency)
	}
	if c.Products < 1 || c.Categories < 1 || c.Categories > c.Products {
		bad("products", "need at least one product and 1..products categories")
	}
	for i, a := range c.Associations {
		if !validSKU(a.If, c.Products) || !validSKU(a.Then, c.Products) || a.If == a.Then {
			bad(fmt.Sprintf("associations[%d]", i), "%q -> %q: both must be distinct catalogue SKUs", a.If, a.Then)
		}
		if a.Probability <= 0 || a.Probability > 1 {
			bad(fmt.Sprintf("associations[%d].probability", i), "must be in (0, 1]")
		}
	}
	if c.TouchpointsPerYear < 0 {
		bad("touchpoints_per_year", "must not be negative")
	}
	if len(errs) > 0 {
		return &crm.ValidationError{Package: "sampledata", What: "generator config", Problems: errs}
	}
	return nil
}

func validSKU(s string, n int) bool {
	if len(s) != 9 || s[:4] != "SKU-" {
		return false
	}
	i, err := strconv.Atoi(s[4:])
	return err == nil && i >= 0 && i < n
}

// Generator produces a deterministic synthetic business: the same Config
// gives the same records, byte for byte. Every customer's data comes from
// its own seeded random streams, so customers, transactions and touchpoints
// can each be streamed alone, in any order, and agree with each other. The
// streams make their records ahead on every processor (GOMAXPROCS), a
// block of customers at a time, and yield them in order.
// A Generator is safe for concurrent use.
type Generator struct {
	cfg        Config
	catalogue  []Product
	popularity []float64 // cumulative weights for drawing products
	prices     []float64 // list prices as float64, for sharing a basket's amount
	sumWeights float64
	rules      map[int][]rule
	channels   []crm.Channel
}

type rule struct {
	then int
	p    float64
}

// NewGenerator checks cfg and builds the catalogue.
func NewGenerator(cfg Config) (*Generator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	g := &Generator{cfg: cfg, rules: map[int][]rule{}, channels: crm.Channels()}
	rng := rand.New(rand.NewPCG(cfg.Seed, 0x9e3779b97f4a7c15))
	cum := 0.0
	for i := range cfg.Products {
		price := math.Exp(2.5 + 0.8*rng.NormFloat64()) // median ≈ 12
		g.catalogue = append(g.catalogue, Product{
			SKU:      SKU(i),
			Category: fmt.Sprintf("category-%02d", i%cfg.Categories),
			Price:    decimal.NewFromFloat(math.Max(0.5, price)).Round(2),
		})
		g.prices = append(g.prices, g.catalogue[i].Price.InexactFloat64())
		cum += 1 / math.Pow(float64(i+1), 0.9)
		g.popularity = append(g.popularity, cum)
	}
	g.sumWeights = cum
	for _, a := range cfg.Associations {
		from, _ := strconv.Atoi(a.If[4:])
		to, _ := strconv.Atoi(a.Then[4:])
		g.rules[from] = append(g.rules[from], rule{then: to, p: a.Probability})
	}
	return g, nil
}

// Config returns the generator's configuration, including the true model
// parameters.
func (g *Generator) Config() Config { return g.cfg }

// Catalogue returns the products.
func (g *Generator) Catalogue() []Product { return slices.Clone(g.catalogue) }

// Account is one customer with everything generated for it.
type Account struct {
	// Customer is the customer record.
	Customer     crm.Customer
	Transactions []crm.Transaction // by time
	Touchpoints  []crm.Touchpoint  // by time
}

// Stream identifiers: each customer has one random stream per purpose.
const (
	streamCustomer uint64 = iota + 1
	streamPurchases
	streamTouchpoints
)

func (g *Generator) rng(i int, stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.cfg.Seed^stream*0xbf58476d1ce4e5b9, uint64(i)))
}

// Accounts streams every customer with its transactions and touchpoints,
// in customer order. It can be ranged any number of times.
func (g *Generator) Accounts() iter.Seq[Account] {
	return inOrder(g.cfg.Customers, func(i int) Account {
		c := g.customer(i)
		return Account{Customer: c, Transactions: g.transactions(i, c.CreatedAt), Touchpoints: g.touchpoints(i, c.CreatedAt)}
	})
}

// Customers streams the customers in ID order. The error is always nil; the
// type matches the store streams so analyses accept either.
func (g *Generator) Customers() iter.Seq2[crm.Customer, error] {
	return func(yield func(crm.Customer, error) bool) {
		for c := range inOrder(g.cfg.Customers, g.customer) {
			if !yield(c, nil) {
				return
			}
		}
	}
}

// Transactions streams every transaction ordered by customer, then time:
// the order of TransactionStore.Transactions.
func (g *Generator) Transactions() iter.Seq2[crm.Transaction, error] {
	return func(yield func(crm.Transaction, error) bool) {
		for txs := range inOrder(g.cfg.Customers, func(i int) []crm.Transaction { return g.transactions(i, g.signup(i)) }) {
			for _, t := range txs {
				if !yield(t, nil) {
					return
				}
			}
		}
	}
}

// Touchpoints streams every touchpoint ordered by customer, then time.
func (g *Generator) Touchpoints() iter.Seq2[crm.Touchpoint, error] {
	return func(yield func(crm.Touchpoint, error) bool) {
		for tps := range inOrder(g.cfg.Customers, func(i int) []crm.Touchpoint { return g.touchpoints(i, g.signup(i)) }) {
			for _, tp := range tps {
				if !yield(tp, nil) {
					return
				}
			}
		}
	}
}

// inOrder yields item(0), …, item(n-1) in that order, computing them
// ahead on every processor a block at a time: each customer's records come
// from its own random streams, so they can be made in any order and still
// be the same. At most a few blocks per processor wait to be yielded; when
// the caller stops early, the blocks under way finish and are dropped.
func inOrder[T any](n int, item func(i int) T) iter.Seq[T] {
	const block = 256
	return func(yield func(T) bool) {
		workers := runtime.GOMAXPROCS(0)
		if workers == 1 || n <= block {
			for i := range n {
				if !yield(item(i)) {
					return
				}
			}
			return
		}
		stop := make(chan struct{})
		defer close(stop)
		// pending holds each block's result, in order; its capacity bounds
		// the blocks in flight.
		pending := make(chan chan []T, 2*workers)
		go func() {
			defer close(pending)
			for start := 0; start < n; start += block {
				out := make(chan []T, 1)
				select {
				case pending <- out:
				case <-stop:
					return
				}
				go func() {
					made := make([]T, 0, min(block, n-start))
					for i := start; i < start+cap(made); i++ {
						made = append(made, item(i))
					}
					out <- made
				}()
			}
		}()
		for out := range pending {
			for _, v := range <-out {
				if !yield(v) {
					return
				}
			}
		}
	}
}

// Store is what Load writes to.
type Store interface {
	// CustomerStore takes the customers.
	crm.CustomerStore
	// TransactionStore takes the transactions.
	crm.TransactionStore
	// TouchpointStore takes the touchpoints.
	crm.TouchpointStore
}

// Load writes the whole business into s, transactions and touchpoints in
// atomic batches of about 10,000.
func (g *Generator) Load(ctx context.Context, s Store) error {
	var txs []crm.Transaction
	var tps []crm.Touchpoint
	flush := func(force bool) error {
		if len(txs) >= 10_000 || force && len(txs) > 0 {
			if err := s.AppendTransactions(ctx, txs...); err != nil {
				return err
			}
			txs = txs[:0]
		}
		if len(tps) >= 10_000 || force && len(tps) > 0 {
			if err := s.AppendTouchpoints(ctx, tps...); err != nil {
				return err
			}
			tps = tps[:0]
		}
		return nil
	}
	for a := range g.Accounts() {
		if _, err := s.CreateCustomer(ctx, a.Customer); err != nil {
			return err
		}
		txs = append(txs, a.Transactions...)
		tps = append(tps, a.Touchpoints...)
		if err := flush(false); err != nil {
			return err
		}
	}
	return flush(true)
}

func (g *Generator) signup(i int) time.Time {
	r := g.rng(i, streamCustomer)
	return g.signupFrom(r)
}

func (g *Generator) signupFrom(r *rand.Rand) time.Time {
	span := float64(g.cfg.AcquisitionDays) * 24 * float64(time.Hour)
	return g.cfg.Start.Add(time.Duration(r.Float64() * span)).Truncate(time.Second)
}

var (
	firstNames = []string{"Ada", "Bo", "Chen", "Dana", "Emil", "Fatima", "Grace", "Hiro", "Ines", "Jamal", "Kai", "Lena", "Mateo", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Uma", "Viktor", "Wei", "Yara", "Zoe"}
	lastNames  = []string{"Abe", "Brown", "Costa", "Dubois", "Evans", "Fischer", "Garcia", "Hansen", "Ito", "Jones", "Kim", "Li", "Müller", "Novak", "Okafor", "Patel", "Rossi", "Silva", "Tanaka", "Wang"}
	countries  = []struct {
		code, zone string
		weight     float64
	}{{"US", "America/New_York", 0.30}, {"CN", "Asia/Shanghai", 0.20}, {"DE", "Europe/Berlin", 0.12}, {"GB", "Europe/London", 0.10},
		{"FR", "Europe/Paris", 0.08}, {"JP", "Asia/Tokyo", 0.08}, {"BR", "America/Sao_Paulo", 0.07}, {"AU", "Australia/Sydney", 0.05}}
	regions  = []string{"north", "south", "east", "west"}
	ageBands = []string{"18-24", "25-34", "35-44", "45-54", "55-64", "65+"}
	signups  = []crm.Channel{crm.ChannelWeb, crm.ChannelApp, crm.ChannelStore, crm.ChannelPartner, crm.ChannelSocial}
	// channelExperience is the mean experience rating per channel: the
	// hotline is planted as the weak channel.
	channelExperience = map[crm.Channel]float64{
		crm.ChannelWeb: 3.9, crm.ChannelApp: 4.1, crm.ChannelPhone: 2.6, crm.ChannelStore: 4.3,
		crm.ChannelEmail: 3.6, crm.ChannelSMS: 3.5, crm.ChannelSocial: 3.2, crm.ChannelPartner: 3.4,
	}
	touchKinds = []crm.TouchpointKind{crm.TouchVisit, crm.TouchVisit, crm.TouchInquiry, crm.TouchSupport, crm.TouchCampaign, crm.TouchService, crm.TouchComplaint}
)

func (g *Generator) customer(i int) crm.Customer {
	r := g.rng(i, streamCustomer)
	created := g.signupFrom(r)
	first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
	u, k := r.Float64(), 0
	for ; k < len(countries)-1 && u > countries[k].weight; k++ {
		u -= countries[k].weight
	}
	ctry := countries[k]
	c := crm.Customer{
		ID:        CustomerID(i),
		Name:      first + " " + last,
		Email:     fmt.Sprintf("customer%d@example.com", i),
		Phone:     fmt.Sprintf("+1 555 %07d", i),
		TimeZone:  ctry.zone,
		CreatedAt: created,
		Demographics: crm.Demographics{
			Country:       ctry.code,
			Region:        regions[r.IntN(len(regions))],
			AgeBand:       ageBands[r.IntN(len(ageBands))],
			SignupChannel: signups[r.IntN(len(signups))],
		},
		Attributes: map[string]crm.Value{
			"credit_score":   crm.NumberValue(float64(300 + r.IntN(551))),
			"loyalty_member": crm.BoolValue(r.Float64() < 0.35),
		},
	}
	if r.Float64() < 0.4 {
		c.Tags = append(c.Tags, "newsletter")
	}
	if r.Float64() < 0.1 {
		c.Tags = append(c.Tags, "b2b")
	}
	p := &c.Preferences
	switch u := r.Float64(); {
	case u < 0.6:
		p.Style = crm.StyleAutomated
	case u < 0.85:
		p.Style = crm.StylePersonal
		p.AccountManager = fmt.Sprintf("am-%02d", r.IntN(20))
	}
	for range 1 + r.IntN(2) {
		ch := g.channels[r.IntN(len(g.channels))]
		if !slices.Contains(p.Channels, ch) {
			p.Channels = append(p.Channels, ch)
		}
	}
	for range r.IntN(3) {
		cat := fmt.Sprintf("category-%02d", r.IntN(g.cfg.Categories))
		if !slices.Contains(p.Interests, cat) {
			p.Interests = append(p.Interests, cat)
		}
	}
	if r.Float64() < 0.7 {
		birth := time.Date(1950+r.IntN(55), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
		p.ImportantDates = []crm.ImportantDate{{Label: "birthday", Month: birth.Month(), Day: birth.Day(), Year: birth.Year()}}
	}
	if r.Float64() < 0.2 {
		p.QuietHours = "21:00-08:00"
	}
	return c
}

func (g *Generator) transactions(i int, start time.Time) []crm.Transaction {
	r := g.rng(i, streamPurchases)
	cfg := g.cfg
	if r.Float64() < cfg.ProspectShare {
		return nil
	}
	// distuv wants a rand.Source; a PCG seeded from this customer's stream
	// keeps the draws deterministic.
	pcg := rand.NewPCG(r.Uint64(), r.Uint64())
	lambda := distuv.Gamma{Alpha: cfg.Purchase.R, Beta: cfg.Purchase.Alpha, Src: pcg}.Rand()
	drop := distuv.Beta{Alpha: cfg.Purchase.A, Beta: cfg.Purchase.B, Src: pcg}.Rand()
	nu := distuv.Gamma{Alpha: cfg.Spend.Q, Beta: cfg.Spend.Gamma, Src: pcg}.Rand()
	spend := distuv.Gamma{Alpha: cfg.Spend.P, Beta: nu, Src: pcg}
	horizon := cfg.End.Sub(start).Hours() / 24
	id := CustomerID(i)
	var out []crm.Transaction
	for t, n := 0.0, 0; ; n++ {
		if n > 0 {
			t += r.ExpFloat64() / lambda
			if t >= horizon {
				break
			}
		}
		at := start.Add(time.Duration(t * 24 * float64(time.Hour))).Truncate(time.Second)
		if !at.Before(cfg.End) {
			break
		}
		cents := max(1, int64(math.Round(spend.Rand()*100)))
		tx := crm.Transaction{
			ID:         id + "-T" + strconv.Itoa(n),
			CustomerID: id,
			Time:       at,
			Amount:     decimal.New(cents, -2),
			Currency:   cfg.Currency,
			Kind:       crm.Purchase,
			Channel:    signups[r.IntN(len(signups))],
		}
		tx.Items = g.basket(r, cents)
		out = append(out, tx)
		if n > 0 && r.Float64() < drop {
			break
		}
	}
	return out
}

// basket draws 1 to 4 products by popularity, applies the planted
// associations, and prices the lines so that they add up to cents.
func (g *Generator) basket(r *rand.Rand, cents int64) []crm.LineItem {
	var picked []int
	add := func(p int) {
		if !slices.Contains(picked, p) {
			picked = append(picked, p)
		}
	}
	for range 1 + r.IntN(3) + r.IntN(2) {
		add(sort.SearchFloat64s(g.popularity, r.Float64()*g.sumWeights))
	}
	for k := 0; k < len(picked); k++ { // picked may grow: rules chain
		for _, rl := range g.rules[picked[k]] {
			if r.Float64() < rl.p {
				add(rl.then)
			}
		}
	}
	// Share the amount in proportion to list prices, in whole cents; the
	// last line takes the rounding remainder.
	total := 0.0
	for _, p := range picked {
		total += g.prices[p]
	}
	items := make([]crm.LineItem, len(picked))
	left := cents
	for k, p := range picked {
		share := left
		if k < len(picked)-1 {
			share = int64(math.Floor(float64(cents) * g.prices[p] / total))
			left -= share
		}
		items[k] = crm.LineItem{SKU: g.catalogue[p].SKU, Category: g.catalogue[p].Category, Quantity: 1, UnitPrice: decimal.New(share, -2)}
	}
	return items
}

func (g *Generator) touchpoints(i int, start time.Time) []crm.Touchpoint {
	r := g.rng(i, streamTouchpoints)
	years := g.cfg.End.Sub(start).Hours() / 24 / 365.25
	n := int(distuv.Poisson{Lambda: g.cfg.TouchpointsPerYear*years + 1e-12, Src: rand.NewPCG(r.Uint64(), r.Uint64())}.Rand())
	span := g.cfg.End.Sub(start)
	times := make([]time.Duration, n)
	for k := range times {
		times[k] = time.Duration(r.Float64() * float64(span)).Truncate(time.Second)
	}
	slices.Sort(times)
	id := CustomerID(i)
	out := make([]crm.Touchpoint, n)
	for k, d := range times {
		ch := g.channels[r.IntN(len(g.channels))]
		tp := crm.Touchpoint{
			ID:         id + "-P" + strconv.Itoa(k),
			CustomerID: id,
			Time:       start.Add(d),
			Channel:    ch,
			Kind:       touchKinds[r.IntN(len(touchKinds))],
		}
		if r.Float64() < 0.9 {
			x := math.Round(channelExperience[ch] + 0.9*r.NormFloat64())
			tp.Experience = crm.Rating(min(5, max(1, x)))
		}
		out[k] = tp
	}
	return out
}
