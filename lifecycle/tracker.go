package lifecycle

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/bounds"
)

// State is a customer's current stage.
type State struct {
	// CustomerID is the customer.
	CustomerID string `json:"customer_id"`
	// Stage is the customer's current stage.
	Stage string    `json:"stage"`
	Since time.Time `json:"since"` // when the customer entered the stage
	// Version is the store's: 1 after the first move, one more on each.
	Version int64 `json:"version"`
}

// Transition is one recorded move; From is "" for a customer's first stage.
type Transition struct {
	// CustomerID is the customer who moved.
	CustomerID string `json:"customer_id"`
	// From is the stage left ("" for a first stage).
	From string `json:"from"`
	// To is the stage entered.
	To string `json:"to"`
	// At is when (the classification's AsOf).
	At time.Time `json:"at"`
	// Reason is the rule that put the customer there.
	Reason string `json:"reason"`
}

// Store keeps lifecycle states and their history. A host implements it on
// its own database and proves it with lifecycletest.TestStore. It persists
// and decides nothing: the Tracker checks classifications against the
// policy and computes each new state. Implementations must be safe for
// concurrent use.
type Store interface {
	// State returns a customer's current state, or an error matching
	// crm.ErrNotFound when the customer has none.
	State(ctx context.Context, customerID string) (State, error)
	// Move appends t to the customer's history and stores s as the
	// customer's state, both or neither, if the stored state's version
	// equals s.Version (0: the customer has no state yet). It returns s
	// with Version incremented. A stale version is a *crm.ConflictError
	// and changes nothing.
	Move(ctx context.Context, s State, t Transition) (State, error)
	// CustomerTransitions streams one customer's transitions in the order
	// they were moved, oldest first; none for an unknown customer.
	CustomerTransitions(ctx context.Context, customerID string) iter.Seq2[Transition, error]
	// TransitionsBetween streams every transition with from ≤ At < to, by
	// At, then customer ID, then the order moved.
	TransitionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Transition, error]
}

// Move is one move of a batch: the state to store and the transition to
// append, as Store.Move takes them.
type Move struct {
	// State is the customer's new state; its Version is the stored
	// version the move is based on (0: none yet).
	State State
	// Transition is appended to the customer's history.
	Transition Transition
}

// BatchMover is a Store that can also make many moves in one call. A
// store on a database should implement it: Tracker.ApplyAll then sends
// its moves in batches of MoveBatch (a few statements a batch) instead of
// one transaction a move. lifecycletest.TestStore checks it when the store
// has it.
type BatchMover interface {
	// MoveAll makes every move or none, each as Move would, in order: a
	// customer's later move in the batch is based on the version its
	// earlier one leaves. A stale version is a *crm.ConflictError naming
	// the first stale move, and changes nothing.
	MoveAll(ctx context.Context, moves []Move) error
}

// MoveBatch is how many moves Tracker.ApplyAll sends a BatchMover at once.
const MoveBatch = 1000

// StateLister is a Store that can also stream every state. A store on a
// database should implement it: Tracker.ApplyAll then reads the states in
// one stream instead of one read per customer. lifecycletest.TestStore
// checks it when the store has it.
type StateLister interface {
	// States streams every customer's current state by customer ID
	// (bytewise, as Go compares strings).
	States(ctx context.Context) iter.Seq2[State, error]
}

// Options configure a Tracker or a Classifier. nil options, or zero
// fields, mean the defaults.
type Options struct {
	// Policy is the lifecycle: stages, their rules and the moves allowed
	// between them. nil means DefaultPolicy().
	Policy *Policy
}

func (o *Options) policy() (*Policy, error) {
	p := DefaultPolicy()
	if o != nil && o.Policy != nil {
		p = o.Policy
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Tracker applies classifications through a store under a policy's
// transition graph.
type Tracker struct {
	store  Store
	policy *Policy
}

// NewTracker returns a tracker over store under the options' policy. A nil
// store or an invalid policy is refused with an error matching
// crm.ErrInvalid.
func NewTracker(store Store, opt *Options) (*Tracker, error) {
	if store == nil {
		return nil, fmt.Errorf("lifecycle: new tracker: nil store: %w", crm.ErrInvalid)
	}
	policy, err := opt.policy()
	if err != nil {
		return nil, err
	}
	return &Tracker{store: store, policy: policy}, nil
}

// Apply records a classification: nothing when the customer is already in
// that stage, or when the state is as recent as the classification (so
// re-running at the same asOf adds nothing); a transition when the policy
// allows the move; a *crm.TransitionError naming the allowed stages
// otherwise. A classification without a customer or a time, at a time no
// store keeps (outside years 1–9999), with an unknown stage, or older than
// the state is refused. It returns whether a
// transition was recorded.
func (t *Tracker) Apply(ctx context.Context, c Classification) (bool, error) {
	if err := t.check(c); err != nil {
		return false, err
	}
	cur, err := t.store.State(ctx, c.CustomerID)
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return false, err
	}
	_, moved, err := t.apply(ctx, c, cur)
	return moved, err
}

// check refuses a classification no store may be asked to keep.
func (t *Tracker) check(c Classification) error {
	if c.CustomerID == "" || c.AsOf.IsZero() {
		return fmt.Errorf("lifecycle: classification %+v: needs a customer and a time: %w", c, crm.ErrInvalid)
	}
	if p := bounds.Time(c.AsOf); p != "" {
		return fmt.Errorf("lifecycle: customer %q: classification time: %s: %w", c.CustomerID, p, crm.ErrInvalid)
	}
	if _, ok := t.policy.Stage(c.Stage); !ok {
		return fmt.Errorf("lifecycle: customer %q: unknown stage %q: %w", c.CustomerID, c.Stage, crm.ErrInvalid)
	}
	return nil
}

// decide finds the move a checked classification makes from the
// customer's current state (the zero State when there is none): ok false
// when there is none to make.
func (t *Tracker) decide(c Classification, cur State) (m Move, ok bool, err error) {
	if cur.Version > 0 {
		if cur.Stage == c.Stage || c.AsOf.Equal(cur.Since) {
			return Move{}, false, nil
		}
		if c.AsOf.Before(cur.Since) {
			return Move{}, false, fmt.Errorf("lifecycle: customer %q: classification at %s is older than the state since %s: %w",
				c.CustomerID, c.AsOf.Format(time.RFC3339), cur.Since.Format(time.RFC3339), crm.ErrInvalid)
		}
		if !t.policy.Allows(cur.Stage, c.Stage) {
			return Move{}, false, &crm.TransitionError{Package: "lifecycle", Subject: fmt.Sprintf("customer %q", c.CustomerID), From: cur.Stage, To: c.Stage, Allowed: slices.Clone(t.policy.Allowed[cur.Stage])}
		}
	}
	return Move{
		State:      State{CustomerID: c.CustomerID, Stage: c.Stage, Since: c.AsOf, Version: cur.Version},
		Transition: Transition{CustomerID: c.CustomerID, From: cur.Stage, To: c.Stage, At: c.AsOf, Reason: c.Reason},
	}, true, nil
}

// apply applies a checked classification to the customer's current state
// and returns the state after it.
func (t *Tracker) apply(ctx context.Context, c Classification, cur State) (State, bool, error) {
	m, ok, err := t.decide(c, cur)
	if !ok || err != nil {
		return cur, false, err
	}
	moved, err := t.store.Move(ctx, m.State, m.Transition)
	if err != nil {
		return cur, false, err
	}
	return moved, true, nil
}

// ApplyAll applies classifications in order, collecting refused moves
// instead of stopping at them; other errors stop it. When the
// classifications are in customer ID order and the store is a
// StateLister, the states are read in one stream (one query per page on a
// database) instead of one read per customer; when the store is a
// BatchMover, the moves go to it MoveBatch at a time. The decisions are
// the same either way. A state another writer changes meanwhile makes a
// *crm.ConflictError, as with Apply; with a BatchMover the moves of that
// batch are not made (moved counts the ones that were), and running
// ApplyAll again makes them.
func (t *Tracker) ApplyAll(ctx context.Context, cs []Classification) (moved int, illegal []*crm.TransitionError, err error) {
	current := func(id string) (State, error) {
		st, err := t.store.State(ctx, id)
		if errors.Is(err, crm.ErrNotFound) {
			return State{}, nil
		}
		return st, err
	}
	if lister, ok := t.store.(StateLister); ok && slices.IsSortedFunc(cs, func(a, b Classification) int { return strings.Compare(a.CustomerID, b.CustomerID) }) {
		m := &stateMerge{}
		m.next, m.stop = iter.Pull2(lister.States(ctx))
		defer m.stop()
		current = m.find
	}
	batcher, _ := t.store.(BatchMover)
	var batch []Move
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := batcher.MoveAll(ctx, batch); err != nil {
			return err
		}
		moved += len(batch)
		batch = batch[:0]
		return nil
	}
	// stop ends on err, having made the moves decided before it, as one
	// classification at a time would have.
	stop := func(err error) (int, []*crm.TransitionError, error) {
		err = errors.Join(err, flush()) // first: flush counts what it moves
		return moved, illegal, err
	}
	var last State // the state the last move left: a customer's next classification sees it
	for i, c := range cs {
		if i%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return stop(err)
			}
		}
		if err := t.check(c); err != nil {
			return stop(err)
		}
		cur := last
		if last.Version == 0 || last.CustomerID != c.CustomerID {
			if cur, err = current(c.CustomerID); err != nil {
				return stop(err)
			}
		}
		m, ok, err := t.decide(c, cur)
		var ie *crm.TransitionError
		switch {
		case errors.As(err, &ie):
			illegal = append(illegal, ie)
			continue
		case err != nil:
			return stop(err)
		case !ok:
			continue
		}
		if batcher == nil {
			if last, err = t.store.Move(ctx, m.State, m.Transition); err != nil {
				return moved, illegal, err
			}
			moved++
			continue
		}
		batch = append(batch, m)
		last = m.State
		last.Version++
		if len(batch) == MoveBatch {
			if err := flush(); err != nil {
				return moved, illegal, err
			}
		}
	}
	return moved, illegal, flush()
}

// stateMerge finds states in a stream by customer ID, for IDs asked in
// increasing order.
type stateMerge struct {
	next func() (State, error, bool)
	stop func()
	st   State // the stream's current state; Version 0 before the first
	done bool
}

func (m *stateMerge) find(id string) (State, error) {
	for !m.done && (m.st.Version == 0 || m.st.CustomerID < id) {
		s, err, ok := m.next()
		if !ok {
			m.done = true
			break
		}
		if err != nil {
			return State{}, err
		}
		if m.st.Version > 0 && s.CustomerID <= m.st.CustomerID {
			return State{}, fmt.Errorf("lifecycle: the store's states are not in customer ID order: %q after %q", s.CustomerID, m.st.CustomerID)
		}
		m.st = s
	}
	if m.st.Version > 0 && m.st.CustomerID == id {
		return m.st, nil
	}
	return State{}, nil
}

// Stages returns the stage each customer was in just before before: the
// last move the store recorded earlier than that time. Pass the AsOf of the
// classification about to be made, as Inputs.Previous, so that a customer
// who had lapsed and buys again is reactivated; moves recorded at before
// itself are left out, so classifying again at the same time sees the same
// previous stages. It reads the store's transitions once, in one stream,
// and holds one entry per customer.
func (t *Tracker) Stages(ctx context.Context, before time.Time) (map[string]string, error) {
	stages := map[string]string{}
	for tr, err := range t.store.TransitionsBetween(ctx, time.Time{}, before) {
		if err != nil {
			return nil, err
		}
		stages[tr.CustomerID] = tr.To // by time: the last move wins
	}
	return stages, nil
}

// TimeInStage is how long the customer has been in their current stage at
// asOf.
func (t *Tracker) TimeInStage(ctx context.Context, customerID string, asOf time.Time) (time.Duration, error) {
	s, err := t.store.State(ctx, customerID)
	if err != nil {
		return 0, err
	}
	return asOf.Sub(s.Since), nil
}

// Flow is the number of moves from one stage to another.
type Flow struct {
	// From is the stage moved from ("" for a first stage).
	From string `json:"from"`
	// To is the stage moved to.
	To string `json:"to"`
	// Count is how many moves.
	Count int `json:"count"`
}

// Flows counts the moves after from up to and including to — what changed
// between the stages customers had at from and the stages they have at to
// — by (from stage, to stage), largest first: the links of a Sankey chart.
// A tracker records the moves of a classification at its AsOf, so
// Flows(ctx, store, lastQuarter, today) holds the moves recorded today and
// none of those recorded last quarter. First stages have From "", and
// Flows from the zero time to t gives every move up to t: adding each
// flow's Count to its To stage and taking it from its From stage gives the
// number of customers in each stage at t.
func Flows(ctx context.Context, store Store, from, to time.Time) ([]Flow, error) {
	if store == nil {
		return nil, fmt.Errorf("lifecycle: flows: nil store: %w", crm.ErrInvalid)
	}
	counts := map[[2]string]int{}
	// The store's window is half-open the other way: [from, to).
	for tr, err := range store.TransitionsBetween(ctx, from.Add(time.Nanosecond), to.Add(time.Nanosecond)) {
		if err != nil {
			return nil, err
		}
		counts[[2]string{tr.From, tr.To}]++
	}
	out := make([]Flow, 0, len(counts))
	for k, n := range counts {
		out = append(out, Flow{From: k[0], To: k[1], Count: n})
	}
	slices.SortFunc(out, func(a, b Flow) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.From, b.From), cmp.Compare(a.To, b.To))
	})
	return out, nil
}

// MemoryStore is the in-memory Store, safe for concurrent use: the
// reference implementation of the Store contract.
type MemoryStore struct {
	mu     sync.RWMutex
	states map[string]memState
	chunks [][]memTransition
	n      int32
}

type memState struct {
	State
	last int32 // index of the customer's latest transition
}

type memTransition struct {
	Transition
	prev int32 // the customer's previous transition, or −1
}

const chunkBits = 16

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{states: map[string]memState{}}
}

var (
	_ Store       = (*MemoryStore)(nil)
	_ StateLister = (*MemoryStore)(nil)
	_ BatchMover  = (*MemoryStore)(nil)
)

func (m *MemoryStore) at(i int32) *memTransition {
	return &m.chunks[i>>chunkBits][i&(1<<chunkBits-1)]
}

// State implements Store.
func (m *MemoryStore) State(ctx context.Context, id string) (State, error) {
	if err := ctx.Err(); err != nil {
		return State{}, err
	}
	m.mu.RLock()
	s, ok := m.states[id]
	m.mu.RUnlock()
	if !ok {
		return State{}, notFound(id)
	}
	return s.State, nil
}

// States implements StateLister.
func (m *MemoryStore) States(ctx context.Context) iter.Seq2[State, error] {
	return func(yield func(State, error) bool) {
		if err := ctx.Err(); err != nil {
			yield(State{}, err)
			return
		}
		m.mu.RLock()
		out := make([]State, 0, len(m.states))
		for _, s := range m.states {
			out = append(out, s.State)
		}
		m.mu.RUnlock()
		slices.SortFunc(out, func(a, b State) int { return strings.Compare(a.CustomerID, b.CustomerID) })
		for i, s := range out {
			if i%4096 == 4095 {
				if err := ctx.Err(); err != nil {
					yield(State{}, err)
					return
				}
			}
			if !yield(s, nil) {
				return
			}
		}
	}
}

// notFound is the store's not-found error, formatted only when read.
type notFound string

func (e notFound) Error() string {
	return fmt.Sprintf("lifecycle: customer %q: %v", string(e), crm.ErrNotFound)
}
func (e notFound) Unwrap() error { return crm.ErrNotFound }

// Move implements Store.
func (m *MemoryStore) Move(ctx context.Context, s State, t Transition) (State, error) {
	if err := ctx.Err(); err != nil {
		return State{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur := m.states[s.CustomerID]; cur.Version != s.Version {
		return State{}, &crm.ConflictError{Package: "lifecycle", Kind: "state", ID: s.CustomerID, Have: s.Version, Current: cur.Version}
	}
	return m.move(s, t), nil
}

// move stores a move whose version was checked; m.mu is held.
func (m *MemoryStore) move(s State, t Transition) State {
	cur, ok := m.states[s.CustomerID]
	prev := int32(-1)
	if ok {
		prev = cur.last
	}
	if int(m.n)>>chunkBits == len(m.chunks) {
		m.chunks = append(m.chunks, make([]memTransition, 1<<chunkBits))
	}
	i := m.n
	*m.at(i) = memTransition{Transition: t, prev: prev}
	m.n++
	s.Version++
	m.states[s.CustomerID] = memState{State: s, last: i}
	return s
}

// MoveAll implements BatchMover.
func (m *MemoryStore) MoveAll(ctx context.Context, moves []Move) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	after := map[string]int64{} // versions as the batch leaves them
	for _, mv := range moves {
		id := mv.State.CustomerID
		v, ok := after[id]
		if !ok {
			v = m.states[id].Version
		}
		if v != mv.State.Version {
			return &crm.ConflictError{Package: "lifecycle", Kind: "state", ID: id, Have: mv.State.Version, Current: v}
		}
		after[id] = v + 1
	}
	for _, mv := range moves {
		m.move(mv.State, mv.Transition)
	}
	return nil
}

// CustomerTransitions implements Store.
func (m *MemoryStore) CustomerTransitions(ctx context.Context, id string) iter.Seq2[Transition, error] {
	return func(yield func(Transition, error) bool) {
		m.mu.RLock()
		var h []Transition
		if s, ok := m.states[id]; ok {
			for i := s.last; i >= 0; i = m.at(i).prev {
				h = append(h, m.at(i).Transition)
			}
		}
		m.mu.RUnlock()
		slices.Reverse(h)
		for _, t := range h {
			if err := ctx.Err(); err != nil {
				yield(Transition{}, err)
				return
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}

// TransitionsBetween implements Store.
func (m *MemoryStore) TransitionsBetween(ctx context.Context, from, to time.Time) iter.Seq2[Transition, error] {
	return func(yield func(Transition, error) bool) {
		m.mu.RLock()
		var sel []Transition
		for i := int32(0); i < m.n; i++ {
			if t := m.at(i).Transition; !t.At.Before(from) && t.At.Before(to) {
				sel = append(sel, t)
			}
		}
		m.mu.RUnlock()
		slices.SortStableFunc(sel, func(a, b Transition) int {
			return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.CustomerID, b.CustomerID))
		})
		for i, t := range sel {
			if i%8192 == 0 {
				if err := ctx.Err(); err != nil {
					yield(Transition{}, err)
					return
				}
			}
			if !yield(t, nil) {
				return
			}
		}
	}
}
