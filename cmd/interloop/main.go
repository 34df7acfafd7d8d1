// Command interloop runs interpretability-in-the-loop experiments.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := newRoot().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "interloop:", err)
		os.Exit(1)
	}
}
