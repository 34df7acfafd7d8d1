package gemm

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// packBuf holds one goroutine's packing buffers. They are recycled through
// a free list (a buffered channel rather than a sync.Pool, which would drop
// them at every GC and hand them out per P), so steady-state calls do not
// allocate.
type packBuf struct {
	a, b []float32
}

var packFree = make(chan *packBuf, 64)

func getPackBuf() *packBuf {
	select {
	case p := <-packFree:
		return p
	default:
		return new(packBuf)
	}
}

func putPackBuf(p *packBuf) {
	select {
	case packFree <- p:
	default: // more buffers than the free list holds: let the GC have it
	}
}

func (p *packBuf) bufA(n int) []float32 {
	if cap(p.a) < n {
		p.a = alignedF32(n)
	}
	return p.a[:n]
}

func (p *packBuf) bufB(n int) []float32 {
	if cap(p.b) < n {
		p.b = alignedF32(n)
	}
	return p.b[:n]
}

// alignedF32 returns a zeroed slice of n float32s starting on a 64-byte
// (cache line) boundary.
func alignedF32(n int) []float32 {
	raw := make([]float32, n+16)
	off := int(uintptr(unsafe.Pointer(unsafe.SliceData(raw)))&63) / 4
	if off != 0 {
		off = 16 - off
	}
	return raw[off : off+n : off+n]
}

// Worker pool. Helpers are started on demand and live for the life of the
// process. A threaded call publishes its job (a parJob) to up to nt-1
// helpers and works on it itself; everyone grabs chunks from an atomic
// counter until none are left. The caller returns as soon as all chunks are
// done; a helper that picks the job up late finds no chunk and only drops
// its reference. The job is recycled when the last reference is dropped.

type parJob struct {
	j    sjob
	next atomic.Int32 // next chunk to hand out
	done atomic.Int32 // chunks finished
	refs atomic.Int32 // caller + helpers still holding the job
}

var (
	parJobFree = make(chan *parJob, 256)
	workCh     = make(chan *parJob, 256)
	nWorkers   atomic.Int32
	workersMu  sync.Mutex
)

func ensureWorkers(n int) {
	if int(nWorkers.Load()) >= n {
		return
	}
	workersMu.Lock()
	for int(nWorkers.Load()) < n {
		go worker()
		nWorkers.Add(1)
	}
	workersMu.Unlock()
}

// helperSpin is how long an idle helper keeps polling for the next job
// before parking. Back-to-back products (a training step) then reach a
// running helper in about a microsecond instead of paying a goroutine
// wake-up, which takes several microseconds (far more on a busy VM). runtime.Gosched between polls
// keeps the spinning from starving other goroutines.
const helperSpin = 200 * time.Microsecond

func worker() {
	for pj := range workCh {
		for pj != nil {
			pj.work()
			pj.release()
			pj = pollJob()
		}
	}
}

// pollJob waits up to helperSpin for a job without parking.
func pollJob() *parJob {
	start := time.Now()
	for i := 0; ; i++ {
		select {
		case pj := <-workCh:
			return pj
		default:
		}
		if i&15 == 15 && time.Since(start) > helperSpin {
			return nil
		}
		runtime.Gosched()
	}
}

// work runs chunks of the job until none are left.
func (pj *parJob) work() {
	var buf *packBuf
	n := int32(pj.j.nchunks)
	for {
		c := pj.next.Add(1) - 1
		if c >= n {
			break
		}
		if buf == nil && (pj.j.packA || pj.j.packB && pj.j.splitN) {
			buf = getPackBuf()
		}
		pj.j.runChunk(int(c), buf)
		pj.done.Add(1)
	}
	if buf != nil {
		putPackBuf(buf)
	}
}

func (pj *parJob) release() {
	if pj.refs.Add(-1) == 0 {
		pj.j = sjob{} // drop references to the caller's slices
		select {
		case parJobFree <- pj:
		default:
		}
	}
}

// runRound runs all chunks of j on the caller plus up to j.nt-1 helpers and
// returns when they are done.
func runRound(j *sjob) {
	helpers := min(j.nt, j.nchunks) - 1
	var pj *parJob
	select {
	case pj = <-parJobFree:
	default:
		pj = new(parJob)
	}
	pj.j = *j
	pj.next.Store(0)
	pj.done.Store(0)
	pj.refs.Store(int32(helpers + 1))
	ensureWorkers(helpers)
	for h := 0; h < helpers; h++ {
		select {
		case workCh <- pj:
			continue
		default:
		}
		// Queue full: helpers are far behind (other callers keep them
		// busy). Do the rest here rather than block.
		pj.refs.Add(int32(h - helpers))
		break
	}
	pj.work()
	// The remaining chunks are running on helpers and finish within about
	// a chunk's time: poll rather than park, since a parked caller pays a
	// wake-up that can be longer than the chunk itself.
	n := int32(j.nchunks)
	for i := 0; pj.done.Load() < n; i++ {
		if i < 16 {
			spinPause()
		} else {
			runtime.Gosched()
		}
	}
	pj.release()
}

// runParallel runs a threaded job. Row-split jobs that pack B pack each
// block of op(B) once (on the caller) and share it between the chunks.
func runParallel(j *sjob) {
	if j.splitN || !j.packB {
		runRound(j)
		return
	}
	buf := getPackBuf()
	for jc := 0; jc < j.n; jc += j.ncb {
		j.bn0, j.bn1 = jc, min(j.n, jc+j.ncb)
		j.pb = j.packBBlock(buf, j.bn0, j.bn1)
		runRound(j)
	}
	j.pb = nil
	putPackBuf(buf)
}

// spinPause burns a hundred or so cycles without a system call.
func spinPause() {
	for i := 0; i < 20; i++ {
		spinSink.Add(0)
	}
}

var spinSink atomic.Int32
