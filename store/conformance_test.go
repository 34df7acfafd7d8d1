package store_test

import (
	"path/filepath"
	"testing"

	"interloop/store/pgtest"
	"interloop/store/storetest"
)

func TestConformanceSQLite(t *testing.T) {
	storetest.Run(t, func(t testing.TB) string { return filepath.Join(t.TempDir(), "results.db") })
}

// TestConformancePostgres runs the suite on a throwaway server (skipped
// where PostgreSQL is not installed).
func TestConformancePostgres(t *testing.T) {
	storetest.Run(t, pgtest.New)
}
