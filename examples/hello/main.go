// Command hello is a small program to try Go Memory Insight on: each function allocates on
// the heap for a different reason the compiler explains with -gcflags=-m=2.
package main

import (
	"fmt"
	"strings"
)

// Greeter says hello to someone.
type Greeter struct {
	Name  string
	Times int
}

// NewGreeter returns a pointer to a local: the Greeter moves to the heap.
func NewGreeter(name string) *Greeter {
	g := Greeter{Name: name, Times: 1}
	return &g
}

// Counter returns a closure that captures count, so count lives on the heap.
func Counter() func() int {
	count := 0
	return func() int {
		count++
		return count
	}
}

// Buffer makes a slice whose size is only known at run time: it cannot live on the stack.
func Buffer(n int) []byte {
	return make([]byte, n)
}

// Words appends to a slice in a loop; every time it grows, a new backing array is allocated.
func Words(text string) []string {
	var words []string
	for _, w := range strings.Fields(text) {
		words = append(words, strings.ToUpper(w))
	}
	return words
}

// Greet builds a greeting and prints values through fmt.Println, whose ...any parameters escape.
func (g *Greeter) Greet() string {
	msg := "hello, " + g.Name
	fmt.Println(msg, g.Times)
	return msg
}

func main() {
	g := NewGreeter("gopher")
	next := Counter()
	for i := 0; i < 3; i++ {
		g.Times = next()
		g.Greet()
	}
	fmt.Println(len(Buffer(g.Times*1024)), Words("escape analysis explained"))
}
