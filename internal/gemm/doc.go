// Package gemm provides fast, deterministic, allocation-free general
// matrix multiplication for float32 (Sgemm) and float64 (Dgemm):
//
//	C = alpha*op(A)*op(B) + beta*C,   op(X) = X or Xᵀ
//
// # Layout
//
// Every matrix is row-major. op(A) is m×k, op(B) is k×n and C is m×n; lda,
// ldb and ldc are the row strides (in elements) of the matrices as stored,
// so a transposed A is stored k×m with lda >= m. Strides may exceed the
// row length (sub-matrices); elements past the row length are never read
// or written. beta == 0 overwrites C without reading it (NaNs in C do not
// propagate); alpha == 0 or k == 0 scales C by beta without reading A or B.
// C must not overlap A or B. There are no alignment requirements. Invalid
// dimensions, strides or too-short slices panic.
//
// # Algorithm
//
// Sgemm follows the BLIS/GotoBLAS structure. C is covered by register tiles
// of MR rows × NR columns, each computed by a microkernel that keeps the
// whole tile in vector registers, streams a panel of op(A) (MR×kc, one
// broadcast per row and k step) and of op(B) (kc×NR, NR/16 vector loads
// per k step), and updates C once per k block. On amd64 with AVX-512 the
// tile is 14×32 (28 ZMM accumulators); with AVX2+FMA it is 6×16; the
// portable Go kernel uses 4×16. Kernels exist for every row count up to
// MR, and lane masks cover partial column tiles, so edge tiles need neither
// padding nor a temporary tile.
//
// C at most 8 columns wide would leave half of every 16-lane vector idle,
// so on AVX-512 two special cases apply. With A not transposed, "pair"
// kernels put two consecutive k steps in one vector (B packed as
// interleaved row pairs, A broadcast 8 bytes at a time) and add the even-
// and odd-k partial sums at the end. With A transposed, Cᵀ = op(B)ᵀ·Aᵀ is
// computed instead (both operands read in place, C transposed in and out),
// which is bit-identical to the direct product.
//
// The kernels read their operands through general strides, so packing is
// optional. Other products with m*n*k < 2^20 and k <= kc take a short
// path that reads A, B and C in place (a small transposed B is first
// transposed into a stack buffer) and calls the kernels directly: no
// planning, no buffers, no goroutines. Larger products are blocked over k in blocks of at most
// kc = 256 (equal-sized blocks, so the split depends only on k). An operand
// is packed into contiguous MR- or NR-wide panels only when that pays:
// always for a transposed B, and otherwise when its row stride is a
// multiple of 2 KiB or at least 4 KiB (rows read in place would collide in
// L1 or each need their own TLB entry) and it is reused enough. Packed A is
// handled in blocks of mc rows (kept in L2), packed B in blocks covering the
// whole k depth. Packing uses AVX-512 16×16 transposes and masked copies
// when available.
//
// # Determinism
//
// For given inputs the result is bit-for-bit identical on every call,
// whatever SetThreads says and whatever other goroutines do. Every C
// element is computed by one kernel invocation per k block, as a single
// fused multiply-add chain over p in increasing order, followed by
// C = alpha*acc + beta*C (the k blocks in increasing order, the later ones
// with beta = 1). Which kernel (row count, column mask) computes an element
// and whether its operands were packed does not change that arithmetic,
// and threads split only the rows or columns of C, never k. The k blocking
// depends only on k. The pair kernels (n <= 8, A and B not transposed) use
// two chains, even and odd p, added at the end; they are chosen from the
// shape alone, so the guarantee holds for them too. Results do differ
// between the kernel sets (AVX-512, AVX2, portable Go), i.e. between
// machines, within normal float32 rounding error.
//
// # Threading
//
// SetThreads(n) bounds the goroutines one call may use (default
// GOMAXPROCS). A call is threaded only if it has at least 2^20
// multiply-adds per goroutine; smaller calls (the small-shape workloads
// this package is tuned for) run entirely on the caller. A threaded call
// splits C into chunks of rows (or of columns when C has few rows), packs
// a shared copy of op(B) if needed, and publishes the job to persistent
// helper goroutines; the caller and the helpers take chunks from an atomic
// counter until none are left, so a helper that is late (busy, parked, or
// descheduled) simply takes fewer chunks. Idle helpers poll for new jobs
// for a short while before parking, so back-to-back products do not pay a
// goroutine wake-up each (the price: after a threaded call a helper may
// keep a core busy for up to 200 µs, yielding to other goroutines).
// Helpers are started on first use and never exit.
// Sgemm is safe for concurrent use; concurrent callers share the helpers.
//
// # Memory
//
// Packing buffers and job descriptors are recycled through free lists, and
// helpers are long-lived, so after warm-up a call performs no heap
// allocation, threaded or not. The free lists keep up to 64 buffer sets
// (one per concurrently packing goroutine); a set holds at most about
// 4 MiB of packed B, 350 KiB of packed A, or a narrow C transposed.
//
// # Assembly and portable code
//
// The amd64 microkernels (sgemm_avx512_*_amd64.s, sgemm_avx2_amd64.s) and
// their Go declarations (kernels_gen_amd64.go) are generated by
// gen_kernels.go (go generate); pack_amd64.s holds the AVX-512 packing and
// transposition routines and cpu_amd64.s the CPUID/XGETBV feature
// detection (AVX-512F with OS support for ZMM state, else AVX2+FMA, else
// the Go kernel). On other
// architectures, or with the purego build tag, everything runs on the
// portable Go kernel (kernel_generic.go) through the same driver. Tests
// switch kernel sets with the unexported useAsm/forceImpl variables and
// check each against a float64 reference.
//
// Dgemm is a straightforward single-threaded blocked loop in portable Go,
// meant for gradient checks rather than speed; it is deterministic and
// allocation-free too.
package gemm
