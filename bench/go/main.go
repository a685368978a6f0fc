// Go peer for ember's side-by-side benchmark suite (stdlib only).
// A "process" is a goroutine, its mailbox a channel. GOMAXPROCS = --workers (default 2).
// CLI and JSON contract: bench/README.md.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

const system = "go"

// ---------------------------------------------------------------- CLI and output

type args struct {
	workload string
	kv       map[string]string
}

func usage(msg string) {
	fmt.Fprintf(os.Stderr, "error: %s\nusage: go-bench <spawn|ring|pingpong|skynet|call|fairness|kill> [--key value]...\n", msg)
	os.Exit(2)
}

func parseArgs() args {
	if len(os.Args) < 2 || strings.HasPrefix(os.Args[1], "--") {
		usage("missing workload")
	}
	a := args{workload: os.Args[1], kv: map[string]string{}}
	rest := os.Args[2:]
	for i := 0; i < len(rest); i += 2 {
		if !strings.HasPrefix(rest[i], "--") || i+1 >= len(rest) {
			usage("bad argument " + rest[i])
		}
		a.kv[strings.TrimPrefix(rest[i], "--")] = rest[i+1]
	}
	return a
}

func (a args) int(k string, def int) int {
	v, ok := a.kv[k]
	if !ok {
		return def
	}
	n, err := strconv.Atoi(strings.ReplaceAll(v, "_", ""))
	if err != nil {
		usage("--" + k + ": not an integer")
	}
	return n
}

func (a args) float(k string, def float64) float64 {
	v, ok := a.kv[k]
	if !ok {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		usage("--" + k + ": not a number")
	}
	return f
}

func (a args) str(k, def string) string {
	if v, ok := a.kv[k]; ok {
		return v
	}
	return def
}

// kv is an ordered list of JSON fields.
type kv struct {
	k string
	v interface{}
}

type reporter struct {
	workload string
	params   []kv
}

func (r *reporter) param(k string, v interface{}) { r.params = append(r.params, kv{k, v}) }

func writeObj(b *bytes.Buffer, fields []kv) {
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(f.k)
		b.Write(kb)
		b.WriteByte(':')
		writeVal(b, f.v)
	}
	b.WriteByte('}')
}

func writeVal(b *bytes.Buffer, v interface{}) {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			b.WriteString("null")
		} else {
			b.WriteString(strconv.FormatFloat(math.Round(x*1000)/1000, 'f', -1, 64))
		}
	case *float64:
		if x == nil {
			b.WriteString("null")
		} else {
			writeVal(b, *x)
		}
	default:
		vb, _ := json.Marshal(x)
		b.Write(vb)
	}
}

func (r *reporter) emit(metric string, value interface{}, unit, status string, extra ...kv) {
	fields := []kv{{"system", system}, {"workload", r.workload}, {"params", nil}, {"metric", metric},
		{"value", value}, {"unit", unit}, {"status", status}}
	fields = append(fields, extra...)
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(f.k)
		b.Write(kb)
		b.WriteByte(':')
		if f.k == "params" {
			writeObj(&b, r.params)
		} else {
			writeVal(&b, f.v)
		}
	}
	b.WriteString("}\n")
	os.Stdout.Write(b.Bytes())
}

func rssBytes() int64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmRSS:") {
			f := strings.Fields(line)
			n, _ := strconv.ParseInt(f[1], 10, 64)
			return n * 1024
		}
	}
	return 0
}

// percentile: nearest rank on a sorted slice; nil when empty.
func percentile(sorted []float64, p float64) *float64 {
	if len(sorted) == 0 {
		return nil
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	if rank > len(sorted) {
		rank = len(sorted)
	}
	v := sorted[rank-1]
	return &v
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// ---------------------------------------------------------------- workloads

func main() {
	a := parseArgs()
	workers := a.int("workers", 2)
	runtime.GOMAXPROCS(workers)
	r := &reporter{workload: a.workload}
	r.param("workers", workers)
	switch a.workload {
	case "spawn":
		spawnBench(a, r)
	case "ring":
		ring(a, r)
	case "pingpong":
		pingpong(a, r)
	case "skynet":
		skynetBench(a, r)
	case "call":
		callBench(a, r)
	case "fairness":
		fairness(a, r)
	case "kill":
		kill(a, r)
	case "restart":
		r.param("crashes", a.int("crashes", 200))
		r.emit("restart_p50_us", nil, "us", "unsupported", kv{"note", noSupervisor})
		r.emit("restart_max_us", nil, "us", "unsupported", kv{"note", noSupervisor})
	case "crash_isolation":
		r.param("children", a.int("children", 10000))
		for _, m := range []string{"served_share", "restart_p50_us", "restart_max_us", "total_ms"} {
			r.emit(m, nil, "", "unsupported", kv{"note", noSupervisor})
		}
	case "idle10m":
		idle10m(a, r)
	default:
		usage("unknown workload " + a.workload)
	}
	os.Exit(0)
}

func waitCount(c *int64, n int64) {
	for atomic.LoadInt64(c) < n {
		time.Sleep(200 * time.Microsecond)
	}
}

func spawnBench(a args, r *reporter) {
	n := a.int("n", 1000000)
	r.param("n", n)
	var started, finished int64
	mailboxes := make([]chan struct{}, 0, n)
	runtime.GC()
	rss0 := rssBytes()
	t0 := time.Now()
	for i := 0; i < n; i++ {
		ch := make(chan struct{}, 1)
		go func() {
			atomic.AddInt64(&started, 1)
			<-ch
			atomic.AddInt64(&finished, 1)
		}()
		mailboxes = append(mailboxes, ch)
	}
	spawnT := time.Since(t0)
	waitCount(&started, int64(n))
	settleT := time.Since(t0)
	rss1 := rssBytes()
	t1 := time.Now()
	for _, ch := range mailboxes {
		ch <- struct{}{}
	}
	waitCount(&finished, int64(n))
	releaseT := time.Since(t1)
	r.emit("us_per_spawn", float64(spawnT.Nanoseconds())/1e3/float64(n), "us", "ok",
		kv{"total_ms", ms(spawnT)}, kv{"settle_ms", ms(settleT)}, kv{"release_ms", ms(releaseT)})
	r.emit("bytes_per_process", float64(rss1-rss0)/float64(n), "bytes", "ok",
		kv{"rss_before", rss0}, kv{"rss_after", rss1})
}

func ring(a args, r *reporter) {
	procs := a.int("procs", 1000)
	if procs < 2 {
		procs = 2
	}
	laps := a.int("laps", 1000)
	r.param("procs", procs)
	r.param("laps", laps)
	hops := uint64(procs) * uint64(laps)
	chans := make([]chan uint64, procs)
	for i := range chans {
		chans[i] = make(chan uint64, 1)
	}
	done := make(chan struct{})
	for i := 0; i < procs; i++ {
		in, next := chans[i], chans[(i+1)%procs]
		first := i == 0
		go func() {
			for v := range in {
				if v == 0 {
					if first {
						close(done)
					}
					return
				}
				next <- v - 1
			}
		}()
	}
	t0 := time.Now()
	chans[0] <- hops
	<-done
	e := time.Since(t0)
	r.emit("ns_per_hop", float64(e.Nanoseconds())/float64(hops), "ns", "ok",
		kv{"hops", hops}, kv{"total_ms", ms(e)})
}

func pingpong(a args, r *reporter) {
	pairs := a.int("pairs", 1000)
	trips := a.int("trips", 1000)
	r.param("pairs", pairs)
	r.param("trips", trips)
	var wg sync.WaitGroup
	wg.Add(pairs)
	start := make(chan struct{})
	for p := 0; p < pairs; p++ {
		ping, pong := make(chan int), make(chan int)
		go func() {
			for v := range ping {
				pong <- v
			}
		}()
		go func() {
			<-start
			for i := 0; i < trips; i++ {
				ping <- i
				<-pong
			}
			close(ping)
			wg.Done()
		}()
	}
	time.Sleep(10 * time.Millisecond)
	t0 := time.Now()
	close(start)
	wg.Wait()
	e := time.Since(t0)
	msgs := 2 * pairs * trips
	r.emit("msgs_per_sec", float64(msgs)/e.Seconds(), "msg/s", "ok", kv{"messages", msgs}, kv{"total_ms", ms(e)})
}

func skynet(c chan<- uint64, num, size, div uint64) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan uint64, div)
	sub := size / div
	for i := uint64(0); i < div; i++ {
		go skynet(rc, num+i*sub, sub, div)
	}
	var sum uint64
	for i := uint64(0); i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func skynetBench(a args, r *reporter) {
	leaves := uint64(a.int("leaves", 1000000))
	r.param("leaves", leaves)
	c := make(chan uint64, 1)
	t0 := time.Now()
	go skynet(c, 0, leaves, 10)
	sum := <-c
	e := time.Since(t0)
	expected := leaves * (leaves - 1) / 2
	status := "ok"
	if sum != expected {
		status = "error"
	}
	r.emit("ms", ms(e), "ms", status, kv{"sum", sum}, kv{"expected", expected})
}

type callReq struct {
	x     uint64
	reply chan uint64
}

func callBench(a args, r *reporter) {
	callers := a.int("callers", 100)
	calls := a.int("calls", 1000)
	r.param("callers", callers)
	r.param("calls", calls)
	srv := make(chan callReq, 1024)
	go func() {
		var state uint64
		for req := range srv {
			state += req.x
			req.reply <- state
		}
	}()
	start := make(chan struct{})
	res := make(chan float64, callers)
	var ready sync.WaitGroup
	ready.Add(callers)
	for c := 0; c < callers; c++ {
		go func() {
			reply := make(chan uint64, 1) // one reply channel per caller, reused (calls are sequential)
			ready.Done()
			<-start
			t := time.Now()
			for i := 0; i < calls; i++ {
				srv <- callReq{1, reply}
				<-reply
			}
			res <- float64(time.Since(t).Nanoseconds()) / 1e3 / float64(calls)
		}()
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	avgs := make([]float64, 0, callers)
	for c := 0; c < callers; c++ {
		avgs = append(avgs, <-res)
	}
	e := time.Since(t0)
	sort.Float64s(avgs)
	total := callers * calls
	r.emit("us_per_call", percentile(avgs, 50), "us", "ok", kv{"total_calls", total}, kv{"total_ms", ms(e)})
	r.emit("calls_per_sec", float64(total)/e.Seconds(), "call/s", "ok", kv{"total_calls", total}, kv{"total_ms", ms(e)})
}

// ---------------------------------------------------------------- hogs, fairness, kill

const yieldChunk = 1000

var sink uint64

func lcg(x uint64) uint64 { return x*6364136223846793005 + 1442695040888963407 }

// hog runs until stop is set or ctx is cancelled (ctx is only looked at by the kinds that can
// observe it without changing their nature: yield checks it every iteration, sleep after each
// sleep; spin never does, since it makes no calls at all).
func hog(ctx context.Context, kind string, sleepMs int, stop *int32) {
	x := uint64(1)
	switch kind {
	case "spin":
		for {
			for i := 0; i < 1024; i++ {
				x = lcg(x)
			}
			if atomic.LoadInt32(stop) != 0 {
				break
			}
		}
	case "yield":
		for atomic.LoadInt32(stop) == 0 {
			for i := 0; i < yieldChunk; i++ {
				x = lcg(x)
			}
			select {
			case <-ctx.Done():
				return
			default:
			}
			runtime.Gosched()
		}
	case "sleep":
		// A blocking syscall, not time.Sleep (which would only park the goroutine):
		// the analogue of std::thread::sleep inside a Rust task.
		ts := syscall.NsecToTimespec(int64(sleepMs) * 1e6)
		for atomic.LoadInt32(stop) == 0 {
			syscall.Nanosleep(&ts, nil)
			if ctx.Err() != nil {
				return
			}
		}
	default:
		usage("--hog-kind: spin|yield|sleep")
	}
	atomic.AddUint64(&sink, x)
}

func fairness(a args, r *reporter) {
	light := a.int("light", 100)
	trips := a.int("trips", 200)
	hogs := a.int("hogs", 0)
	kind := a.str("hog-kind", "spin")
	sleepMs := a.int("sleep-ms", 10)
	capD := time.Duration(a.float("cap-secs", 30) * float64(time.Second))
	r.param("light", light)
	r.param("trips", trips)
	r.param("hogs", hogs)
	r.param("hog_kind", kind)
	var stop int32
	for i := 0; i < hogs; i++ {
		go hog(context.Background(), kind, sleepMs, &stop)
	}
	time.Sleep(50 * time.Millisecond)
	res := make(chan []int64, light)
	t0 := time.Now()
	for l := 0; l < light; l++ {
		go func() {
			req, rep := make(chan int), make(chan int)
			go func() { // echo
				for v := range req {
					rep <- v
				}
			}()
			lat := make([]int64, 0, trips)
			for i := 0; i < trips; i++ {
				t := time.Now()
				req <- i
				<-rep
				lat = append(lat, time.Since(t).Nanoseconds())
			}
			close(req)
			res <- lat
		}()
	}
	deadline := time.NewTimer(capD)
	all := make([]float64, 0, light*trips)
	finished := 0
loop:
	for finished < light {
		select {
		case l := <-res:
			for _, ns := range l {
				all = append(all, float64(ns)/1e3)
			}
			finished++
		case <-deadline.C:
			break loop
		}
	}
	total := time.Since(t0)
	atomic.StoreInt32(&stop, 1)
	sort.Float64s(all)
	status := "ok"
	if finished < light {
		status = "starved"
	}
	extra := []kv{{"light", light}, {"finished", finished}, {"trips_done", len(all)}, {"trips_expected", light * trips}}
	var max *float64
	if len(all) > 0 {
		max = &all[len(all)-1]
	}
	r.emit("p50_us", percentile(all, 50), "us", status, extra...)
	r.emit("p99_us", percentile(all, 99), "us", status, extra...)
	r.emit("max_us", max, "us", status, extra...)
	r.emit("total_ms", ms(total), "ms", status, extra...)
}

func kill(a args, r *reporter) {
	kind := a.str("hog-kind", "spin")
	kills := a.int("kills", 5)
	sleepMs := a.int("sleep-ms", 10)
	capD := time.Duration(a.float("cap-secs", 2) * float64(time.Second))
	r.param("hog_kind", kind)
	r.param("kills", kills)
	if kind == "spin" {
		r.emit("kill_latency_us", nil, "us", "unsupported",
			kv{"note", "a goroutine cannot be killed; a spin with no calls never observes context cancellation"})
		return
	}
	lat := make([]float64, 0, kills)
	timedOut := false
	for i := 0; i < kills; i++ {
		var stop int32
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			hog(ctx, kind, sleepMs, &stop)
		}()
		time.Sleep(55 * time.Millisecond)
		t0 := time.Now()
		cancel()
		select {
		case <-done:
			lat = append(lat, float64(time.Since(t0).Nanoseconds())/1e3)
		case <-time.After(capD):
			timedOut = true
			atomic.StoreInt32(&stop, 1)
		}
		if timedOut {
			break
		}
	}
	sort.Float64s(lat)
	var max *float64
	if len(lat) > 0 {
		max = &lat[len(lat)-1]
	}
	note := kv{"note", "context cancel, checked by the hog (yield: every iteration; sleep: after each blocking sleep); notification = the hog's done channel closes"}
	if timedOut {
		r.emit("kill_latency_us", nil, "us", "timeout", kv{"kills", kills}, kv{"observed", len(lat)}, kv{"max_us", max}, note)
	} else {
		r.emit("kill_latency_us", percentile(lat, 50), "us", "ok", kv{"kills", kills}, kv{"observed", len(lat)}, kv{"max_us", max}, note)
	}
}

// ---------------------------------------------------------------- restart, crash_isolation, idle10m

const noSupervisor = "Go has no supervisors (no links, no restart of a failed goroutine; a panic " +
	"in a goroutine ends the whole program)"

func memAvailable() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "MemAvailable:") {
			f := strings.Fields(line)
			if len(f) >= 2 {
				kb, _ := strconv.ParseInt(f[1], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// idle10m: spawn n goroutines that wait on their channel, in 10 steps; after each step the RSS
// growth is projected to n and the spawning stops if it would exceed the budget (--max-gib,
// default 16, and at most MemAvailable - 2 GiB).
func idle10m(a args, r *reporter) {
	n := a.int("n", 10000000)
	if n < 1 {
		n = 1
	}
	r.param("n", n)
	budget := int64(a.float("max-gib", 16) * float64(int64(1)<<30))
	if avail := memAvailable(); avail > 0 && avail-(2<<30) < budget {
		budget = avail - (2 << 30)
	}
	var started, finished int64
	mailboxes := make([]chan struct{}, 0, n)
	runtime.GC()
	rss0 := rssBytes()
	step := (n + 9) / 10
	note := ""
	t0 := time.Now()
	for len(mailboxes) < n {
		end := len(mailboxes) + step
		if end > n {
			end = n
		}
		for len(mailboxes) < end {
			ch := make(chan struct{}, 1)
			go func() {
				atomic.AddInt64(&started, 1)
				<-ch
				atomic.AddInt64(&finished, 1)
			}()
			mailboxes = append(mailboxes, ch)
		}
		if done := len(mailboxes); done < n {
			grown := rssBytes() - rss0
			projected := float64(grown) / float64(done) * float64(n)
			if projected > float64(budget) {
				note = fmt.Sprintf("stopped at %d processes: %.0f bytes each, %.1f GiB projected for %d > budget %.1f GiB",
					done, float64(grown)/float64(done), projected/float64(int64(1)<<30), n, float64(budget)/float64(int64(1)<<30))
				break
			}
		}
	}
	spawnT := time.Since(t0)
	spawned := len(mailboxes)
	waitCount(&started, int64(spawned))
	rss1 := rssBytes()
	t1 := time.Now()
	for _, ch := range mailboxes {
		ch <- struct{}{}
	}
	waitCount(&finished, int64(spawned))
	releaseT := time.Since(t1)
	extra := []kv{{"n", n}, {"spawned", spawned}, {"feasible", note == ""}, {"total_ms", ms(spawnT)},
		{"release_ms", ms(releaseT)}, {"rss_before", rss0}, {"rss_after", rss1}}
	feasible := 1
	if note != "" {
		feasible = 0
		extra = append(extra, kv{"note", note})
	}
	r.emit("feasible", feasible, "bool", "ok", extra...)
	r.emit("bytes_per_process", float64(rss1-rss0)/float64(spawned), "bytes", "ok", extra...)
	r.emit("us_per_spawn", float64(spawnT.Nanoseconds())/1e3/float64(spawned), "us", "ok", extra...)
}
