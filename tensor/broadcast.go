package tensor

import "fmt"

// Broadcasting follows NumPy/PyTorch: shapes are aligned at their last axis;
// two sizes are compatible when equal or when one is 1; a missing leading axis
// counts as 1. The result takes the larger size on every axis.

// BroadcastShape returns the broadcast shape of a and b written into dst
// (which must have capacity MaxRank), or an error naming both shapes.
func BroadcastShape(a, b []int, dst []int) ([]int, error) {
	n := max(len(a), len(b))
	if n > MaxRank {
		return nil, fmt.Errorf("broadcast of %v and %v exceeds rank %d", a, b, MaxRank)
	}
	dst = dst[:n]
	for i := 0; i < n; i++ {
		da, db := 1, 1
		if j := len(a) - n + i; j >= 0 {
			da = a[j]
		}
		if j := len(b) - n + i; j >= 0 {
			db = b[j]
		}
		switch {
		case da == db:
			dst[i] = da
		case da == 1:
			dst[i] = db
		case db == 1:
			dst[i] = da
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast (axis %d: %d vs %d)", a, b, i, da, db)
		}
	}
	return dst, nil
}

// BroadcastStrides returns strides for reading a tensor of shape src as if it
// had shape out (stride 0 on broadcast axes), written into dst.
func BroadcastStrides(src, out []int, dst []int) []int {
	dst = dst[:len(out)]
	s := 1
	for i := len(out) - 1; i >= 0; i-- {
		j := len(src) - len(out) + i
		if j < 0 || src[j] == 1 {
			dst[i] = 0
		} else {
			dst[i] = s
		}
		if j >= 0 {
			s *= src[j]
		}
	}
	return dst
}
