// Command gen makes the Go runtime write a large heap profile for the pprof benchmark:
// with runtime.MemProfileRate = 1 every allocation is recorded, and the runtime keeps one
// record (one profile sample) per distinct (call stack, allocation size). Eight mutually
// recursive functions choose their callee from the digits of a counter, so every counter
// value takes a different path: fanout^levels distinct stacks, each allocating `sizes`
// different sizes (distinct samples with equal stacks).
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"time"
)

var (
	fanout = flag.Int("fanout", 8, "callees per level (at most 8)")
	levels = flag.Int("levels", 6, "levels of branching calls")
	sizes  = flag.Int("sizes", 4, "allocation sizes per stack (at most 8)")
	prefix = flag.Int("prefix", 6, "depth of the recursion above the branching part")
	out    = flag.String("o", "heap.pprof", "output file")
)

var sink [][]byte

var sizeClasses = [...]int{16, 32, 48, 64, 80, 96, 112, 128}

type fn func(path []int, depth int)

var funcs [8]fn

// leaf allocates one object of each size from the same call stack.
//
//go:noinline
func leaf() {
	for i := 0; i < *sizes; i++ {
		sink = append(sink[:0], make([]byte, sizeClasses[i]))
	}
}

// next calls the function chosen by path[depth] from a call site of its own, so the
// return address (and so the stack) differs per choice.
//
//go:noinline
func next(path []int, depth int) {
	if depth == len(path) {
		leaf()
		return
	}
	switch path[depth] {
	case 0:
		f0(path, depth+1)
	case 1:
		f1(path, depth+1)
	case 2:
		f2(path, depth+1)
	case 3:
		f3(path, depth+1)
	case 4:
		f4(path, depth+1)
	case 5:
		f5(path, depth+1)
	case 6:
		f6(path, depth+1)
	default:
		f7(path, depth+1)
	}
}

//go:noinline
func f0(path []int, depth int) { next(path, depth) }

//go:noinline
func f1(path []int, depth int) { next(path, depth) }

//go:noinline
func f2(path []int, depth int) { next(path, depth) }

//go:noinline
func f3(path []int, depth int) { next(path, depth) }

//go:noinline
func f4(path []int, depth int) { next(path, depth) }

//go:noinline
func f5(path []int, depth int) { next(path, depth) }

//go:noinline
func f6(path []int, depth int) { next(path, depth) }

//go:noinline
func f7(path []int, depth int) { next(path, depth) }

// descend recurses n times before the branching part starts.
//
//go:noinline
func descend(n int, path []int) {
	if n == 0 {
		next(path, 0)
		return
	}
	descend(n-1, path)
}

func main() {
	flag.Parse()
	if *fanout < 1 || *fanout > 8 || *sizes < 1 || *sizes > 8 || *levels < 1 {
		fmt.Fprintln(os.Stderr, "gen: -fanout and -sizes must be 1..8, -levels at least 1")
		os.Exit(2)
	}
	runtime.MemProfileRate = 1
	// Every GC cycle walks all profile records: with a million of them, collecting often
	// would dominate the run. The allocations are small; collect once at the end.
	debug.SetGCPercent(-1)
	start := time.Now()
	total := 1
	for i := 0; i < *levels; i++ {
		total *= *fanout
	}
	path := make([]int, *levels)
	for i := 0; i < total; i++ {
		for d, x := 0, i; d < *levels; d++ {
			path[d] = x % *fanout
			x /= *fanout
		}
		descend(*prefix, path)
	}
	runtime.GC()
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	// The allocs profile: the same records as heap, opened at alloc_space like -memprofile.
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if err := f.Close(); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	// Count what the runtime recorded: records are the profile's samples.
	n, _ := runtime.MemProfile(nil, true)
	records := make([]runtime.MemProfileRecord, n+1024)
	n, _ = runtime.MemProfile(records, true)
	stacks := map[[32]uintptr]bool{}
	for _, r := range records[:n] {
		stacks[r.Stack0] = true
	}
	st, _ := os.Stat(*out)
	fmt.Printf("gen: wrote %s: %d samples, %d distinct stacks, %d bytes, in %s\n", *out, n, len(stacks), st.Size(), time.Since(start).Round(time.Millisecond))
}
