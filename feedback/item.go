package feedback

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/crmkit/crm"
)

// Kind is what a piece of feedback is.
type Kind string

// Kinds.
const (
	Complaint  Kind = "complaint"
	Suggestion Kind = "suggestion"
	Praise     Kind = "praise"
	Inquiry    Kind = "inquiry"
)

// Severity orders how bad a problem is.
type Severity string

// Severities.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Weight is the severity as a number (1 low … 4 critical), for impact.
func (s Severity) Weight() float64 {
	return map[Severity]float64{Low: 1, Medium: 2, High: 3, Critical: 4}[s]
}

// State is where an item is in the workflow.
type State string

// States.
const (
	Received         State = "received"
	Acknowledged     State = "acknowledged"
	Investigating    State = "investigating"
	RemedyProposed   State = "remedy_proposed"
	RemedyAccepted   State = "remedy_accepted"
	Resolved         State = "resolved"
	Closed           State = "closed"
	ClosedUnresolved State = "closed_unresolved"
	WaitingCustomer  State = "waiting_customer"
	// AwaitingApproval is a remedy that costs more than its proposer may
	// decide alone, waiting for someone who may.
	AwaitingApproval State = "awaiting_approval"
)

// Open reports whether the state still needs work.
func (s State) Open() bool { return s != Closed && s != ClosedUnresolved }

// Action is a workflow step.
type Action string

// Actions, each with the content it requires (see Content).
const (
	Acknowledge Action = "acknowledge"      // received → acknowledged: Apology (for complaints) or acknowledgement
	Investigate Action = "investigate"      // acknowledged → investigating
	ProposeFix  Action = "propose"          // investigating → remedy_proposed (or awaiting_approval, above the proposer's authority): Facts, Remedy and its Cost
	Approve     Action = "approve"          // awaiting_approval → remedy_proposed: by an approver (Options.Approvers, or an agent whose authority covers the cost), not the proposer
	Refuse      Action = "refuse"           // awaiting_approval → investigating: Note (why), by an approver
	Accept      Action = "accept"           // remedy_proposed → remedy_accepted: Decision (the customer's words)
	Decline     Action = "decline"          // remedy_proposed → investigating: Decision
	GiveUp      Action = "close_unresolved" // remedy_proposed → closed_unresolved: Decision and Recourse
	Resolve     Action = "resolve"          // remedy_accepted → resolved: Done
	Answer      Action = "answer"           // acknowledged → resolved, for suggestions, praise and inquiries: Answer
	CloseItem   Action = "close"            // resolved → closed
	Wait        Action = "wait"             // any open state but received → waiting_customer: Note (what we wait for); pauses the SLA clock
	Resume      Action = "resume"           // waiting_customer → the state it left: Note
	Reopen      Action = "reopen"           // closed or closed_unresolved → investigating, within the reopen window: Note
)

// Content is what a step records.
type Content struct {
	// Apology is the first response: the apology, heard and given.
	Apology string `json:"apology,omitempty"`
	// Facts are what the investigation established.
	Facts string `json:"facts,omitempty"`
	// Remedy is what was proposed to put it right.
	Remedy string `json:"remedy,omitempty"`
	// Cost is what the remedy costs the company, in the desk's currency
	// (a refund, a free repair, a voucher); 0 for none. Above what its
	// proposer may decide alone, the remedy waits for approval.
	Cost float64 `json:"cost,omitempty"`
	// Decision is the customer's answer to the remedy.
	Decision string `json:"decision,omitempty"`
	// Recourse is where a customer who accepted no remedy may turn.
	Recourse string `json:"recourse,omitempty"`
	// Done is what was done to carry out the remedy.
	Done string `json:"done,omitempty"`
	// Answer is the answer to an inquiry or suggestion.
	Answer string `json:"answer,omitempty"`
	// Note is the last free note.
	Note string `json:"note,omitempty"`
}

type rule struct {
	from     []State
	to       State
	requires []string // Content fields
	kinds    []Kind   // empty: every kind
}

var complaintOnly = []Kind{Complaint}
var notComplaint = []Kind{Suggestion, Praise, Inquiry}

// workflow is the transition table.
var workflow = map[Action]rule{
	Acknowledge: {from: []State{Received}, to: Acknowledged, requires: []string{"apology"}},
	Investigate: {from: []State{Acknowledged}, to: Investigating, kinds: complaintOnly},
	ProposeFix:  {from: []State{Investigating}, to: RemedyProposed, requires: []string{"facts", "remedy"}, kinds: complaintOnly},
	Approve:     {from: []State{AwaitingApproval}, to: RemedyProposed, kinds: complaintOnly},
	Refuse:      {from: []State{AwaitingApproval}, to: Investigating, requires: []string{"note"}, kinds: complaintOnly},
	Accept:      {from: []State{RemedyProposed}, to: RemedyAccepted, requires: []string{"decision"}, kinds: complaintOnly},
	Decline:     {from: []State{RemedyProposed}, to: Investigating, requires: []string{"decision"}, kinds: complaintOnly},
	GiveUp:      {from: []State{RemedyProposed}, to: ClosedUnresolved, requires: []string{"decision", "recourse"}, kinds: complaintOnly},
	Resolve:     {from: []State{RemedyAccepted}, to: Resolved, requires: []string{"done"}, kinds: complaintOnly},
	Answer:      {from: []State{Acknowledged}, to: Resolved, requires: []string{"answer"}, kinds: notComplaint},
	CloseItem:   {from: []State{Resolved}, to: Closed},
	Wait:        {from: []State{Acknowledged, Investigating, RemedyProposed, RemedyAccepted, Resolved}, to: WaitingCustomer, requires: []string{"note"}},
	Resume:      {from: []State{WaitingCustomer}, requires: []string{"note"}},
	Reopen:      {from: []State{Closed, ClosedUnresolved}, to: Investigating, requires: []string{"note"}},
}

func (c Content) field(name string) string {
	switch name {
	case "apology":
		return c.Apology
	case "facts":
		return c.Facts
	case "remedy":
		return c.Remedy
	case "decision":
		return c.Decision
	case "recourse":
		return c.Recourse
	case "done":
		return c.Done
	case "answer":
		return c.Answer
	}
	return c.Note
}

// Allowed lists the actions an item of the kind may take in a state.
func Allowed(kind Kind, s State) []Action {
	var out []Action
	for a, r := range workflow {
		if slices.Contains(r.from, s) && (len(r.kinds) == 0 || slices.Contains(r.kinds, kind)) {
			out = append(out, a)
		}
	}
	slices.Sort(out)
	return out
}

// Mermaid draws the workflow as a Mermaid state diagram.
func Mermaid() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n    [*] --> received\n")
	actions := make([]Action, 0, len(workflow))
	for a := range workflow {
		actions = append(actions, a)
	}
	slices.Sort(actions)
	for _, a := range actions {
		if a == Resume {
			continue // returns to the state the wait left; drawn below
		}
		for _, f := range workflow[a].from {
			fmt.Fprintf(&b, "    %s --> %s : %s\n", f, workflow[a].to, a)
		}
		if a == ProposeFix {
			fmt.Fprintf(&b, "    %s --> %s : %s above authority\n", Investigating, AwaitingApproval, a)
		}
	}
	for _, s := range workflow[Wait].from {
		fmt.Fprintf(&b, "    %s --> %s : %s\n", WaitingCustomer, s, Resume)
	}
	b.WriteString("    closed --> [*]\n    closed_unresolved --> [*]\n")
	return b.String()
}

// Breach records a missed SLA target.
type Breach struct {
	Target string `json:"target"` // first_response or resolution
	// At is when the breach was recorded.
	At time.Time `json:"at"`
}

// Item is one piece of feedback and everything done about it. Its fields
// are a function of its events: Replay rebuilds it.
type Item struct {
	// ID identifies the item.
	ID  string `json:"id"`
	Key string `json:"key"` // idempotency key of the intake
	// CustomerID is who gave the feedback.
	CustomerID string `json:"customer_id"`
	// Kind is a complaint, suggestion, praise or inquiry.
	Kind Kind `json:"kind"`
	// Channel is where it came in.
	Channel crm.Channel `json:"channel"`
	// Category is its cause, in the host's taxonomy.
	Category string `json:"category"`
	// Severity is how serious it is.
	Severity Severity `json:"severity"`
	// Tier is the customer's value tier, for the SLA and the routes.
	Tier string `json:"tier,omitempty"`
	// Skill is what owning the item takes beyond the common work.
	Skill string  `json:"skill,omitempty"`
	Value float64 `json:"value,omitempty"` // the customer's value, for impact and win-back
	// Text is what the customer said.
	Text string `json:"text"`
	// Received is when the item came in.
	Received time.Time `json:"received"`

	// State is where the item stands in the workflow.
	State State `json:"state"`
	// Owner is the agent who owns it.
	Owner  string `json:"owner"`
	Resume State  `json:"resume,omitempty"` // the state a wait returns to

	// Content is what the workflow's steps said and did, the latest of each.
	Content       Content   `json:"content"`
	FirstResponse time.Time `json:"first_response,omitempty"` // acknowledged
	// ResolvedAt is when it was resolved (zero while not).
	ResolvedAt time.Time `json:"resolved_at,omitempty"`
	// ClosedAt is when it was closed (zero while open).
	ClosedAt time.Time `json:"closed_at,omitempty"`
	// PausedSince is when the current wait began; Paused the business time
	// of finished waits (recorded on each resume event).
	PausedSince time.Time `json:"paused_since,omitempty"`
	// Paused is the business time of finished waits on the customer.
	Paused time.Duration `json:"paused"`
	// ProposedBy is who proposed the remedy; AuthorisedBy who decided its
	// cost (the proposer within their authority, else the approver) and
	// AuthorisedAt when — empty while a remedy with a cost awaits approval.
	ProposedBy string `json:"proposed_by,omitempty"`
	// AuthorisedBy is who decided the remedy's cost.
	AuthorisedBy string `json:"authorised_by,omitempty"`
	// AuthorisedAt is when the remedy's cost was decided.
	AuthorisedAt time.Time `json:"authorised_at,omitzero"`
	// ReplyDueSince is when the customer last answered (a resume) and we
	// have not acted since: the next-response clock.
	ReplyDueSince time.Time `json:"reply_due_since,omitempty"`
	// Breaches are the SLA targets missed.
	Breaches   []Breach `json:"breaches,omitempty"`
	Escalation int      `json:"escalation"` // ladder level reached
	// Reopens counts the times the item was reopened.
	Reopens int `json:"reopens"`
	// Events counts the events in the item's log; the next event's Seq is
	// Events + 1.
	Events int `json:"events"`
	// Version is the store's: 1 when created, one more on each write (a
	// write may append several events). Replay leaves it 0.
	Version int64 `json:"version"`
}

// EventType is what an event records.
type EventType string

// Event types.
const (
	IntakeEvent   EventType = "intake"
	AssignEvent   EventType = "assign"
	StepEvent     EventType = "step"
	BreachEvent   EventType = "breach"
	EscalateEvent EventType = "escalate"
)

// Event is one change in an item's log: who, when, and what. Each type
// reads its own fields; the others stay zero.
type Event struct {
	// ItemID and Seq place the event: its item, and its position in the
	// item's log from 1.
	ItemID string `json:"item_id"`
	// Seq is the event's position in the item's log, from 1.
	Seq int `json:"seq"`
	// Type says what the event records.
	Type EventType `json:"type"`
	// At is when it happened.
	At time.Time `json:"at"`
	// Actor is who (or what: "sweep") made the change.
	Actor string `json:"actor"`
	// Intake is the new item (IntakeEvent).
	Intake *Item `json:"intake,omitempty"`
	// Owner is the owner after an intake or an assignment; PreviousOwner
	// the one before an assignment.
	Owner string `json:"owner,omitempty"`
	// PreviousOwner is the owner before an assignment.
	PreviousOwner string `json:"previous_owner,omitempty"`
	// Action is the workflow step taken, From and To the states it moved
	// between (StepEvent), with its Content.
	Action Action `json:"action,omitempty"`
	// From and To are the states a step moved between.
	From State `json:"from,omitempty"`
	// To is the state a step moved to.
	To State `json:"to,omitempty"`
	// Content is what a step said or did.
	Content Content `json:"content"`
	// PausedFor is the business time of the wait a resume ends.
	PausedFor time.Duration `json:"paused_for,omitempty"`
	// Target is the SLA target missed (BreachEvent): first_response,
	// resolution or next_response.
	Target string `json:"target,omitempty"`
	// Level is the escalation level reached and EscalateTo who it went to
	// (EscalateEvent).
	Level int `json:"level,omitempty"`
	// EscalateTo is who an escalation went to.
	EscalateTo string `json:"escalate_to,omitempty"`
	// Note is free text.
	Note string `json:"note,omitempty"`
}

// Apply changes the item as the event says and counts it in Events. It is
// the only way items change, so replaying the events rebuilds the item;
// the Desk applies each event before its store persists the result.
func (it *Item) Apply(e Event) {
	switch e.Type {
	case IntakeEvent:
		version := it.Version
		*it = *e.Intake
		it.State = Received
		it.Owner = e.Owner
		it.Events, it.Version = 0, version
	case AssignEvent:
		it.Owner = e.Owner
	case BreachEvent:
		it.Breaches = append(it.Breaches, Breach{Target: e.Target, At: e.At})
	case EscalateEvent:
		it.Escalation = e.Level
	case StepEvent:
		c := e.Content
		switch e.Action {
		case Acknowledge:
			it.Content.Apology = c.Apology
			it.FirstResponse = e.At
		case ProposeFix:
			it.Content.Facts, it.Content.Remedy, it.Content.Cost = c.Facts, c.Remedy, c.Cost
			it.ProposedBy, it.AuthorisedBy, it.AuthorisedAt = e.Actor, "", time.Time{}
			if e.To == RemedyProposed && c.Cost > 0 {
				it.AuthorisedBy, it.AuthorisedAt = e.Actor, e.At
			}
		case Approve:
			it.AuthorisedBy, it.AuthorisedAt = e.Actor, e.At
		case Accept, Decline:
			it.Content.Decision = c.Decision
		case GiveUp:
			it.Content.Decision, it.Content.Recourse = c.Decision, c.Recourse
			it.ClosedAt = e.At
		case Resolve:
			it.Content.Done = c.Done
			it.ResolvedAt = e.At
		case Answer:
			it.Content.Answer = c.Answer
			it.ResolvedAt = e.At
		case CloseItem:
			it.ClosedAt = e.At
		case Wait:
			it.Resume = e.From
			it.PausedSince = e.At
		case Resume:
			it.Paused += e.PausedFor
			it.PausedSince = time.Time{}
			it.Resume = ""
		case Reopen:
			it.Reopens++
			it.ClosedAt, it.ResolvedAt = time.Time{}, time.Time{}
		}
		if c.Note != "" {
			it.Content.Note = c.Note
		}
		// The customer answering starts the next-response clock; any other
		// step is our response and stops it.
		it.ReplyDueSince = time.Time{}
		if e.Action == Resume {
			it.ReplyDueSince = e.At
		}
		it.State = e.To
	}
	it.Events++
}

// Replay rebuilds an item from its events, oldest first. Version, the
// store's, stays 0.
func Replay(events []Event) Item {
	var it Item
	for _, e := range events {
		it.Apply(e)
	}
	return it
}
