package lifecycle

import (
	"errors"
	"fmt"
	"reflect"
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
	// MaxRangeIterations is the most loop iterations one render may run,
	// counting every pass of every "range", nested ones included.
	MaxRangeIterations = 100_000
	// maxFormatWidth bounds widths and precisions in print formats
	// ("%9999999d" would allocate before anything is written).
	maxFormatWidth = 1000
)

// boundName is the function the compiler puts in front of every range:
// it counts the loop's iterations against the render's budget.
const boundName = "loop_budget"

// budget is one render's allowance of loop iterations.
type budget struct{ left int }

var errBudget = fmt.Errorf("more than MaxRangeIterations (%d) loop iterations", MaxRangeIterations)

// bound charges the loop over v to the budget and returns v.
func (b *budget) bound(v any) (any, error) {
	n := 0
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n = int(min(rv.Int(), int64(MaxRangeIterations)+1))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n = int(min(rv.Uint(), uint64(MaxRangeIterations)+1))
	case reflect.Slice, reflect.Array, reflect.Map, reflect.String:
		n = rv.Len()
	case reflect.Chan, reflect.Func:
		return nil, fmt.Errorf("range over a %s cannot be bounded", rv.Kind())
	}
	if n > b.left {
		return nil, errBudget
	}
	b.left -= n
	return v, nil
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

var playFuncs = template.FuncMap{
	// Replaced by each render's own budget (see playTemplate.execute).
	boundName: func(any) (any, error) { return nil, errors.New("no loop budget") },
	"printf": func(format string, args ...any) (string, error) {
		if err := checkFormat(format); err != nil {
			return "", err
		}
		return fmt.Sprintf(format, args...), nil
	},
}

// playTemplate is one parsed template of a play.
type playTemplate struct {
	t      *template.Template
	ranges int // how many range actions it has
}

// execute renders the template within the limits: a budget of loop
// iterations shared by the render's templates, and MaxMessageBytes of
// output.
func (pt *playTemplate) execute(data any, b *budget) (string, error) {
	t := pt.t
	if pt.ranges > 0 {
		c, err := t.Clone()
		if err != nil {
			return "", err
		}
		t = c.Funcs(template.FuncMap{boundName: b.bound})
	}
	var w limitedWriter
	if err := t.Execute(&w, data); err != nil {
		return "", err
	}
	return w.b.String(), nil
}

// parsePlayTemplate parses one of a play's templates and puts the loop
// budget in front of every range. Templates of plays are single: define,
// block and template (which could call each other without end) are
// refused.
func parsePlayTemplate(name, text string) (*playTemplate, error) {
	if len(text) > MaxTemplateBytes {
		return nil, fmt.Errorf("%d bytes, more than MaxTemplateBytes (%d)", len(text), MaxTemplateBytes)
	}
	t, err := template.New(name).Funcs(playFuncs).Option("missingkey=error").Parse(text)
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
	if err := guard(t.Tree, t.Tree.Root, &pt.ranges); err != nil {
		return nil, err
	}
	return pt, nil
}

// guard walks a template, refusing calls of other templates and bounding
// every range.
func guard(tree *parse.Tree, n parse.Node, ranges *int) error {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, k := range n.Nodes {
			if err := guard(tree, k, ranges); err != nil {
				return err
			}
		}
	case *parse.TemplateNode:
		return fmt.Errorf("{{template %q}} is not supported in a play; write each template whole", n.Name)
	case *parse.IfNode:
		return errors.Join(guard(tree, n.List, ranges), guard(tree, n.ElseList, ranges))
	case *parse.WithNode:
		return errors.Join(guard(tree, n.List, ranges), guard(tree, n.ElseList, ranges))
	case *parse.RangeNode:
		// {{range P}} becomes {{range loop_budget (P)}}: the loop is
		// charged to the render's budget before it runs.
		*ranges++
		call := &parse.CommandNode{NodeType: parse.NodeCommand, Pos: n.Pipe.Pos, Args: []parse.Node{
			parse.NewIdentifier(boundName).SetTree(tree).SetPos(n.Pipe.Pos),
			&parse.PipeNode{NodeType: parse.NodePipe, Pos: n.Pipe.Pos, Line: n.Pipe.Line, Cmds: n.Pipe.Cmds},
		}}
		n.Pipe.Cmds = []*parse.CommandNode{call}
		return errors.Join(guard(tree, n.List, ranges), guard(tree, n.ElseList, ranges))
	}
	return nil
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
