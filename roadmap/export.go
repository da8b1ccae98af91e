package roadmap

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Markdown writes the roadmap as a report a person can read.
func (r *Roadmap) Markdown(asOf time.Time) string {
	c := r.Content
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("# Customer roadmap: %s\n\n", c.Account)
	p("**Status:** %s · **Owner:** %s · **Revision:** %.12s\n\n", r.Status, c.Owner, c.Revision())
	p("> %s\n\n", c.Vision)
	p("## Team\n\n| name | department | role |\n|---|---|---|\n")
	for _, m := range c.Team {
		p("| %s | %s | %s |\n", m.Name, m.Department, m.Role)
	}
	kpi := func(k *KPI) string {
		if k == nil {
			return "—"
		}
		return fmt.Sprintf("%s: %g → %g %s by %s (weight %g)", k.Name, k.Baseline, k.Target, k.Unit, k.Deadline.Format("2006-01-02"), k.Weight)
	}
	p("\n## What we promise the customer\n\n| situation | promise | commitment |\n|---|---|---|\n")
	for _, g := range c.ExternalGoals {
		p("| %s | %s | %s |\n", g.Situation, g.Promise, kpi(g.Commitment))
	}
	p("\n## Internal goals\n\n| perspective | KPI | link to financial results |\n|---|---|---|\n")
	for _, g := range c.InternalGoals {
		p("| %s | %s | %s |\n", g.Perspective, kpi(g.KPI), g.FinancialLink)
	}
	p("\n## Initiatives\n\n| initiative | kind | owner | departments | dates | budget | FY |\n|---|---|---|---|---|---|---|\n")
	for _, in := range c.Initiatives {
		p("| %s | %s | %s | %s | %s – %s | %s | %d |\n", in.Name, in.Kind, in.Owner, strings.Join(in.Departments, ", "),
			in.Start.Format("2006-01-02"), in.End.Format("2006-01-02"), in.Budget, in.FiscalYear)
	}
	p("\n## Phases\n\n")
	for i, ph := range c.Phases {
		p("%d. **%s** (%s – %s): %s\n", i+1, ph.Name, ph.Start.Format("2006-01-02"), ph.End.Format("2006-01-02"), strings.Join(ph.Priorities, ", "))
	}
	p("\n## Budgets\n\n")
	for _, y := range c.Budgets {
		p("- FY %d: %s\n", y.FiscalYear, y.Amount)
	}
	p("\n## Sign-off\n\n")
	rev := c.Revision()
	for _, d := range c.Departments() {
		i := slices.IndexFunc(r.SignOffs, func(s SignOff) bool { return s.Department == d && s.Revision == rev })
		if i < 0 {
			p("- %s: **missing**\n", d)
		} else {
			p("- %s: signed by %s on %s\n", d, r.SignOffs[i].By, r.SignOffs[i].At.Format("2006-01-02"))
		}
	}
	if fs := r.Validate(asOf); len(fs) > 0 {
		p("\n## Findings\n\n")
		for _, f := range fs {
			p("- %s `%s` at %s: %s\n", f.Severity, f.Code, f.Path, f.Message)
		}
	}
	if h, err := r.Assess(asOf); err == nil {
		p("\n## Health: %s (%.0f/100)\n\n| goal | latest | progress | forecast | on track |\n|---|---|---|---|---|\n", h.Score.Band, h.Score.Total)
		for _, k := range h.KPIs {
			p("| %s | %g | %.0f%% | %.4g | %v |\n", k.Goal, k.Latest, 100*k.Progress, k.Forecast, k.OnTrack)
		}
	}
	return b.String()
}

// Gantt writes a Mermaid Gantt chart of the phases and initiatives.
func (r *Roadmap) Gantt() string {
	var b strings.Builder
	fmt.Fprintf(&b, "gantt\n    title %s\n    dateFormat YYYY-MM-DD\n", mermaidText(r.Content.Account))
	if len(r.Content.Phases) > 0 {
		b.WriteString("    section Phases\n")
		for i, ph := range r.Content.Phases {
			fmt.Fprintf(&b, "    %s :phase%d, %s, %s\n", mermaidText(ph.Name), i+1, ph.Start.Format("2006-01-02"), ph.End.Format("2006-01-02"))
		}
	}
	b.WriteString("    section Initiatives\n")
	for _, in := range r.Content.Initiatives {
		fmt.Fprintf(&b, "    %s :%s, %s, %s\n", mermaidText(in.Name), mermaidID(in.ID), in.Start.Format("2006-01-02"), in.End.Format("2006-01-02"))
	}
	return b.String()
}

func mermaidText(s string) string {
	return strings.NewReplacer(":", " ", "#", " ", ";", " ", "\n", " ").Replace(s)
}

func mermaidID(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, s)
}

// ICalendar writes the initiatives (all-day events from start to end) and
// the KPI deadlines (all-day milestones) as an RFC 5545 calendar: CRLF line
// endings, lines folded at 75 octets, text escaped, a UID and DTSTAMP on
// every event. stamp is the DTSTAMP (the export time).
func (r *Roadmap) ICalendar(stamp time.Time) string {
	var b strings.Builder
	line := func(s string) {
		// Fold at 75 octets without splitting a UTF-8 sequence.
		for len(s) > 75 {
			cut := 75
			for cut > 0 && s[cut]&0xC0 == 0x80 {
				cut--
			}
			b.WriteString(s[:cut] + "\r\n")
			s = " " + s[cut:]
		}
		b.WriteString(s + "\r\n")
	}
	ts := stamp.UTC().Format("20060102T150405Z")
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//crmkit//roadmap//EN")
	line("CALSCALE:GREGORIAN")
	event := func(uid, summary, desc string, start, end time.Time) {
		line("BEGIN:VEVENT")
		line("UID:" + uid + "@" + mermaidID(r.ID) + ".roadmap.crmkit")
		line("DTSTAMP:" + ts)
		line("DTSTART;VALUE=DATE:" + start.Format("20060102"))
		line("DTEND;VALUE=DATE:" + end.Format("20060102"))
		line("SUMMARY:" + icalText(summary))
		if desc != "" {
			line("DESCRIPTION:" + icalText(desc))
		}
		line("END:VEVENT")
	}
	for _, in := range r.Content.Initiatives {
		// DTEND of an all-day event is exclusive: the day after the end.
		event("initiative-"+in.ID, in.Name, fmt.Sprintf("%s programme owned by %s; budget %s (FY %d)", in.Kind, in.Owner, in.Budget, in.FiscalYear),
			in.Start, in.End.AddDate(0, 0, 1))
	}
	for _, id := range goalIDs(r.Content) {
		k := r.Content.kpis()[id]
		event("milestone-"+id, "Milestone: "+k.Name, fmt.Sprintf("target %g %s", k.Target, k.Unit), k.Deadline, k.Deadline.AddDate(0, 0, 1))
	}
	line("END:VCALENDAR")
	return b.String()
}

// icalText escapes TEXT values (RFC 5545 §3.3.11).
func icalText(s string) string {
	return strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`).Replace(s)
}
