package crmtest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/crmkit/crm"
)

var t0 = time.Date(2025, 3, 1, 9, 30, 0, 0, time.UTC)

func sampleCustomer(id string) crm.Customer {
	return crm.Customer{
		ID: id, Name: "Ada " + id, Email: "ada." + id + "@example.com", Phone: "+44 20 7946 0000",
		TimeZone: "Europe/London", CreatedAt: t0, Tags: []string{"vip", "newsletter"},
		Attributes: map[string]crm.Value{
			"credit_score": crm.NumberValue(712.5),
			"member":       crm.BoolValue(true),
			"segment_hint": crm.StringValue("golf"),
			"renewal":      crm.TimeValue(time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC)),
		},
		Demographics: crm.Demographics{Country: "GB", Region: "south", AgeBand: "35-44", SignupChannel: crm.ChannelStore},
		Preferences: crm.Preferences{Style: crm.StylePersonal, Channels: []crm.Channel{crm.ChannelPhone, crm.ChannelEmail},
			Interests: []string{"golf"}, AccountManager: "am-1", QuietHours: "21:00-08:00",
			ImportantDates: []crm.ImportantDate{{Label: "birthday", Month: time.February, Day: 29, Year: 1980}}},
	}
}

// scribble changes every slice and map element of c in place, as a careless
// caller might.
func scribble(c *crm.Customer) {
	for i := range c.Tags {
		c.Tags[i] = "scribbled"
	}
	for k := range c.Attributes {
		c.Attributes[k] = crm.StringValue("scribbled")
	}
	c.Attributes["scribbled"] = crm.BoolValue(true)
	for i := range c.Preferences.Channels {
		c.Preferences.Channels[i] = crm.ChannelSocial
	}
	for i := range c.Preferences.Interests {
		c.Preferences.Interests[i] = "scribbled"
	}
	for i := range c.Preferences.ImportantDates {
		c.Preferences.ImportantDates[i].Label = "scribbled"
	}
}

// requireUnchanged fails, naming what aliased the stored record, when the
// stored c1 is no longer the sample customer.
func requireUnchanged(t *testing.T, s crm.CustomerStore, id, what string) {
	t.Helper()
	got, err := s.Customer(context.Background(), id)
	require.NoError(t, err)
	want := sampleCustomer(id)
	msg := "changing %s changed the stored record: the store shares its %s with the caller; copy slices and maps on the way in and out"
	require.Equal(t, want.Tags, got.Tags, msg, what, "Tags slice")
	require.Equal(t, want.Attributes, got.Attributes, msg, what, "Attributes map")
	require.Equal(t, want.Preferences.Channels, got.Preferences.Channels, msg, what, "Preferences.Channels slice")
	require.Equal(t, want.Preferences.Interests, got.Preferences.Interests, msg, what, "Preferences.Interests slice")
	require.Equal(t, want.Preferences.ImportantDates, got.Preferences.ImportantDates, msg, what, "Preferences.ImportantDates slice")
}

// requireSameCustomer compares field by field, times with Equal, so that a
// store may hand back times in another location.
func requireSameCustomer(t *testing.T, want, got crm.Customer) {
	t.Helper()
	require.True(t, want.CreatedAt.Equal(got.CreatedAt), "created_at: want %v, got %v", want.CreatedAt, got.CreatedAt)
	require.Equal(t, len(want.Attributes), len(got.Attributes), "attributes: want %v, got %v", want.Attributes, got.Attributes)
	for k, v := range want.Attributes {
		require.True(t, v.Equal(got.Attributes[k]), "attribute %s: want %v, got %v", k, v, got.Attributes[k])
	}
	want.CreatedAt, got.CreatedAt = time.Time{}, time.Time{}
	want.Attributes, got.Attributes = nil, nil
	require.Equal(t, want, got)
}

func collect[T any](t *testing.T, seq iter.Seq2[T, error]) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		require.NoError(t, err)
		out = append(out, v)
	}
	return out
}

// TestCustomerStore runs the crm.CustomerStore conformance suite: round
// trips, not found, existing IDs, invalid customers refused, stale
// versions that change nothing, records that share no memory with the
// caller, the stream's order, a cancelled context, concurrent writers that
// lose no update, and (with h.Reopen) customers that survive a reopen.
func TestCustomerStore(t *testing.T, h Harness[crm.CustomerStore]) {
	h.Check(t, "crmtest.TestCustomerStore")
	newStore := h.New
	ctx := context.Background()
	t.Run("RoundTrip", func(t *testing.T) {
		s := newStore(t)
		c := sampleCustomer("c1")
		c.Version = 42 // ignored
		got, err := s.CreateCustomer(ctx, c)
		require.NoError(t, err)
		require.EqualValues(t, 1, got.Version)
		read, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		c.Version = 1
		requireSameCustomer(t, c, read)
	})
	t.Run("NotFound", func(t *testing.T) {
		s := newStore(t)
		_, err := s.Customer(ctx, "nobody")
		require.ErrorIs(t, err, crm.ErrNotFound)
		c := sampleCustomer("nobody")
		c.Version = 1
		_, err = s.UpdateCustomer(ctx, c)
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.ErrorIs(t, s.DeleteCustomer(ctx, "nobody", 1), crm.ErrNotFound)
	})
	t.Run("Exists", func(t *testing.T) {
		s := newStore(t)
		_, err := s.CreateCustomer(ctx, sampleCustomer("c1"))
		require.NoError(t, err)
		other := sampleCustomer("c1")
		other.Name = "Someone Else"
		_, err = s.CreateCustomer(ctx, other)
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "Ada c1", got.Name, "a refused create changed the stored record")
	})
	t.Run("Invalid", func(t *testing.T) {
		s := newStore(t)
		bad := sampleCustomer("c1")
		bad.Email = "not an email"
		_, err := s.CreateCustomer(ctx, bad)
		require.ErrorIs(t, err, crm.ErrInvalid)
		_, err = s.Customer(ctx, "c1")
		require.ErrorIs(t, err, crm.ErrNotFound, "an invalid customer was stored")
	})
	t.Run("StaleVersion", func(t *testing.T) {
		s := newStore(t)
		v1, err := s.CreateCustomer(ctx, sampleCustomer("c1"))
		require.NoError(t, err)
		a := v1
		a.Name = "First Writer"
		v2, err := s.UpdateCustomer(ctx, a)
		require.NoError(t, err)
		require.EqualValues(t, 2, v2.Version)
		b := v1
		b.Name = "Second Writer"
		_, err = s.UpdateCustomer(ctx, b)
		require.ErrorIs(t, err, crm.ErrConflict)
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "First Writer", got.Name)
		require.EqualValues(t, 2, got.Version)
		require.ErrorIs(t, s.DeleteCustomer(ctx, "c1", 1), crm.ErrConflict)
		require.NoError(t, s.DeleteCustomer(ctx, "c1", 2))
		_, err = s.Customer(ctx, "c1")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("InvalidUpdate", func(t *testing.T) {
		s := newStore(t)
		v1, err := s.CreateCustomer(ctx, sampleCustomer("c1"))
		require.NoError(t, err)
		v1.TimeZone = "Mars/Olympus_Mons"
		_, err = s.UpdateCustomer(ctx, v1)
		require.ErrorIs(t, err, crm.ErrInvalid)
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "Europe/London", got.TimeZone)
		require.EqualValues(t, 1, got.Version)
	})
	t.Run("Copies", func(t *testing.T) {
		// A record handed in or out shares no slice or map with the stored
		// one: a caller changing it must not change what is stored (nor
		// race with other readers).
		s := newStore(t)
		in := sampleCustomer("c1")
		created, err := s.CreateCustomer(ctx, in)
		require.NoError(t, err)
		scribble(&in)
		requireUnchanged(t, s, "c1", "the customer passed to CreateCustomer")
		scribble(&created)
		requireUnchanged(t, s, "c1", "the customer CreateCustomer returned")
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		scribble(&got)
		requireUnchanged(t, s, "c1", "the customer Customer returned")
		got, err = s.Customer(ctx, "c1")
		require.NoError(t, err)
		update := got
		update.Tags = append([]string(nil), got.Tags...)
		updated, err := s.UpdateCustomer(ctx, update)
		require.NoError(t, err)
		scribble(&update)
		requireUnchanged(t, s, "c1", "the customer passed to UpdateCustomer")
		scribble(&updated)
		requireUnchanged(t, s, "c1", "the customer UpdateCustomer returned")
		for c, err := range s.Customers(ctx) {
			require.NoError(t, err)
			scribble(&c)
		}
		requireUnchanged(t, s, "c1", "a customer Customers streamed")
	})
	t.Run("Order", func(t *testing.T) {
		s := newStore(t)
		ids := make([]string, 300)
		for i := range ids {
			ids[i] = fmt.Sprintf("cust-%04d", i)
		}
		rand.New(rand.NewPCG(1, 2)).Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for _, id := range ids {
			_, err := s.CreateCustomer(ctx, sampleCustomer(id))
			require.NoError(t, err)
		}
		slices.Sort(ids)
		for range 2 { // a stream can be ranged twice
			var got []string
			for c := range collectSeq(t, s.Customers(ctx)) {
				got = append(got, c.ID)
			}
			require.Equal(t, ids, got)
		}
		n := 0
		for _, err := range s.Customers(ctx) {
			require.NoError(t, err)
			if n++; n == 5 {
				break
			}
		}
		require.Equal(t, 5, n)
	})
	t.Run("Cancelled", func(t *testing.T) {
		s := newStore(t)
		_, err := s.CreateCustomer(ctx, sampleCustomer("c1"))
		require.NoError(t, err)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		_, err = s.Customer(cancelled, "c1")
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.CreateCustomer(cancelled, sampleCustomer("c2"))
		require.ErrorIs(t, err, context.Canceled)
		_, err = s.Customer(ctx, "c2")
		require.ErrorIs(t, err, crm.ErrNotFound)
		c := sampleCustomer("c1")
		c.Version, c.Name = 1, "changed"
		_, err = s.UpdateCustomer(cancelled, c)
		require.ErrorIs(t, err, context.Canceled, "UpdateCustomer")
		require.ErrorIs(t, s.DeleteCustomer(cancelled, "c1", 1), context.Canceled, "DeleteCustomer")
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		require.Equal(t, "Ada c1", got.Name, "cancelled writes change nothing")
		RequireCancelled(t, "Customers", s.Customers(cancelled))
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		s := newStore(t)
		const records, workers, increments = 4, 16, 25
		for i := range records {
			c := sampleCustomer("cas-" + strconv.Itoa(i))
			c.Attributes = map[string]crm.Value{"counter": crm.NumberValue(0)}
			_, err := s.CreateCustomer(ctx, c)
			require.NoError(t, err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for k := range increments {
					id := "cas-" + strconv.Itoa((w+k)%records)
					for {
						c, err := s.Customer(ctx, id)
						if err != nil {
							errs <- err
							return
						}
						n, _ := c.Attributes["counter"].Number()
						c.Attributes["counter"] = crm.NumberValue(n + 1)
						if _, err = s.UpdateCustomer(ctx, c); err == nil {
							break
						} else if !errors.Is(err, crm.ErrConflict) {
							errs <- err
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		total := 0.0
		for i := range records {
			c, err := s.Customer(ctx, "cas-"+strconv.Itoa(i))
			require.NoError(t, err)
			n, _ := c.Attributes["counter"].Number()
			require.EqualValues(t, int64(n)+1, c.Version, "customer %s: %v successful updates must leave version %v (1 + updates), not %v", c.ID, n, int64(n)+1, c.Version)
			total += n
		}
		require.EqualValues(t, workers*increments, total, "lost updates")
	})
	if h.Reopen == nil {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		s := newStore(t)
		c, err := s.CreateCustomer(ctx, sampleCustomer("c1"))
		require.NoError(t, err)
		c.Name = "Ada Lovelace"
		want, err := s.UpdateCustomer(ctx, c)
		require.NoError(t, err)
		_, err = s.CreateCustomer(ctx, sampleCustomer("c2"))
		require.NoError(t, err)
		require.NoError(t, s.DeleteCustomer(ctx, "c2", 1))
		s = h.Reopen(t, s)
		got, err := s.Customer(ctx, "c1")
		require.NoError(t, err)
		requireSameCustomer(t, want, got)
		_, err = s.Customer(ctx, "c2")
		require.ErrorIs(t, err, crm.ErrNotFound, "a deleted customer came back")
	})
}

func collectSeq[T any](t *testing.T, seq iter.Seq2[T, error]) iter.Seq[T] {
	return slices.Values(collect(t, seq))
}

// logHarness adapts the transaction and touchpoint stores, which share one
// contract, to one suite.
type logHarness[T any] struct {
	make       func(id, customer string, at time.Time) T // a valid record
	vary       func(T) T                                 // same ID, different content
	invalidate func(T) T
	equal      func(a, b T) bool
	key        func(T) (id, customer string, at time.Time)
	append     func(ctx context.Context, recs ...T) error
	get        func(ctx context.Context, id string) (T, error)
	all        func(ctx context.Context) iter.Seq2[T, error]
	ofCustomer func(ctx context.Context, customer string) iter.Seq2[T, error]
	between    func(ctx context.Context, from, to time.Time) iter.Seq2[T, error]
	// reopen, when set, closes the storage and returns a harness over the
	// same storage opened again.
	reopen func(t *testing.T) logHarness[T]
}

// TestTransactionStore runs the crm.TransactionStore conformance suite:
// round trips, not found, idempotent appends, the same ID with other
// content refused, atomic batches, the streams' order, a cancelled
// context, concurrent appends that lose nothing, a 100,000-record stream,
// exact decimals, and (with h.Reopen) records that survive a reopen.
func TestTransactionStore(t *testing.T, h Harness[crm.TransactionStore]) {
	h.Check(t, "crmtest.TestTransactionStore")
	newStore := h.New
	var harness func(t *testing.T, s crm.TransactionStore) logHarness[crm.Transaction]
	harness = func(t *testing.T, s crm.TransactionStore) logHarness[crm.Transaction] {
		lh := logHarness[crm.Transaction]{
			make: func(id, customer string, at time.Time) crm.Transaction {
				return crm.Transaction{ID: id, CustomerID: customer, Time: at, Amount: decimal.RequireFromString("19.99"),
					Currency: "EUR", Kind: crm.Purchase, Channel: crm.ChannelWeb,
					Items: []crm.LineItem{{SKU: "A-1", Category: "books", Quantity: 2, UnitPrice: decimal.RequireFromString("9.995")}}}
			},
			vary:       func(x crm.Transaction) crm.Transaction { x.Amount = x.Amount.Add(decimal.NewFromInt(1)); return x },
			invalidate: func(x crm.Transaction) crm.Transaction { x.Currency = "XXX1"; return x },
			equal:      crm.Transaction.Equal,
			key:        func(x crm.Transaction) (string, string, time.Time) { return x.ID, x.CustomerID, x.Time },
			append:     s.AppendTransactions, get: s.Transaction, all: s.Transactions,
			ofCustomer: s.CustomerTransactions, between: s.TransactionsBetween,
		}
		if h.Reopen != nil {
			lh.reopen = func(t *testing.T) logHarness[crm.Transaction] { return harness(t, h.Reopen(t, s)) }
		}
		return lh
	}
	runLogSuite(t, func(t *testing.T) logHarness[crm.Transaction] { return harness(t, newStore(t)) }, h.Reopen != nil)
	t.Run("ExactDecimals", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		for i, amount := range []string{"123456789012345.123456789", "999999999999999.999999999999", "0.1", "0", "0.000000001", "100.50"} {
			tx := crm.Transaction{ID: "d" + strconv.Itoa(i), CustomerID: "c", Time: t0, Amount: decimal.RequireFromString(amount), Currency: "USD", Kind: crm.Refund,
				Items: []crm.LineItem{{SKU: "x", Quantity: 1, UnitPrice: decimal.RequireFromString(amount)}}}
			require.NoError(t, s.AppendTransactions(ctx, tx))
			got, err := s.Transaction(ctx, tx.ID)
			require.NoError(t, err)
			require.True(t, got.Amount.Equal(tx.Amount), "amount %s came back as %s", amount, got.Amount)
			require.True(t, got.Items[0].UnitPrice.Equal(tx.Amount), "unit price %s came back as %s", amount, got.Items[0].UnitPrice)
			require.Equal(t, crm.Refund, got.Kind)
			require.True(t, got.SignedAmount().Equal(tx.Amount.Neg()))
		}
	})
	t.Run("OutOfRange", func(t *testing.T) {
		// What no store can keep is refused by every store alike, and
		// nothing of the batch is stored.
		s := newStore(t)
		ctx := context.Background()
		ok := crm.Transaction{ID: "ok", CustomerID: "c", Time: t0, Amount: decimal.RequireFromString("1"), Currency: "USD", Kind: crm.Purchase}
		for _, c := range []struct {
			edit func(*crm.Transaction)
			want string
		}{
			{func(tx *crm.Transaction) { tx.Amount = decimal.RequireFromString("1000000000000000") }, "amount"},
			{func(tx *crm.Transaction) { tx.Amount = decimal.New(1, 400) }, "amount"},
			{func(tx *crm.Transaction) { tx.Amount = decimal.RequireFromString("0.0000000000001") }, "decimal places"},
			{func(tx *crm.Transaction) { tx.Time = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "year 10000"},
		} {
			bad := ok
			bad.ID = "bad"
			c.edit(&bad)
			err := s.AppendTransactions(ctx, ok, bad)
			require.ErrorIs(t, err, crm.ErrInvalid, c.want)
			require.ErrorContains(t, err, c.want)
			_, err = s.Transaction(ctx, "ok")
			require.ErrorIs(t, err, crm.ErrNotFound, "a refused batch stores nothing")
		}
	})
}

// TestTouchpointStore runs the crm.TouchpointStore conformance suite, the
// log suite of TestTransactionStore.
func TestTouchpointStore(t *testing.T, h Harness[crm.TouchpointStore]) {
	h.Check(t, "crmtest.TestTouchpointStore")
	var harness func(t *testing.T, s crm.TouchpointStore) logHarness[crm.Touchpoint]
	harness = func(t *testing.T, s crm.TouchpointStore) logHarness[crm.Touchpoint] {
		lh := logHarness[crm.Touchpoint]{
			make: func(id, customer string, at time.Time) crm.Touchpoint {
				return crm.Touchpoint{ID: id, CustomerID: customer, Time: at, Channel: crm.ChannelPhone, Kind: crm.TouchSupport, Experience: 4, Note: "called about delivery"}
			},
			vary:       func(x crm.Touchpoint) crm.Touchpoint { x.Experience = 1; return x },
			invalidate: func(x crm.Touchpoint) crm.Touchpoint { x.Experience = 9; return x },
			equal:      crm.Touchpoint.Equal,
			key:        func(x crm.Touchpoint) (string, string, time.Time) { return x.ID, x.CustomerID, x.Time },
			append:     s.AppendTouchpoints, get: s.Touchpoint, all: s.Touchpoints,
			ofCustomer: s.CustomerTouchpoints, between: s.TouchpointsBetween,
		}
		if h.Reopen != nil {
			lh.reopen = func(t *testing.T) logHarness[crm.Touchpoint] { return harness(t, h.Reopen(t, s)) }
		}
		return lh
	}
	runLogSuite(t, func(t *testing.T) logHarness[crm.Touchpoint] { return harness(t, h.New(t)) }, h.Reopen != nil)
}

func runLogSuite[T any](t *testing.T, newHarness func(t *testing.T) logHarness[T], reopenable bool) {
	ctx := context.Background()
	ids := func(h logHarness[T], recs []T) []string {
		out := make([]string, len(recs))
		for i, r := range recs {
			out[i], _, _ = h.key(r)
		}
		return out
	}
	t.Run("RoundTrip", func(t *testing.T) {
		h := newHarness(t)
		r := h.make("r1", "c1", t0)
		require.NoError(t, h.append(ctx, r))
		got, err := h.get(ctx, "r1")
		require.NoError(t, err)
		require.True(t, h.equal(r, got), "want %+v, got %+v", r, got)
	})
	t.Run("NotFound", func(t *testing.T) {
		h := newHarness(t)
		_, err := h.get(ctx, "missing")
		require.ErrorIs(t, err, crm.ErrNotFound)
		require.Empty(t, collect(t, h.ofCustomer(ctx, "nobody")))
	})
	t.Run("Idempotent", func(t *testing.T) {
		h := newHarness(t)
		r := h.make("r1", "c1", t0)
		require.NoError(t, h.append(ctx, r))
		require.NoError(t, h.append(ctx, r), "appending the same record again must be a no-op")
		require.NoError(t, h.append(ctx, r, r), "a batch may repeat a record")
		require.Len(t, collect(t, h.all(ctx)), 1)
	})
	t.Run("Exists", func(t *testing.T) {
		h := newHarness(t)
		r := h.make("r1", "c1", t0)
		require.NoError(t, h.append(ctx, r))
		err := h.append(ctx, h.vary(r))
		require.ErrorIs(t, err, crm.ErrExists)
		got, err := h.get(ctx, "r1")
		require.NoError(t, err)
		require.True(t, h.equal(r, got), "a refused append changed the stored record")
		require.ErrorIs(t, h.append(ctx, h.make("r2", "c1", t0), h.vary(h.make("r2", "c1", t0))), crm.ErrExists)
		_, err = h.get(ctx, "r2")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("AtomicBatch", func(t *testing.T) {
		h := newHarness(t)
		require.NoError(t, h.append(ctx, h.make("old", "c1", t0)))
		batch := []T{h.make("n1", "c1", t0), h.make("n2", "c2", t0), h.invalidate(h.make("n3", "c2", t0))}
		require.ErrorIs(t, h.append(ctx, batch...), crm.ErrInvalid)
		batch = []T{h.make("n1", "c1", t0), h.vary(h.make("old", "c1", t0))}
		require.ErrorIs(t, h.append(ctx, batch...), crm.ErrExists)
		require.Equal(t, []string{"old"}, ids(h, collect(t, h.all(ctx))), "a failed batch stored records")
		require.NoError(t, h.append(ctx, h.make("n1", "c1", t0), h.make("n2", "c2", t0)), "after a refusal the same records go in")
		_, err := h.get(ctx, "n2")
		require.NoError(t, err)
		require.Len(t, collect(t, h.all(ctx)), 3)
	})
	t.Run("Order", func(t *testing.T) {
		h := newHarness(t)
		rng := rand.New(rand.NewPCG(3, 4))
		var recs []T
		for i := range 500 {
			at := t0.Add(time.Duration(rng.IntN(100)) * time.Hour) // many equal times: ID breaks ties
			recs = append(recs, h.make(fmt.Sprintf("r%03d", i), fmt.Sprintf("c%02d", rng.IntN(20)), at))
		}
		for i := 0; i < len(recs); i += 37 {
			require.NoError(t, h.append(ctx, recs[i:min(i+37, len(recs))]...))
		}
		all := collect(t, h.all(ctx))
		require.Len(t, all, len(recs))
		require.True(t, slices.IsSortedFunc(all, func(a, b T) int {
			ia, ca, ta := h.key(a)
			ib, cb, tb := h.key(b)
			if c := cmp.Compare(ca, cb); c != 0 {
				return c
			}
			if c := ta.Compare(tb); c != 0 {
				return c
			}
			return cmp.Compare(ia, ib)
		}), "all: want order by customer, time, ID")
		require.ElementsMatch(t, ids(h, recs), ids(h, all))
		byTime := func(a, b T) int {
			ia, _, ta := h.key(a)
			ib, _, tb := h.key(b)
			if c := ta.Compare(tb); c != 0 {
				return c
			}
			return cmp.Compare(ia, ib)
		}
		for _, c := range []string{"c00", "c07"} {
			got := collect(t, h.ofCustomer(ctx, c))
			require.NotEmpty(t, got)
			require.True(t, slices.IsSortedFunc(got, byTime), "by customer: want order by time, ID")
			for _, r := range got {
				_, cust, _ := h.key(r)
				require.Equal(t, c, cust)
			}
		}
		from, to := t0.Add(10*time.Hour), t0.Add(20*time.Hour)
		got := collect(t, h.between(ctx, from, to))
		require.True(t, slices.IsSortedFunc(got, byTime), "between: want order by time, ID")
		want := 0
		for _, r := range recs {
			if _, _, at := h.key(r); !at.Before(from) && at.Before(to) {
				want++
			}
		}
		require.Equal(t, want, len(got), "between is half-open [from, to)")
		require.Empty(t, collect(t, h.between(ctx, to, from)))
	})
	t.Run("Cancelled", func(t *testing.T) {
		h := newHarness(t)
		require.NoError(t, h.append(ctx, h.make("r1", "c1", t0)))
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		require.ErrorIs(t, h.append(cancelled, h.make("r2", "c1", t0)), context.Canceled)
		_, err := h.get(cancelled, "r1")
		require.ErrorIs(t, err, context.Canceled)
		RequireCancelled(t, "the stream of all", h.all(cancelled))
		RequireCancelled(t, "the stream of a customer", h.ofCustomer(cancelled, "c1"))
		RequireCancelled(t, "the stream between times", h.between(cancelled, t0, t0.Add(time.Hour)))
		_, err = h.get(ctx, "r2")
		require.ErrorIs(t, err, crm.ErrNotFound)
	})
	t.Run("ConcurrentWritesLoseNothing", func(t *testing.T) {
		h := newHarness(t)
		const workers, each = 8, 200
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					// Half the IDs are shared by all workers: retries racing each other.
					id := fmt.Sprintf("w%d-%d", w, i)
					if i%2 == 0 {
						id = fmt.Sprintf("shared-%d", i)
					}
					if err := h.append(ctx, h.make(id, "c"+strconv.Itoa(i%5), t0.Add(time.Duration(i)*time.Minute))); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		require.Len(t, collect(t, h.all(ctx)), workers*each/2+each/2)
	})
	t.Run("LargeStream", func(t *testing.T) {
		h := newHarness(t)
		const n = 100_000
		batch := make([]T, 0, 10_000)
		for i := range n {
			batch = append(batch, h.make(fmt.Sprintf("r%06d", i), fmt.Sprintf("c%04d", i%1000), t0.Add(time.Duration(i)*time.Second)))
			if len(batch) == cap(batch) {
				require.NoError(t, h.append(ctx, batch...))
				batch = batch[:0]
			}
		}
		seen := make([]bool, n)
		count := 0
		for r, err := range h.all(ctx) {
			require.NoError(t, err)
			id, _, _ := h.key(r)
			i, err := strconv.Atoi(id[1:])
			require.NoError(t, err)
			require.False(t, seen[i], "record %s streamed twice", id)
			seen[i] = true
			count++
		}
		require.Equal(t, n, count, "records dropped from the stream")
		require.Len(t, collect(t, h.between(ctx, t0, t0.Add(n*time.Second))), n)
	})
	if !reopenable {
		return // a store in memory has nothing to reopen
	}
	t.Run("Reopen", func(t *testing.T) {
		h := newHarness(t)
		a, b := h.make("r1", "c1", t0), h.make("r2", "c2", t0.Add(time.Hour))
		require.NoError(t, h.append(ctx, a, b))
		h = h.reopen(t)
		got := collect(t, h.all(ctx))
		require.Len(t, got, 2)
		require.True(t, h.equal(a, got[0]) && h.equal(b, got[1]), "records after a reopen: %+v", got)
	})
}
