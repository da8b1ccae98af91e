package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"text/template/parse"
)

// Limits on a play's templates, so that no stored play can hang or flood
// the host that renders it. Compile and Render refuse what passes them
// with an error naming the limit.
const (
	// MaxTemplateBytes is the most text one template of a play may have.
	MaxTemplateBytes = 64 << 10
	// MaxMessageBytes is the most text one rendered subject or body may
	// have.
	MaxMessageBytes = 1 << 20
	// MaxRenderSteps is the most work one render's loops may do: each pass
	// of a range costs PassSteps plus the template nodes in its body, and
	// a loop is charged in full before its first pass, nested loops each
	// time they start. A template outside loops runs each of its nodes
	// once, so MaxTemplateBytes bounds it. The slowest render these allow
	// takes about 50 ms (BENCHMARKS.md).
	MaxRenderSteps = 1_000_000
	// PassSteps is what one pass of a loop costs beyond its body's nodes.
	PassSteps = 10
	// MaxBuiltBytes is the most text one render's print, printf, println,
	// html, js and urlquery calls may build in all, written out or kept in
	// a variable ({{$x = print $x $x}} in a loop doubles $x each pass).
	MaxBuiltBytes = 8 << 20
	// tickEvery is how many template nodes run between two looks at the
	// render's context, besides the look at every pass of a loop.
	tickEvery = 256
	// maxFormatWidth bounds widths and precisions in print formats
	// ("%9999999d" would allocate before anything is written).
	maxFormatWidth = 1000
)

// The functions the compiler puts into every range: budgetName in front
// of the range's pipeline ({{range loop_budget COST P}}) charges the loop
// to the render's budget before it runs, tickName as the first action of
// its body stops the render when its context is done.
const (
	budgetName = "loop_budget"
	tickName   = "loop_tick"
)

var (
	errSteps = fmt.Errorf("more than MaxRenderSteps (%d) steps in loops", MaxRenderSteps)
	errBuilt = fmt.Errorf("more than MaxBuiltBytes (%d) of text built", MaxBuiltBytes)
)

// budget is one render's allowance: loop steps, bytes built, and the
// context it runs under.
type budget struct {
	ctx   context.Context
	steps int
	built int
}

func newBudget(ctx context.Context) *budget {
	return &budget{ctx: ctx, steps: MaxRenderSteps, built: MaxBuiltBytes}
}

// loop charges a loop over v whose body has cost nodes and returns v.
func (b *budget) loop(cost int, v any) (any, error) {
	n := 0
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = int(max(0, min(rv.Int(), int64(MaxRenderSteps)+1)))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n = int(min(rv.Uint(), uint64(MaxRenderSteps)+1))
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		n = min(rv.Len(), MaxRenderSteps+1)
	case reflect.Chan, reflect.Func:
		return nil, fmt.Errorf("range over a %s cannot be bounded", rv.Kind())
	}
	cost += PassSteps
	if n > 0 && cost > b.steps/n {
		return nil, errSteps
	}
	b.steps -= n * cost
	return v, nil
}

// tick ends the render when its context is done.
func (b *budget) tick() (string, error) {
	return "", b.ctx.Err()
}

// build charges text built by a function to the budget.
func (b *budget) build(s string) (string, error) {
	if len(s) > b.built {
		return "", errBuilt
	}
	b.built -= len(s)
	return s, nil
}

// funcs are the render's own functions: the loop guards and the text
// builders, charged to this budget.
func (b *budget) funcs() template.FuncMap {
	return template.FuncMap{
		budgetName: b.loop,
		tickName:   b.tick,
		"printf": func(format string, args ...any) (string, error) {
			if err := checkFormat(format); err != nil {
				return "", err
			}
			return b.build(fmt.Sprintf(format, args...))
		},
		"print":    func(args ...any) (string, error) { return b.build(fmt.Sprint(args...)) },
		"println":  func(args ...any) (string, error) { return b.build(fmt.Sprintln(args...)) },
		"html":     func(args ...any) (string, error) { return b.build(template.HTMLEscaper(args...)) },
		"js":       func(args ...any) (string, error) { return b.build(template.JSEscaper(args...)) },
		"urlquery": func(args ...any) (string, error) { return b.build(template.URLQueryEscaper(args...)) },
	}
}

// parseFuncs stand in for the render's functions while a play is parsed
// (the parser only checks that the names exist).
var parseFuncs = (&budget{}).funcs()

// guarded reports whether a function is one the render must replace.
func guarded(name string) bool {
	_, ok := parseFuncs[name]
	return ok
}

// checkFormat refuses print formats whose width or precision would
// allocate more than a message may hold.
func checkFormat(format string) error {
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		digits := 0
		for i++; i < len(format); i++ {
			c := format[i]
			switch {
			case c >= '0' && c <= '9':
				digits = digits*10 + int(c-'0')
				if digits > maxFormatWidth {
					return fmt.Errorf("format %q: a width or precision above %d", format, maxFormatWidth)
				}
				continue
			case c == '*':
				return fmt.Errorf("format %q: widths from arguments (*) are not allowed", format)
			case c == '.' || c == '-' || c == '+' || c == '#' || c == ' ' || c == '[' || c == ']':
				digits = 0
				continue
			}
			break
		}
	}
	return nil
}

// playTemplate is one parsed template of a play.
type playTemplate struct {
	t *template.Template
	// budgeted is true when the template loops or builds text, and so
	// needs each render's own functions.
	budgeted bool
	// flat is the template as literal text and {{.Key}} actions, when it
	// is nothing else (most plays): quick renders it without the template
	// engine.
	flat []part
}

// part is a piece of a flat template: text, or the data key whose value
// is printed.
type part struct {
	text, key string
}

// flatten returns the template's parts when it is only text and {{.Key}}
// actions, each key a single name.
func flatten(root *parse.ListNode) ([]part, bool) {
	if root == nil {
		return nil, false
	}
	parts := make([]part, 0, len(root.Nodes))
	for _, n := range root.Nodes {
		switch n := n.(type) {
		case *parse.TextNode:
			parts = append(parts, part{text: string(n.Text)})
		case *parse.ActionNode:
			p := n.Pipe
			if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
				return nil, false
			}
			f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
			if !ok || len(f.Ident) != 1 {
				return nil, false
			}
			parts = append(parts, part{key: f.Ident[0]})
		default:
			return nil, false
		}
	}
	return parts, true
}

// quick renders a flat template whose keys all hold strings, looked up by
// look, exactly as the template engine would; ok is false when it cannot
// (not flat, a key missing or not a string, the message too long), and
// the engine renders it instead, with its own errors.
func (pt *playTemplate) quick(look func(string) (any, bool)) (string, bool) {
	if pt.flat == nil {
		return "", false
	}
	var b strings.Builder
	for _, p := range pt.flat {
		s := p.text
		if p.key != "" {
			v, found := look(p.key)
			var ok bool
			if s, ok = v.(string); !ok || !found {
				return "", false
			}
		}
		if b.Len()+len(s) > MaxMessageBytes {
			return "", false
		}
		b.WriteString(s)
	}
	return b.String(), true
}

// execute renders the template within the limits: the budget shared by
// the render's templates, and MaxMessageBytes of output.
func (pt *playTemplate) execute(data any, b *budget) (string, error) {
	t := pt.t
	if pt.budgeted {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		t = c.Funcs(b.funcs())
	}
	var w limitedWriter
	if err := t.Execute(&w, data); err != nil {
		return "", err
	}
	return w.b.String(), nil
}

// reads reports whether the template reads any of the fields, as .F or
// $.F.
func (pt *playTemplate) reads(fields []string) bool {
	keys := map[string]bool{}
	pt.keys(keys)
	return slices.ContainsFunc(fields, func(f string) bool { return keys[f] })
}

// keys adds the data keys the template reads (.F or $.F, the first name
// of each chain) to into.
func (pt *playTemplate) keys(into map[string]bool) {
	if pt.t.Tree == nil {
		return
	}
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		if n == nil {
			return
		}
		switch n := n.(type) {
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, k := range n.Nodes {
				walk(k)
			}
		case *parse.ActionNode:
			walk(n.Pipe)
		case *parse.PipeNode:
			if n == nil {
				return
			}
			for _, c := range n.Cmds {
				walk(c)
			}
		case *parse.CommandNode:
			for _, a := range n.Args {
				walk(a)
			}
		case *parse.FieldNode:
			if len(n.Ident) > 0 {
				into[n.Ident[0]] = true
			}
		case *parse.VariableNode:
			if len(n.Ident) > 1 && n.Ident[0] == "$" {
				into[n.Ident[1]] = true
			}
		case *parse.IfNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.RangeNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		case *parse.WithNode:
			walk(n.Pipe)
			walk(n.List)
			walk(n.ElseList)
		}
	}
	walk(pt.t.Tree.Root)
}

// parsePlayTemplate parses one of a play's templates, charges every range
// to the render's budget and stops it at each pass when the render's
// context is done. Templates of plays are single: define, block and
// template (which could call each other without end) are refused.
func parsePlayTemplate(name, text string) (*playTemplate, error) {
	if len(text) > MaxTemplateBytes {
		return nil, fmt.Errorf("%d bytes, more than MaxTemplateBytes (%d)", len(text), MaxTemplateBytes)
	}
	t, err := template.New(name).Funcs(parseFuncs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	if len(t.Templates()) > 1 {
		return nil, errors.New("define and block are not supported in a play; write each template whole")
	}
	pt := &playTemplate{t: t}
	if t.Tree == nil || t.Tree.Root == nil {
		return pt, nil
	}
	g := guard{tree: t.Tree}
	if _, err := g.walk(t.Tree.Root); err != nil {
		return nil, err
	}
	pt.budgeted = g.budgeted
	if !pt.budgeted {
		pt.flat, _ = flatten(t.Tree.Root)
	}
	return pt, nil
}

// guard walks a template, refusing calls of other templates, bounding
// every range and counting the nodes each range's body runs.
type guard struct {
	tree     *parse.Tree
	budgeted bool
}

// walk guards n and returns how many nodes running it once executes,
// loops in it counted once (they charge their own passes).
func (g *guard) walk(n parse.Node) (int, error) {
	switch n := n.(type) {
	case nil:
		return 0, nil
	case *parse.ListNode:
		if n == nil {
			return 0, nil
		}
		// A tick every tickEvery nodes: one pass of a long body, or a long
		// template outside loops, also stops soon after its context is done.
		total, since := 1, 0
		nodes := make([]parse.Node, 0, len(n.Nodes))
		for _, k := range n.Nodes {
			if since >= tickEvery {
				nodes = append(nodes, g.tick(k.Position()))
				since = 0
			}
			w, err := g.walk(k)
			if err != nil {
				return 0, err
			}
			nodes = append(nodes, k)
			total += w
			since += w
		}
		n.Nodes = nodes
		return total, nil
	case *parse.TemplateNode:
		return 0, fmt.Errorf("{{template %q}} is not supported in a play; write each template whole", n.Name)
	case *parse.ActionNode:
		return g.walk(n.Pipe)
	case *parse.PipeNode:
		if n == nil {
			return 0, nil
		}
		total := 1 + len(n.Decl)
		for _, c := range n.Cmds {
			w, err := g.walk(c)
			if err != nil {
				return 0, err
			}
			total += w
		}
		return total, nil
	case *parse.CommandNode:
		total := 1
		for _, a := range n.Args {
			w, err := g.walk(a)
			if err != nil {
				return 0, err
			}
			total += w
		}
		return total, nil
	case *parse.IdentifierNode:
		if guarded(n.Ident) {
			g.budgeted = true
		}
		return 1, nil
	case *parse.IfNode:
		return g.branch(n.Pipe, n.List, n.ElseList)
	case *parse.WithNode:
		return g.branch(n.Pipe, n.List, n.ElseList)
	case *parse.RangeNode:
		g.budgeted = true
		pipe, err := g.walk(n.Pipe)
		if err != nil {
			return 0, err
		}
		body, err := g.walk(n.List)
		if err != nil {
			return 0, err
		}
		otherwise, err := g.walk(n.ElseList)
		if err != nil {
			return 0, err
		}
		// {{range P}}B{{end}} becomes
		// {{range loop_budget COST (P)}}{{loop_tick}}B{{end}}: the loop is
		// charged COST (B's nodes) a pass before it runs, and each pass
		// first looks at the render's context.
		pos := n.Pipe.Pos
		cost := &parse.NumberNode{NodeType: parse.NodeNumber, Pos: pos, IsInt: true, Int64: int64(body), Text: strconv.Itoa(body)}
		call := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{
			parse.NewIdentifier(budgetName).SetTree(g.tree).SetPos(pos),
			cost,
			&parse.PipeNode{NodeType: parse.NodePipe, Pos: pos, Line: n.Pipe.Line, Cmds: n.Pipe.Cmds},
		}}
		n.Pipe.Cmds = []*parse.CommandNode{call}
		if n.List == nil {
			n.List = &parse.ListNode{NodeType: parse.NodeList, Pos: pos}
		}
		n.List.Nodes = append([]parse.Node{g.tick(pos)}, n.List.Nodes...)
		return pipe + 1 + otherwise, nil
	}
	return 1, nil
}

// tick is a {{loop_tick}} action at pos.
func (g *guard) tick(pos parse.Pos) *parse.ActionNode {
	g.budgeted = true
	return &parse.ActionNode{NodeType: parse.NodeAction, Pos: pos, Pipe: &parse.PipeNode{
		NodeType: parse.NodePipe, Pos: pos, Cmds: []*parse.CommandNode{{
			NodeType: parse.NodeCommand, Pos: pos, Args: []parse.Node{parse.NewIdentifier(tickName).SetTree(g.tree).SetPos(pos)},
		}},
	}}
}

// branch walks an if or with: its pipeline and the larger of its branches.
func (g *guard) branch(pipe *parse.PipeNode, list, otherwise *parse.ListNode) (int, error) {
	p, err := g.walk(pipe)
	if err != nil {
		return 0, err
	}
	a, err := g.walk(list)
	if err != nil {
		return 0, err
	}
	b, err := g.walk(otherwise)
	if err != nil {
		return 0, err
	}
	return 1 + p + max(a, b), nil
}

// limitedWriter stops a render at MaxMessageBytes.
type limitedWriter struct {
	b strings.Builder
}

var errTooLong = fmt.Errorf("the message runs past MaxMessageBytes (%d)", MaxMessageBytes)

func (w *limitedWriter) Write(p []byte) (int, error) {
	if w.b.Len()+len(p) > MaxMessageBytes {
		return 0, errTooLong
	}
	return w.b.Write(p)
}
