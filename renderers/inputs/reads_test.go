package inputs_test

import (
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"golang.org/x/tools/go/packages"
)

const (
	module = "github.com/dipdev/dip/"
	tree   = module + "renderers"
)

// skipped are the packages under renderers/ that render nothing: this
// one, which reads what it digests, and a helper of the renderers' tests.
var skipped = []string{tree + "/inputs", tree + "/rendertest"}

// checked are the types of the repo a render reaches. Their fields and
// methods may be used in renderers only as allowed says, and values of
// them (or of anything holding them) may not reach code that could read
// the rest: a function outside renderers/, an interface, a package
// variable.
var checked = []string{
	"platform.Request", "platform.Repo", "platform.Team", "platform.Platform",
	"platform.Environment", "source.Request",
}

// allowed lists the fields and methods of the checked types renderers may
// use, each with where: nil is anywhere under renderers/, otherwise the
// packages (renderers, renderers/source) or functions (renderers.Render)
// that may. Every entry is covered by the digest in inputs.go; what is
// added here must be added there first.
var allowed = map[string][]string{
	"platform.Request.File":         nil,
	"platform.Request.Kind":         nil,
	"platform.Request.Name":         nil,
	"platform.Request.Team":         nil,
	"platform.Request.Environments": nil,
	"platform.Request.Cloud":        nil,
	// The spec of the request rendered, for its environment (RequestIn),
	// and of a request looked up, for the same environment (SpecOf).
	"platform.Request.Spec": {"renderers.RequestIn", "renderers/source"},

	"platform.Team.Name":       nil,
	"platform.Team.CostCenter": nil,

	"platform.Platform.Name":        nil,
	"platform.Platform.Environment": {"renderers.RequestIn"},
	"platform.Environment.Name":     nil,
	"platform.Environment.Region":   nil,

	"platform.Repo.Platform": nil,
	// Other requests and teams are reached only through the recorder of
	// lookups, source.Request's Find and LookupTeam; RequestIn takes the
	// rendered request's team.
	"platform.Repo.Find":  {"renderers/source"},
	"platform.Repo.Teams": {"renderers/source", "renderers.Request", "renderers.RequestIn"},
	// Render renders every request of the repo, each on its own.
	"platform.Repo.Requests": {"renderers.Render"},

	"source.Request.Repo":    nil,
	"source.Request.Team":    nil,
	"source.Request.Request": nil,
	"source.Request.Env":     nil,
	"source.Request.Region":  nil,
	"source.Request.Spec":    nil,
	// The recorder is set by RequestIn and written by the lookups only.
	"source.Request.Lookups":      {"renderers.RequestIn", "renderers/source"},
	"source.Request.Find":         nil,
	"source.Request.LookupTeam":   nil,
	"source.Request.SpecOf":       nil,
	"source.Request.Tags":         nil,
	"source.Request.Labels":       nil,
	"source.Request.Annotations":  nil,
	"source.Request.PhysicalName": nil,
}

// shortName is a type's name as checked and allowed spell it, or "".
func shortName(t types.Type) string {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := types.Unalias(t).(*types.Named)
	if !ok || n.Obj().Pkg() == nil || !strings.HasPrefix(n.Obj().Pkg().Path(), module) {
		return ""
	}
	return n.Obj().Pkg().Name() + "." + n.Obj().Name()
}

func isChecked(t types.Type) bool { return slices.Contains(checked, shortName(t)) }

func isPointer(t types.Type) bool {
	_, ok := t.Underlying().(*types.Pointer)
	return ok
}

// reads is the static check over loaded packages: every finding, as
// file:line: message.
type reads struct {
	pkg      *packages.Package
	findings []string
	// carriers caches whether a type can hold a value of a checked type.
	carriers map[types.Type]bool
}

func check(pkgs []*packages.Package) []string {
	r := &reads{carriers: map[types.Type]bool{}}
	for _, p := range pkgs {
		if !strings.HasPrefix(p.PkgPath, tree) || slices.Contains(skipped, p.PkgPath) {
			continue
		}
		r.pkg = p
		for _, f := range p.Syntax {
			r.file(f)
		}
	}
	slices.Sort(r.findings)
	return r.findings
}

func (r *reads) report(n ast.Node, format string, args ...any) {
	pos := r.pkg.Fset.Position(n.Pos())
	r.findings = append(r.findings, fmt.Sprintf("%s:%d: %s", pos.Filename, pos.Line, fmt.Sprintf(format, args...)))
}

// where names the package of a node and, inside a function, the function
// as allowed spells them.
func (r *reads) where(fn *ast.FuncDecl) (pkg, fun string) {
	pkg = strings.TrimPrefix(r.pkg.PkgPath, module)
	if fn != nil && fn.Recv == nil {
		fun = pkg + "." + fn.Name.Name
	}
	return pkg, fun
}

func (r *reads) file(f *ast.File) {
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.VAR {
			for _, s := range g.Specs {
				for _, name := range s.(*ast.ValueSpec).Names {
					if t := r.pkg.TypesInfo.TypeOf(name); t != nil && r.carrier(t) {
						r.report(name, "package variable %s holds %s: state shared between renders", name.Name, t)
					}
				}
			}
		}
		fn, _ := d.(*ast.FuncDecl)
		var sigs []*types.Signature // of the functions enclosing the node
		var stack []ast.Node
		ast.Inspect(d, func(n ast.Node) bool {
			if n == nil {
				if top := stack[len(stack)-1]; isFunc(top) {
					sigs = sigs[:len(sigs)-1]
				}
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			if isFunc(n) {
				sig, _ := r.pkg.TypesInfo.TypeOf(funcType(n)).(*types.Signature)
				sigs = append(sigs, sig)
			}
			r.node(fn, n, sigs, stack)
			return true
		})
	}
}

func isFunc(n ast.Node) bool {
	switch n.(type) {
	case *ast.FuncDecl, *ast.FuncLit:
		return true
	}
	return false
}

func funcType(n ast.Node) ast.Expr {
	if d, ok := n.(*ast.FuncDecl); ok {
		return d.Name
	}
	return n.(*ast.FuncLit)
}

func (r *reads) node(fn *ast.FuncDecl, n ast.Node, sigs []*types.Signature, stack []ast.Node) {
	info := r.pkg.TypesInfo
	switch n := n.(type) {
	case *ast.SelectorExpr:
		if sel, ok := info.Selections[n]; ok {
			r.selection(fn, n, owner(sel), sel.Obj().Name())
		}
	case *ast.CompositeLit:
		r.composite(fn, n)
	case *ast.CallExpr:
		r.call(n)
	case *ast.AssignStmt:
		if n.Tok != token.DEFINE && len(n.Lhs) == len(n.Rhs) {
			for i := range n.Lhs {
				r.flow(n.Rhs[i], info.TypeOf(n.Lhs[i]), "assigned to")
			}
		}
	case *ast.ValueSpec:
		if n.Type != nil {
			for _, v := range n.Values {
				r.flow(v, info.TypeOf(n.Type), "assigned to")
			}
		}
	case *ast.ReturnStmt:
		if len(sigs) > 0 && sigs[len(sigs)-1] != nil {
			res := sigs[len(sigs)-1].Results()
			if res.Len() == len(n.Results) {
				for i, e := range n.Results {
					r.flow(e, res.At(i).Type(), "returned as")
				}
			}
		}
	case *ast.BinaryExpr:
		// Comparing two values of a checked struct compares every field.
		if t := info.TypeOf(n.X); (n.Op == token.EQL || n.Op == token.NEQ) && t != nil && isChecked(t) &&
			!isPointer(t) && shortName(t) != "platform.Environment" {
			r.report(n, "values of %s are compared whole", t)
		}
	case *ast.SendStmt:
		if ch, ok := info.TypeOf(n.Chan).Underlying().(*types.Chan); ok {
			r.flow(n.Value, ch.Elem(), "sent as")
		}
	case *ast.Ident:
		// A function outside renderers/ that takes a checked value, used
		// as a value, could be called with one where no call is seen.
		if f, ok := info.Uses[n].(*types.Func); ok && external(f) && !isCallee(n, stack) && r.takesCarrier(f) {
			r.report(n, "%s, which takes %s, is used as a value", f.FullName(), "a value of the repo")
		}
	}
}

// owner returns the type that declares the field or method sel selects.
func owner(sel *types.Selection) types.Type {
	if f, ok := sel.Obj().(*types.Func); ok {
		if recv := f.Type().(*types.Signature).Recv(); recv != nil {
			return recv.Type()
		}
	}
	t := sel.Recv()
	idx := sel.Index()
	for _, i := range idx[:len(idx)-1] {
		t = structOf(t).Field(i).Type()
	}
	return t
}

func structOf(t types.Type) *types.Struct {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	s, _ := t.Underlying().(*types.Struct)
	return s
}

func (r *reads) selection(fn *ast.FuncDecl, n ast.Node, owner types.Type, name string) {
	if !isChecked(owner) {
		return
	}
	key := shortName(owner) + "." + name
	where, ok := allowed[key]
	if !ok {
		r.report(n, "renderers use %s, which the digest of a render's inputs does not cover: add it to renderers/inputs and to allowed", key)
		return
	}
	pkg, fun := r.where(fn)
	if where != nil && !slices.Contains(where, pkg) && (fun == "" || !slices.Contains(where, fun)) {
		r.report(n, "%s is used in %s; only %s may", key, cmp(fun, pkg), strings.Join(where, ", "))
	}
}

func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// composite checks the fields a struct literal sets and what goes into
// interfaces through any literal.
func (r *reads) composite(fn *ast.FuncDecl, n *ast.CompositeLit) {
	t := r.pkg.TypesInfo.TypeOf(n)
	if t == nil {
		return
	}
	switch u := t.Underlying().(type) {
	case *types.Struct:
		for i, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				id := kv.Key.(*ast.Ident)
				r.selection(fn, id, t, id.Name)
				if f := fieldNamed(u, id.Name); f != nil {
					r.flow(kv.Value, f.Type(), "stored as")
				}
			} else if i < u.NumFields() {
				r.flow(e, u.Field(i).Type(), "stored as")
			}
		}
	case *types.Slice, *types.Array, *types.Map:
		var key, elem types.Type
		switch u := u.(type) {
		case *types.Slice:
			elem = u.Elem()
		case *types.Array:
			elem = u.Elem()
		case *types.Map:
			key, elem = u.Key(), u.Elem()
		}
		for _, e := range n.Elts {
			if kv, ok := e.(*ast.KeyValueExpr); ok {
				if key != nil {
					r.flow(kv.Key, key, "stored as")
				}
				e = kv.Value
			}
			r.flow(e, elem, "stored as")
		}
	}
}

func fieldNamed(s *types.Struct, name string) *types.Var {
	for i := range s.NumFields() {
		if s.Field(i).Name() == name {
			return s.Field(i)
		}
	}
	return nil
}
