package config

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strconv"
	"strings"
)

// SourceDocs reads the documentation of every struct field with a yaml tag
// in the Go package in dir (whose import path is importPath) from its
// source: the generator of a package's docs table uses it, and so does the
// test that keeps that table fresh.
func SourceDocs(dir, importPath string) (Docs, error) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
		return !strings.HasSuffix(fi.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	docs := Docs{}
	for _, p := range pkgs {
		for _, f := range p.Files {
			for _, decl := range f.Decls {
				g, ok := decl.(*ast.GenDecl)
				if !ok {
					continue
				}
				for _, spec := range g.Specs {
					ts, ok := spec.(*ast.TypeSpec)
					if !ok {
						continue
					}
					st, ok := ts.Type.(*ast.StructType)
					if !ok {
						continue
					}
					for _, fld := range st.Fields.List {
						if fld.Tag == nil || fld.Doc == nil {
							continue
						}
						tag, err := strconv.Unquote(fld.Tag.Value)
						if err != nil {
							continue
						}
						name, _, _ := strings.Cut(reflect.StructTag(tag).Get("yaml"), ",")
						if name == "" || name == "-" {
							continue
						}
						docs[importPath+"."+ts.Name.Name+"."+name] = strings.Join(strings.Fields(fld.Doc.Text()), " ")
					}
				}
			}
		}
	}
	return docs, nil
}
