package campaign

import (
	"context"

	"github.com/shopspring/decimal"

	"github.com/crmkit/crm"
	"github.com/crmkit/crm/internal/stats"
)

// Evaluation is what a campaign achieved: its contacts, their outcomes,
// and its effect — the success rate of the customers sent against the
// control group's.
type Evaluation struct {
	// Campaign is the campaign's ID.
	Campaign string `json:"campaign"`
	// Sent counts the messages sent; Control the customers held out.
	Sent int `json:"sent"`
	// Control counts the customers held out.
	Control int `json:"control"`
	// Suppressed counts the other contacts not sent, by reason.
	Suppressed map[Reason]int `json:"suppressed"`
	// Responded and Converted count the customers sent who responded or
	// converted; ControlResponded and ControlConverted the same of the
	// control group.
	Responded int `json:"responded"`
	// Converted counts the customers sent who converted.
	Converted int `json:"converted"`
	// ControlResponded counts the control customers who responded anyway.
	ControlResponded int `json:"control_responded"`
	// ControlConverted counts the control customers who converted anyway.
	ControlConverted int `json:"control_converted"`
	// ResponseRate and ConversionRate are of the customers sent.
	ResponseRate float64 `json:"response_rate"`
	// ConversionRate is Converted / Sent.
	ConversionRate float64 `json:"conversion_rate"`
	// Uplift is the campaign's success rate (its Success outcome) among
	// the customers sent less the control group's, with Low and High its
	// 95% interval (Newcombe's hybrid score method); all 0 without a
	// control group.
	Uplift float64 `json:"uplift"`
	// Low bounds Uplift's interval from below.
	Low float64 `json:"low"`
	// High bounds it from above.
	High float64 `json:"high"`
	// Cost is what the messages sent cost; CostPerConversion that over the
	// conversions (zero without any).
	Cost crm.Money `json:"cost"`
	// CostPerConversion is Cost / Converted.
	CostPerConversion crm.Money `json:"cost_per_conversion"`
	// Value sums the values the conversions recorded.
	Value crm.Money `json:"value"`
	// Dispositions counts the calls' dispositions by their words.
	Dispositions map[string]int `json:"dispositions,omitempty"`
}

// Evaluate measures a campaign from its contacts and their outcomes. For
// a win-back campaign, CostPerConversion is the cost per customer won
// back.
func (m *Manager) Evaluate(ctx context.Context, id string) (Evaluation, error) {
	c, err := m.campaigns.Campaign(ctx, id)
	if err != nil {
		return Evaluation{}, err
	}
	e := Evaluation{Campaign: id, Suppressed: map[Reason]int{}, Dispositions: map[string]int{}}
	group := map[string]byte{} // contact ID → 's' sent, 'c' control
	for k, err := range m.contacts.CampaignContacts(ctx, id) {
		if err != nil {
			return e, err
		}
		switch {
		case k.Sent:
			e.Sent++
			group[k.ID] = 's'
		case k.Reason == ControlGroup:
			e.Control++
			group[k.ID] = 'c'
		default:
			e.Suppressed[k.Reason]++
		}
	}
	responded, converted := map[string]bool{}, map[string]bool{}
	value := decimal.Zero
	for o, err := range m.contacts.Outcomes(ctx, id) {
		if err != nil {
			return e, err
		}
		switch o.Kind {
		case Responded:
			responded[o.Contact] = true
		case Converted:
			converted[o.Contact] = true
			responded[o.Contact] = true
			if group[o.Contact] == 's' {
				value = value.Add(o.Value.Amount)
			}
		case Disposition:
			e.Dispositions[o.Note]++
		}
	}
	for id, g := range group {
		switch {
		case g == 's' && converted[id]:
			e.Converted++
		case g == 'c' && converted[id]:
			e.ControlConverted++
		}
		switch {
		case g == 's' && responded[id]:
			e.Responded++
		case g == 'c' && responded[id]:
			e.ControlResponded++
		}
	}
	if e.Sent > 0 {
		e.ResponseRate = float64(e.Responded) / float64(e.Sent)
		e.ConversionRate = float64(e.Converted) / float64(e.Sent)
	}
	k1, k2 := e.Responded, e.ControlResponded
	if c.Success == Converted {
		k1, k2 = e.Converted, e.ControlConverted
	}
	e.Uplift, e.Low, e.High = stats.Difference(k1, e.Sent, k2, e.Control)
	cur := c.CostPerContact.Currency
	e.Cost = crm.Money{Amount: c.CostPerContact.Amount.Mul(decimal.NewFromInt(int64(e.Sent))), Currency: cur}
	e.CostPerConversion = crm.Money{Amount: decimal.Zero, Currency: cur}
	if e.Converted > 0 {
		e.CostPerConversion.Amount = e.Cost.Amount.DivRound(decimal.NewFromInt(int64(e.Converted)), 2)
	}
	e.Value = crm.Money{Amount: value, Currency: cur}
	return e, nil
}
