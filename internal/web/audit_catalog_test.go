package web

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"tongxin/internal/model"
	webfs "tongxin/web"
)

// The audit log speaks Chinese only if every action the services write has
// a label. The codes are read from the sources: the action argument of every
// audit(…) call and the Action of every model.AuditEntry literal, in
// internal/service and internal/app, resolving constants, the values a local
// variable is assigned, and the "prefix." + variable forms listed in
// auditDynamic. The change fields are the keys of the maps handed to audit
// and diff, and of the assignments changes["x"] = … and fields["x"] = ….

// auditDynamic expands "prefix." + variable: the values the variable takes.
var auditDynamic = map[string][]string{
	"project.":      model.ProjectActions,
	"street.":       {"activate", "deactivate"},
	"grid.":         {"activate", "deactivate"},
	"service_site.": {"activate", "deactivate"},
	"login.":        {model.LoginSuccess, model.LoginFailure, model.LoginLogout},
}

type auditScan struct {
	files   []*ast.File
	consts  map[string]string // package-level string constants
	actions map[string]bool
	fields  map[string]bool
	errs    []string
}

func scanAuditSources(root string) (actions, fields []string, err error) {
	s := &auditScan{consts: map[string]string{}, actions: map[string]bool{}, fields: map[string]bool{}}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, dir := range []string{"internal/service", "internal/app"} {
		names, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			return nil, nil, err
		}
		for _, n := range names {
			if strings.HasSuffix(n, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, n, nil, 0)
			if err != nil {
				return nil, nil, err
			}
			files = append(files, f)
		}
	}
	s.files = files
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, sp := range g.Specs {
				vs := sp.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if v, ok := strLit(vs.Values[i]); ok {
							s.consts[n.Name] = v
						}
					}
				}
			}
		}
	}
	for _, f := range files {
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name == "audit" {
				continue // audit itself passes its parameter on
			}
			s.scanFunc(fset, fn)
		}
	}
	if len(s.errs) > 0 {
		return nil, nil, fmt.Errorf("%s", strings.Join(s.errs, "\n"))
	}
	for a := range s.actions {
		actions = append(actions, a)
	}
	for f := range s.fields {
		fields = append(fields, f)
	}
	sort.Strings(actions)
	sort.Strings(fields)
	return actions, fields, nil
}

func strLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	v, err := strconv.Unquote(b.Value)
	return v, err == nil
}

// values returns the strings an expression may be inside fn.
func (s *auditScan) values(fn *ast.FuncDecl, e ast.Expr) ([]string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		v, ok := strLit(x)
		return []string{v}, ok
	case *ast.Ident:
		if v, ok := s.consts[x.Name]; ok {
			return []string{v}, true
		}
		if i := paramIndex(fn, x.Name); i >= 0 {
			return s.callerValues(fn.Name.Name, i)
		}
		var out []string
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			as, ok := n.(*ast.AssignStmt)
			if !ok {
				return true
			}
			for i, l := range as.Lhs {
				id, ok := l.(*ast.Ident)
				if !ok || id.Name != x.Name || len(as.Rhs) != len(as.Lhs) {
					continue
				}
				if vs, ok := s.values(fn, as.Rhs[i]); ok {
					out = append(out, vs...)
				}
			}
			return true
		})
		return out, len(out) > 0
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return nil, false
		}
		prefix, ok := strLit(x.X)
		if !ok {
			return nil, false
		}
		vals, ok := auditDynamic[prefix]
		if !ok {
			return nil, false
		}
		out := make([]string, len(vals))
		for i, v := range vals {
			out[i] = prefix + v
		}
		return out, true
	case *ast.SelectorExpr:
		// A constant of another package is not expected for an action.
		return nil, false
	}
	return nil, false
}

// paramIndex is the position of the parameter name of fn, -1 if none.
func paramIndex(fn *ast.FuncDecl, name string) int {
	i := 0
	for _, f := range fn.Type.Params.List {
		for _, n := range f.Names {
			if n.Name == name {
				return i
			}
			i++
		}
	}
	return -1
}

// callerValues are the values the callers of the function or method name
// pass at position i.
func (s *auditScan) callerValues(name string, i int) ([]string, bool) {
	var out []string
	ok := true
	for _, f := range s.files {
		for _, d := range f.Decls {
			caller, isFn := d.(*ast.FuncDecl)
			if !isFn || caller.Body == nil {
				continue
			}
			ast.Inspect(caller.Body, func(n ast.Node) bool {
				call, isCall := n.(*ast.CallExpr)
				if !isCall || len(call.Args) <= i {
					return true
				}
				var callee string
				switch f := call.Fun.(type) {
				case *ast.Ident:
					callee = f.Name
				case *ast.SelectorExpr:
					callee = f.Sel.Name
				}
				if callee != name {
					return true
				}
				vs, found := s.values(caller, call.Args[i])
				ok = ok && found
				out = append(out, vs...)
				return true
			})
		}
	}
	return out, ok && len(out) > 0
}

func (s *auditScan) action(fset *token.FileSet, fn *ast.FuncDecl, e ast.Expr) {
	vs, ok := s.values(fn, e)
	if !ok {
		s.errs = append(s.errs, fmt.Sprintf("%s: cannot tell the audit action (add its values to auditDynamic)", fset.Position(e.Pos())))
		return
	}
	for _, v := range vs {
		s.actions[v] = true
	}
}

// mapKeys records the string keys of a map literal.
func (s *auditScan) mapKeys(e ast.Expr) {
	cl, ok := e.(*ast.CompositeLit)
	if !ok {
		return
	}
	if _, ok := cl.Type.(*ast.MapType); !ok {
		return
	}
	for _, el := range cl.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if k, ok := strLit(kv.Key); ok {
				s.fields[k] = true
			}
		}
	}
}

func (s *auditScan) scanFunc(fset *token.FileSet, fn *ast.FuncDecl) {
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.CallExpr:
			id, ok := x.Fun.(*ast.Ident)
			if !ok {
				return true
			}
			switch id.Name {
			case "audit":
				if len(x.Args) == 8 {
					s.action(fset, fn, x.Args[3])
					s.mapKeys(x.Args[7])
				}
			case "diff":
				for i := 0; i < len(x.Args); i += 3 {
					if k, ok := strLit(x.Args[i]); ok {
						s.fields[k] = true
					}
				}
			}
		case *ast.CompositeLit:
			if sel, ok := x.Type.(*ast.SelectorExpr); ok && sel.Sel.Name == "AuditEntry" {
				for _, el := range x.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "Action" {
							s.action(fset, fn, kv.Value)
						}
					}
				}
			}
			if _, ok := x.Type.(*ast.MapType); ok && mapOfChanges(x.Type.(*ast.MapType)) {
				s.mapKeys(x)
			}
		case *ast.AssignStmt:
			for _, l := range x.Lhs {
				ix, ok := l.(*ast.IndexExpr)
				if !ok {
					continue
				}
				if m, ok := ix.X.(*ast.Ident); ok && (m.Name == "changes" || m.Name == "fields") {
					if k, ok := strLit(ix.Index); ok {
						s.fields[k] = true
					}
				}
			}
		}
		return true
	})
}

// mapOfChanges reports map[string]Change and map[string]any literals (the
// shapes of audit changes).
func mapOfChanges(m *ast.MapType) bool {
	switch v := m.Value.(type) {
	case *ast.Ident:
		return v.Name == "Change" || v.Name == "any"
	case *ast.InterfaceType:
		return true
	}
	return false
}

// TestAuditActionsHaveLabels: every action the services write has a label
// in both catalogs and a place in the 操作 filter; every change field a label.
func TestAuditActionsHaveLabels(t *testing.T) {
	actions, fields, err := scanAuditSources("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(actions) < 50 || !slices.Contains(actions, "project.evaluate") || !slices.Contains(actions, "login.failure") {
		t.Fatalf("the scan found too few actions: %v", actions)
	}
	cat, err := LoadCatalog(webfs.Locales)
	if err != nil {
		t.Fatal(err)
	}
	grouped := map[string]bool{}
	for _, g := range auditActionGroups {
		for _, a := range g.Actions {
			grouped[a] = true
		}
	}
	for _, a := range actions {
		if !cat.Has("audit.action." + a) {
			t.Errorf("action %s has no label audit.action.%s", a, a)
		}
		if !grouped[a] {
			t.Errorf("action %s is in no group of the 操作 filter (auditActionGroups)", a)
		}
	}
	for _, f := range fields {
		if !cat.Has("audit.field." + f) {
			t.Errorf("change field %s has no label audit.field.%s", f, f)
		}
	}
}
