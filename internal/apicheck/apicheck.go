// Package apicheck lists the exported API of the module's packages, one
// declaration a line, so that a test can compare it with the listing
// checked in at api/exported.txt and fail when the API changes without
// the listing being updated (go test ./internal/apicheck -update writes
// it). Packages under internal/ and examples/ are not part of the API.
package apicheck

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
)

// List returns the exported API of every package below root, the module's
// folder whose import path is module: a line for each exported function,
// method, type, constant and variable, sorted within each package.
func List(root, module string) (string, error) {
	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		name := d.Name()
		if rel != "." && (strings.HasPrefix(name, ".") || name == "testdata" || rel == "internal" || rel == "examples" || strings.HasPrefix(rel, "internal/") || strings.HasPrefix(rel, "examples/")) {
			return filepath.SkipDir
		}
		dirs = append(dirs, path)
		return nil
	})
	if err != nil {
		return "", err
	}
	var out strings.Builder
	for _, dir := range dirs {
		lines, err := packageAPI(dir)
		if err != nil {
			return "", err
		}
		if len(lines) == 0 {
			continue
		}
		rel, _ := filepath.Rel(root, dir)
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		for _, l := range lines {
			fmt.Fprintf(&out, "pkg %s, %s\n", path, l)
		}
	}
	return out.String(), nil
}

func packageAPI(dir string) ([]string, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		return nil, err
	}
	var lines []string
	for _, pkg := range pkgs {
		if pkg.Name == "main" {
			continue
		}
		for _, f := range pkg.Files {
			for _, decl := range f.Decls {
				lines = append(lines, declAPI(fset, decl)...)
			}
		}
	}
	slices.Sort(lines)
	return slices.Compact(lines), nil
}

func declAPI(fset *token.FileSet, decl ast.Decl) []string {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		if !d.Name.IsExported() || (d.Recv != nil && !exportedRecv(d.Recv)) {
			return nil
		}
		fn := *d
		fn.Doc, fn.Body = nil, nil
		return []string{print(fset, &fn)}
	case *ast.GenDecl:
		var out []string
		for _, spec := range d.Specs {
			switch s := spec.(type) {
			case *ast.TypeSpec:
				if !s.Name.IsExported() {
					continue
				}
				ts := *s
				ts.Doc, ts.Comment = nil, nil
				ts.Type = exportedOnly(ts.Type)
				out = append(out, "type "+print(fset, &ts))
			case *ast.ValueSpec:
				for i, n := range s.Names {
					if !n.IsExported() {
						continue
					}
					line := d.Tok.String() + " " + n.Name
					if s.Type != nil {
						line += " " + print(fset, s.Type)
					}
					if i < len(s.Values) {
						line += " = " + print(fset, s.Values[i])
					}
					out = append(out, line)
				}
			}
		}
		return out
	}
	return nil
}

func exportedRecv(recv *ast.FieldList) bool {
	t := recv.List[0].Type
	for {
		switch x := t.(type) {
		case *ast.StarExpr:
			t = x.X
		case *ast.IndexExpr:
			t = x.X
		case *ast.IndexListExpr:
			t = x.X
		case *ast.Ident:
			return x.IsExported()
		default:
			return false
		}
	}
}

// exportedOnly drops the unexported fields of a struct and the unexported
// methods of an interface, and every comment.
func exportedOnly(t ast.Expr) ast.Expr {
	switch x := t.(type) {
	case *ast.StructType:
		st := *x
		st.Fields = filterFields(x.Fields)
		return &st
	case *ast.InterfaceType:
		it := *x
		it.Methods = filterFields(x.Methods)
		return &it
	}
	return t
}

func filterFields(fl *ast.FieldList) *ast.FieldList {
	if fl == nil {
		return nil
	}
	out := &ast.FieldList{Opening: fl.Opening, Closing: fl.Closing}
	for _, f := range fl.List {
		g := *f
		g.Doc, g.Comment, g.Names = nil, nil, nil
		for _, n := range f.Names {
			if n.IsExported() {
				g.Names = append(g.Names, n)
			}
		}
		if len(f.Names) > 0 && len(g.Names) == 0 {
			continue
		}
		if len(f.Names) == 0 && !embeddedExported(f.Type) {
			continue
		}
		g.Type = exportedOnly(f.Type)
		out.List = append(out.List, &g)
	}
	return out
}

func embeddedExported(t ast.Expr) bool {
	switch x := t.(type) {
	case *ast.StarExpr:
		return embeddedExported(x.X)
	case *ast.SelectorExpr:
		return x.Sel.IsExported()
	case *ast.Ident:
		return x.IsExported()
	}
	return true // a type union or other constraint element
}

func print(fset *token.FileSet, node any) string {
	var b bytes.Buffer
	if err := printer.Fprint(&b, token.NewFileSet(), node); err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	// One line a declaration: fold the printer's newlines and indentation.
	return strings.Join(strings.Fields(b.String()), " ")
}

// Undocumented lists what the docs grammar requires and a package below
// root lacks: a package comment that opens with a code snippet (within
// its first paragraphs), a doc comment on every exported top-level name,
// and a comment on every exported field and interface method.
func Undocumented(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		if rel != "." && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || rel == "internal" || rel == "examples" || rel == "api") {
			return filepath.SkipDir
		}
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, path, func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, parser.ParseComments)
		if err != nil {
			return err
		}
		for _, pkg := range pkgs {
			if pkg.Name == "main" {
				continue
			}
			doc := ""
			for _, f := range pkg.Files {
				if f.Doc != nil {
					doc += f.Doc.Text()
				}
				out = append(out, undocumented(fset, f)...)
			}
			if !opensWithCode(doc) {
				out = append(out, rel+": the package comment does not open with a code snippet")
			}
		}
		return nil
	})
	return out, err
}

// opensWithCode reports whether one of the package comment's first 20
// lines is indented code.
func opensWithCode(doc string) bool {
	for i, l := range strings.Split(doc, "\n") {
		if i >= 20 {
			return false
		}
		if strings.HasPrefix(l, "\t") || strings.HasPrefix(l, "    ") {
			return true
		}
	}
	return false
}

func undocumented(fset *token.FileSet, f *ast.File) []string {
	var out []string
	miss := func(pos token.Pos, what string) {
		p := fset.Position(pos)
		out = append(out, fmt.Sprintf("%s:%d: %s", filepath.Base(p.Filename), p.Line, what))
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if d.Name.IsExported() && (d.Recv == nil || exportedRecv(d.Recv)) && d.Doc == nil && !isStandardMethod(d.Name.Name) {
				miss(d.Pos(), "func "+d.Name.Name+" has no doc comment")
			}
		case *ast.GenDecl:
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && d.Doc == nil {
						miss(s.Pos(), "type "+s.Name.Name+" has no doc comment")
					}
					var fields *ast.FieldList
					switch t := s.Type.(type) {
					case *ast.StructType:
						fields = t.Fields
					case *ast.InterfaceType:
						fields = t.Methods
					}
					if fields == nil {
						continue
					}
					for _, fl := range fields.List {
						exported := len(fl.Names) == 0
						for _, n := range fl.Names {
							exported = exported || n.IsExported()
						}
						if exported && fl.Doc == nil && fl.Comment == nil {
							miss(fl.Pos(), s.Name.Name+": a field or method has no comment")
						}
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() && s.Doc == nil && s.Comment == nil && d.Doc == nil {
							miss(n.Pos(), n.Name+" has no doc comment")
						}
					}
				}
			}
		}
	}
	return out
}

// isStandardMethod is a method whose contract the standard library
// documents (error, Stringer, JSON, errors.Unwrap).
func isStandardMethod(name string) bool {
	switch name {
	case "Error", "String", "Unwrap", "MarshalJSON", "UnmarshalJSON":
		return true
	}
	return false
}
