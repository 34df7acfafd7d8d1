package store

import "context"

// A RunLocker is a Backend on which several processes may write at once
// (PostgreSQL): it locks one experiment's runs, or one part of them (a
// shard), instead of the whole database. release frees the lock.
type RunLocker interface {
	LockRuns(ctx context.Context, experiment, part string) (release func(), err error)
}

// LockRuns takes the writer lock for experiment's runs (part "": all of
// them) or for one part of them, such as a shard "3/10": parts of one
// experiment may be written at once by different processes, the whole
// experiment by one. On a backend that is not a [RunLocker] (SQLite) it is
// the whole store's lock, [Store.Lock]: one writer per file.
func (s *Store) LockRuns(ctx context.Context, experiment, part string) (func(), error) {
	if l, ok := s.b.(RunLocker); ok {
		return l.LockRuns(ctx, experiment, part)
	}
	return s.b.Lock(ctx)
}

// ConcurrentWriters reports whether several processes may write the store
// at once, each holding the LockRuns lock of a different part
// (PostgreSQL); SQLite takes one writer per file.
func (s *Store) ConcurrentWriters() bool {
	_, ok := s.b.(RunLocker)
	return ok
}
