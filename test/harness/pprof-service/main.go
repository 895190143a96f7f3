// A small service with net/http/pprof, for the tests of "Open Profile from URL" and "Watch
// Heap of Service": it keeps some heap alive, listens on a free port of 127.0.0.1 and prints
// the address it took.
//
// It also leaks on purpose, so a watch has something to find:
//
//	GET /leak?n=N   keeps N more 64 KiB buffers (retainBuffers) and starts N goroutines blocked
//	                forever on channels nobody else holds (blockForever); answers the totals
//	                as JSON {"buffers":…, "goroutines":…}
//	-leak-every D   does the same with n=1 every D (0: never)
//	-rate N         runtime.MemProfileRate (1 records every allocation: exact in-use figures)
//
// And it serves what a watch must refuse: /hello/… answers plain text, and /stall/… holds the
// request open until the client gives up.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	_ "net/http/pprof"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// LeakBufferSize is the size of one leaked buffer.
const LeakBufferSize = 64 << 10

var keep [][]byte

var leaks struct {
	sync.Mutex
	buffers    [][]byte
	goroutines int
}

// retainBuffers keeps n buffers for ever: the heap grows on this line.
func retainBuffers(n int) {
	for i := 0; i < n; i++ {
		b := make([]byte, LeakBufferSize)
		leaks.buffers = append(leaks.buffers, b)
	}
}

// blockForever starts n goroutines, each waiting on a channel that nothing else can reach: a
// goroutine leak, the kind Go 1.26's goroutineleak profile reports.
func blockForever(n int) {
	for i := 0; i < n; i++ {
		ch := make(chan struct{})
		go func() {
			<-ch
		}()
	}
	leaks.goroutines += n
}

func leak(n int) (buffers, goroutines int) {
	leaks.Lock()
	defer leaks.Unlock()
	retainBuffers(n)
	blockForever(n)
	return len(leaks.buffers), leaks.goroutines
}

func main() {
	rate := flag.Int("rate", 0, "runtime.MemProfileRate (0: Go's default)")
	every := flag.Duration("leak-every", 0, "leak one buffer and one goroutine this often (0: only on /leak)")
	flag.Parse()
	if *rate > 0 {
		runtime.MemProfileRate = *rate
	}
	for i := 0; i < 100; i++ {
		keep = append(keep, make([]byte, 64<<10))
	}
	http.HandleFunc("/leak", func(w http.ResponseWriter, r *http.Request) {
		n, err := strconv.Atoi(r.URL.Query().Get("n"))
		if err != nil || n < 0 || n > 10000 {
			http.Error(w, "n: a count between 0 and 10000", http.StatusBadRequest)
			return
		}
		b, g := leak(n)
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]int{"buffers": b, "goroutines": g})
	})
	http.HandleFunc("/hello/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "hello: this is not a profile")
	})
	http.HandleFunc("/stall/", func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	})
	if *every > 0 {
		go func() {
			for range time.Tick(*every) {
				leak(1)
			}
		}()
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(l.Addr().String())
	http.Serve(l, nil)
}
