// Go's channels on the cases bench/suites/channel.mjs measures for weft, run with
// GOMAXPROCS=2 like the Node runs:
//
//	go run . -case buffered -n 1000000   1 producer, 1 consumer, chan float64 with buffer 1024,
//	                                     one value per channel operation: msgs/s
//	go run . -case batched -n 2000000    the same values in []float64 batches of 1024 (the
//	                                     last one shorter) on a chan []float64 with buffer 1,
//	                                     so 1024 values can wait, as in the buffered case: msgs/s
//	go run . -case pingpong -n 10000     unbuffered ping-pong between two goroutines: p50/p99 us
//
// Prints one JSON object per run, e.g. {"msgsPerSec": 24500000}.
package main

import (
	"encoding/json"
	"flag"
	"os"
	"sort"
	"time"
)

func buffered(n int) map[string]float64 {
	ch := make(chan float64, 1024)
	done := make(chan float64)
	go func() {
		sum := 0.0
		for v := range ch {
			sum += v
		}
		done <- sum
	}()
	start := time.Now()
	for i := 0; i < n; i++ {
		ch <- float64(i)
	}
	close(ch)
	sum := <-done
	elapsed := time.Since(start).Seconds()
	if want := float64(n) * float64(n-1) / 2; sum != want {
		panic("wrong sum")
	}
	return map[string]float64{"msgsPerSec": float64(n) / elapsed}
}

// batched is the Go counterpart of weft's sendMany/recvMany: one channel operation moves a
// whole batch. The producer fills a fresh slice per batch (the consumer still reads the
// one it received), which is how Go code hands a batch over without sharing it.
func batched(n, batch int) map[string]float64 {
	ch := make(chan []float64, 1)
	done := make(chan float64)
	go func() {
		sum := 0.0
		for b := range ch {
			for _, v := range b {
				sum += v
			}
		}
		done <- sum
	}()
	start := time.Now()
	for i := 0; i < n; i += batch {
		size := min(batch, n-i)
		b := make([]float64, size)
		for k := range b {
			b[k] = float64(i + k)
		}
		ch <- b
	}
	close(ch)
	sum := <-done
	elapsed := time.Since(start).Seconds()
	if want := float64(n) * float64(n-1) / 2; sum != want {
		panic("wrong sum")
	}
	return map[string]float64{"msgsPerSec": float64(n) / elapsed}
}

func pingpong(n int) map[string]float64 {
	ping, pong := make(chan int), make(chan int)
	go func() {
		for v := range ping {
			pong <- v + 1
		}
	}()
	for i := 0; i < 1000; i++ { // warm-up
		ping <- i
		<-pong
	}
	lat := make([]float64, n)
	for i := 0; i < n; i++ {
		t := time.Now()
		ping <- i
		if <-pong != i+1 {
			panic("wrong answer")
		}
		lat[i] = float64(time.Since(t).Nanoseconds()) / 1000
	}
	close(ping)
	sort.Float64s(lat)
	at := func(p float64) float64 { return lat[int(p/100*float64(n-1))] }
	return map[string]float64{"p50": at(50), "p99": at(99)}
}

func main() {
	which := flag.String("case", "buffered", "buffered | batched | pingpong")
	n := flag.Int("n", 1000000, "messages or round trips")
	batch := flag.Int("batch", 1024, "values per batch (batched)")
	flag.Parse()
	var out map[string]float64
	switch *which {
	case "buffered":
		out = buffered(*n)
	case "batched":
		out = batched(*n, *batch)
	case "pingpong":
		out = pingpong(*n)
	default:
		os.Exit(2)
	}
	_ = json.NewEncoder(os.Stdout).Encode(out)
}
