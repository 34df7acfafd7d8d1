// Package docsrc reads the documentation of the config fields from source.
package docsrc

import (
	"path/filepath"

	"interloop/config"
)

// Packages are the packages (relative to the module root) whose structs
// make up a run's config.
var Packages = []string{"experiment", "env/vault", "agent", "train", "arm", "audit"}

// Read returns the docs of every yaml-tagged field in Packages; root is the
// module root.
func Read(root string) (config.Docs, error) {
	all := config.Docs{}
	for _, p := range Packages {
		d, err := config.SourceDocs(filepath.Join(root, p), "interloop/"+p)
		if err != nil {
			return nil, err
		}
		for k, v := range d {
			all[k] = v
		}
	}
	return all, nil
}
