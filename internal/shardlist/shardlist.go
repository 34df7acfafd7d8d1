// Package shardlist reads and writes lists of shard indexes in Slurm's
// --array syntax ("3,7,12-15"): the contract between the cluster submitters
// that write a list and `interloop run --shard-list` that reads it.
package shardlist

import (
	"fmt"
	"strconv"
	"strings"
)

// Parse reads "3,7,12-15" into [3 7 12 13 14 15].
func Parse(s string) ([]int, error) {
	var out []int
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil || a < 0 {
			return nil, fmt.Errorf("shard list %q: %q is not a shard index", s, part)
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil || b < a {
				return nil, fmt.Errorf("shard list %q: %q is not a range", s, part)
			}
		}
		for i := a; i <= b; i++ {
			out = append(out, i)
		}
	}
	return out, nil
}

// Format writes sorted indexes compactly: [3 7 12 13 14 15] is
// "3,7,12-15" (Slurm's --array syntax).
func Format(idx []int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		} else {
			parts = append(parts, strconv.Itoa(idx[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}
