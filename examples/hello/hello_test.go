package main

import "testing"

func TestWords(t *testing.T) {
	got := Words("go memory insight")
	want := []string{"GO", "MEMORY", "INSIGHT"}
	if len(got) != len(want) {
		t.Fatalf("Words = %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Words = %q, want %q", got, want)
		}
	}
}

func TestCounter(t *testing.T) {
	next := Counter()
	next()
	if n := next(); n != 2 {
		t.Fatalf("second call = %d, want 2", n)
	}
}

// BenchmarkGreet allocates on every iteration: profile it with the extension's
// memory profiling to see where.
func BenchmarkGreet(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		g := NewGreeter("bench")
		_ = Words(g.Name + " runs fast")
		_ = Buffer(i % 4096)
	}
}
