//go:build !unix

package store

// lockFile is a no-op where flock is unavailable; SQLite's own locking
// still serializes writers.
func lockFile(path string) (func(), error) { return func() {}, nil }
