// Package config decodes typed configuration trees from YAML strictly,
// applies "path=value" overrides, and describes a tree as a JSON Schema.
//
// A configuration is a Go struct whose fields carry `yaml:"name"` tags;
// nested structs are sections. Decoding overlays a YAML mapping onto a value
// that already holds the documented defaults, so a file states only what
// differs and an explicit 0 really means 0. Decoding is strict:
//
//   - an unknown key is an error that lists the keys the section has;
//   - a value of the wrong type is an error ("want an integer, got string");
//     integers never silently become strings, nor floats integers;
//   - a repeated key is an error;
//
// and every error is an [*Error] that names the file, line and column, and
// the field path (rl.steps), so a bad file gives one line such as
//
//	my.yaml:12:10: rl.steps: want an integer, got "many"
//
// A mapping key may be a dotted path: "rl.steps: 100" means
// "rl: {steps: 100}". [Set] uses the same decoder for command-line
// overrides (--set rl.steps=100): the value is read as YAML, so it is typed
// exactly like a value in a file.
//
// [Encode] turns a value back into a YAML node (with each field's
// documentation as a comment when docs are given), [Diff] finds the fields
// where two values differ, and [Schema] emits a JSON Schema (draft 2020-12)
// for editors, with defaults, descriptions and the allowed values of
// enumerated string types registered with [RegisterEnum].
package config
