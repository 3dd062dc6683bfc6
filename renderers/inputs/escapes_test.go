package inputs_test

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"
)

// What may not happen to a value of a checked type, or to one holding it:
// reaching code that could read all of it.

// call checks the arguments of a call: none that holds a checked value
// may go to a function outside renderers/ (but for the allowed methods of
// the checked types themselves) or to a parameter that is an interface.
func (r *reads) call(n *ast.CallExpr) {
	info := r.pkg.TypesInfo
	tv := info.Types[n.Fun]
	switch {
	case tv.IsType():
		if len(n.Args) == 1 {
			r.flow(n.Args[0], tv.Type, "converted to")
		}
		return
	case tv.IsBuiltin():
		if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok && slices.Contains([]string{"panic", "print", "println"}, id.Name) {
			for _, a := range n.Args {
				r.flow(a, types.NewInterfaceType(nil, nil), "handed to "+id.Name+" as")
			}
		}
		return
	}
	sig, ok := tv.Type.Underlying().(*types.Signature)
	if !ok {
		return
	}
	var callee *types.Func
	switch f := ast.Unparen(n.Fun).(type) {
	case *ast.Ident:
		callee, _ = info.Uses[f].(*types.Func)
	case *ast.SelectorExpr:
		callee, _ = info.Uses[f.Sel].(*types.Func)
	case *ast.IndexExpr: // an instantiated generic function
		if id, ok := f.X.(*ast.Ident); ok {
			callee, _ = info.Uses[id].(*types.Func)
		}
	}
	outside := callee != nil && external(callee)
	for i, a := range n.Args {
		var param types.Type
		switch {
		case sig.Variadic() && i >= sig.Params().Len()-1:
			param = sig.Params().At(sig.Params().Len() - 1).Type()
			if n.Ellipsis == token.NoPos {
				param = param.(*types.Slice).Elem()
			}
		case i < sig.Params().Len():
			param = sig.Params().At(i).Type()
		default:
			continue
		}
		if outside {
			if at := info.TypeOf(a); at != nil && r.carrier(at) {
				r.report(a, "a value holding %s is handed to %s, outside renderers/", at, callee.FullName())
			}
			continue
		}
		r.flow(a, param, "passed as")
	}
	// A method declared outside renderers/ on a type holding a checked
	// value, other than the checked types' own allowed methods.
	if sel, ok := ast.Unparen(n.Fun).(*ast.SelectorExpr); ok && outside && sig.Recv() != nil && !isChecked(sig.Recv().Type()) {
		if at := info.TypeOf(sel.X); at != nil && r.carrier(at) {
			r.report(sel.X, "a value holding %s is the receiver of %s, outside renderers/", at, callee.FullName())
		}
	}
}

// flow reports e when it holds a checked value and goes into a place of
// type dst that is an interface, a type parameter or unsafe.Pointer.
func (r *reads) flow(e ast.Expr, dst types.Type, how string) {
	if dst == nil {
		return
	}
	src := r.pkg.TypesInfo.TypeOf(e)
	if src == nil || !r.carrier(src) {
		return
	}
	opaque := types.IsInterface(dst)
	if _, ok := dst.(*types.TypeParam); ok {
		opaque = true
	}
	if b, ok := dst.Underlying().(*types.Basic); ok && b.Kind() == types.UnsafePointer {
		opaque = true
	}
	if opaque {
		r.report(e, "a value holding %s is %s %s, where what it holds is out of sight", src, how, dst)
	}
}

// carrier reports whether a value of type t can hold a value of a checked
// type.
func (r *reads) carrier(t types.Type) bool {
	if c, ok := r.carriers[t]; ok {
		return c
	}
	r.carriers[t] = false // a type that holds itself holds nothing else
	var c bool
	switch u := types.Unalias(t).(type) {
	case *types.Named:
		c = isChecked(u) || r.carrier(u.Underlying())
	case *types.Pointer:
		c = r.carrier(u.Elem())
	case *types.Slice:
		c = r.carrier(u.Elem())
	case *types.Array:
		c = r.carrier(u.Elem())
	case *types.Chan:
		c = r.carrier(u.Elem())
	case *types.Map:
		c = r.carrier(u.Key()) || r.carrier(u.Elem())
	case *types.Struct:
		for i := range u.NumFields() {
			c = c || r.carrier(u.Field(i).Type())
		}
	case *types.Tuple:
		for i := range u.Len() {
			c = c || r.carrier(u.At(i).Type())
		}
	}
	r.carriers[t] = c
	return c
}

func (r *reads) takesCarrier(f *types.Func) bool {
	sig := f.Type().(*types.Signature)
	return r.carrier(sig.Params()) || (sig.Recv() != nil && !isChecked(sig.Recv().Type()) && r.carrier(sig.Recv().Type()))
}

// generic are packages of generic algorithms: they hand values of a type
// parameter only to the functions they are given and cannot look inside
// them.
var generic = []string{"slices", "maps", "cmp", "iter"}

func external(f *types.Func) bool {
	return f.Pkg() != nil && !strings.HasPrefix(f.Pkg().Path(), tree) && !slices.Contains(generic, f.Pkg().Path())
}

// isCallee reports whether the identifier on top of stack is what a call
// calls (directly or as the selector of a method).
func isCallee(id *ast.Ident, stack []ast.Node) bool {
	var child ast.Node = id
	for i := len(stack) - 2; i >= 0; i-- {
		switch p := stack[i].(type) {
		case *ast.SelectorExpr:
			if p.Sel != child {
				return false
			}
			child = p
			continue
		case *ast.IndexExpr:
			if p.X != child {
				return false
			}
			child = p
			continue
		case *ast.IndexListExpr:
			if p.X != child {
				return false
			}
			child = p
			continue
		case *ast.ParenExpr:
			child = p
			continue
		case *ast.CallExpr:
			return p.Fun == child
		}
		return false
	}
	return false
}
