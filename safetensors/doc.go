// Package safetensors reads and writes the safetensors tensor format
// (https://huggingface.co/docs/safetensors), the format PyTorch and the
// Hugging Face hub use for model weights.
//
// # The format
//
// A file is three regions:
//
//	[0, 8)        N, the header length: a little-endian uint64
//	[8, 8+N)      the header: a UTF-8 JSON object
//	[8+N, end)    the data: every tensor's raw bytes, little-endian, C order
//
// The header maps each tensor name to {"dtype", "shape", "data_offsets"},
// where data_offsets = [begin, end) are byte offsets into the data region.
// The optional key "__metadata__" holds a map of strings to strings (this
// repository stores a run's resolved config there). The tensors must tile the
// data region exactly: sorted by offset, each begins where the previous ended,
// the first at 0, the last at the end of the file, and each spans
// product(shape) × dtype size bytes. A shape of [] is a scalar (one element).
//
// # Reading
//
// [Open] a file (or [Read] any [io.ReaderAt]) to parse and validate the
// header; tensor data is read only when asked for, so opening a large
// checkpoint to take one tensor is cheap:
//
//	f, err := safetensors.Open("model.safetensors")
//	if err != nil { ... }
//	defer f.Close()
//	w, shape, err := f.Float32("h.0.attn.c_attn.weight") // shape [768 2304]
//
// [File.Float32] converts every numeric dtype to float32 (F16 and BF16
// exactly; F64 and 64-bit integers by rounding). [File.Tensor] returns the
// raw bytes. Errors are of type [*Error] and name the file and the tensor.
//
// The reader is as strict as the reference implementation (the Rust crate
// that the Python package wraps): a header over 100 MB, a header that is not
// a JSON object, an unknown dtype, offsets that overlap, leave holes, or
// disagree with the shape, and a data region of the wrong length are all
// errors. It never panics on malformed input (FuzzRead checks this).
//
// # Writing
//
// [Write] produces the same bytes as the reference implementation's
// serialize: tensors ordered by dtype size, largest first, then by name; the
// header as compact JSON with "__metadata__" first (its keys sorted) and the
// tensors in data order; the header padded with spaces to a multiple of 8
// bytes so that every tensor's data is aligned. The same tensors and metadata
// always give the same bytes. [WriteFile] writes through a temporary file
// and renames, so a crash never leaves a half-written file under the name.
package safetensors
