// Package tensor holds interloop's dense array type.
//
// Conventions:
//
//   - A Tensor[T] is contiguous and row-major; T is float32 (training) or
//     float64 (reference checks). There are no strided views: Reshape shares
//     data, transposes and slices copy. This keeps every kernel a plain loop
//     over memory and makes buffers easy to recycle.
//   - Shapes are stored inline (at most MaxRank axes) so recycling a tensor
//     never allocates.
//   - Broadcasting follows NumPy: align trailing axes; sizes must match or be 1.
//   - A Tensor owns nothing beyond its Data slice; whoever allocated Data owns
//     it. Tensors produced by an engine.Tape live until that tape's Reset.
//   - Tensors are not safe for concurrent mutation; concurrent reads are fine.
package tensor
