//! The ember contender of the side-by-side benchmark suite: the seven workloads of
//! `bench/README.md` written the way ember is meant to be used — processes spawned with
//! `ember_rt::spawn`, typed mailboxes, `Pid::send`, an `ember_otp` GenServer for `call`,
//! `exit(pid, Kill)` and a monitor for `kill`, an `ember_otp` Supervisor of GenServers for
//! `restart` and `crash_isolation`.
//!
//! `ember_bench <workload> [--key value]...`; one JSON line per metric on stdout (system
//! `ember`). The throughput workloads run in a root process (`Runtime::run`). `fairness` and
//! `kill` are coordinated from the main thread, which is not a worker: it collects results with
//! `recv_timeout`, so it notices the cap even if every worker were stuck, and the program leaves
//! with `std::process::exit` without waiting for any worker.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ember_otp::gen_server::{
    self, CallResult, Caller, Context, GenServer, Init, Server, StartOpts, call_name_timeout,
};
use ember_otp::supervisor::{Flags, Supervisor};
use ember_rt::{ExitReason, Mailbox, Message, Name, Pid, Runtime, Timeout};
use peers_common::{
    Args, CRASH_MSG, FairnessResult, HogKind, IDLE_STEPS, IdleResult, IsolationResult, Reporter,
    SpawnResult, V, hard_exit, idle_budget_bytes, idle_over_budget, is_bad_request,
    quiet_crash_panics, report_call, report_fairness, report_idle, report_isolation,
    report_kill_with, report_pingpong, report_restart, report_ring, report_skynet, report_spawn,
    rss_bytes, sleep_until, spin_chunk, spin_until, usage_exit,
};

const SYSTEM: &str = "ember";

fn main() {
    let args = Args::parse();
    let workers = args.usize("workers", 2);
    let rt = Runtime::builder()
        .workers(workers)
        .build()
        .unwrap_or_else(|e| {
            eprintln!("error: cannot start the ember runtime: {e}");
            hard_exit(1)
        });
    let mut rep = Reporter::new(SYSTEM, &args.workload);
    rep.param("workers", workers);
    match args.workload.as_str() {
        "spawn" => spawn_bench(&rt, &args, rep),
        "ring" => ring(&rt, &args, rep),
        "pingpong" => pingpong(&rt, &args, rep),
        "skynet" => skynet(&rt, &args, rep),
        "call" => call(&rt, &args, rep),
        "fairness" => fairness(&rt, &args, rep),
        "kill" => kill(&rt, &args, rep),
        "restart" => restart(&rt, &args, rep),
        "crash_isolation" => crash_isolation(&rt, &args, rep),
        "idle10m" => idle10m(&rt, &args, rep),
        w => usage_exit(&format!("unknown workload {w}")),
    }
    // Never drop the runtime: a fairness or kill run may leave a worker inside a poll.
    hard_exit(0)
}

/// Run `body` as the root process and wait for its result (exit status 1 if it crashed).
fn run_root<M, T, F, Fut>(rt: &Runtime, body: F) -> T
where
    M: Send + 'static,
    T: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
{
    rt.run(body).unwrap_or_else(|reason| {
        eprintln!("error: the root process exited: {reason:?}");
        hard_exit(1)
    })
}

/// Append the runtime's own figures to every line: how many spare threads the watchdog started
/// (each one replaced a worker it saw inside a poll for longer than 10 ms).
fn stats_tail(rt: &Runtime, rep: &mut Reporter) {
    let stats = rt.stats();
    rep.tail("spare_threads", stats.spare_threads_started);
}

/// A preemption point for a long loop: give up the slice once its budget of reductions is spent.
/// The BEAM preempts a long loop of spawns or sends by itself; Rust code has to reach an await
/// for that (a poll that runs on for more than 10 ms is handed off by the watchdog as a hog).
async fn preempt_point() {
    if ember_rt::consume_timeslice(0) {
        ember_rt::yield_now().await;
    }
}

/// Wait until `counter` reaches `n`, polling every 200 µs (as the other Rust contenders do).
async fn wait_count(counter: &AtomicUsize, n: usize) {
    while counter.load(Ordering::Acquire) < n {
        ember_rt::sleep(Duration::from_micros(200)).await;
    }
}

/// Wait until no process is queued to run: the processes just spawned have all reached their
/// first receive (the Erlang peer waits for `total_run_queue_lengths_all` to be 0 the same way).
async fn settle() {
    loop {
        let s = ember_rt::runtime_stats();
        let queued: usize = s.workers.iter().map(|w| w.run_queue).sum::<usize>()
            + s.injector_queue
            + s.high_queue
            + s.low_queue;
        if queued == 0 {
            return;
        }
        ember_rt::sleep(Duration::from_millis(1)).await;
    }
}

// ---------------------------------------------------------------------------------- spawn

fn spawn_bench(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 1_000_000).max(1);
    rep.param("n", n);
    let (r, info_bytes) = run_root(rt, move |_: Mailbox<()>| async move {
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let mut pids: Vec<Pid<()>> = Vec::with_capacity(n);
        let rss_before = rss_bytes();
        let t0 = Instant::now();
        for _ in 0..n {
            let (s, f) = (started.clone(), finished.clone());
            pids.push(ember_rt::spawn(move |mut mb: Mailbox<()>| async move {
                s.fetch_add(1, Ordering::Release);
                mb.recv().await;
                f.fetch_add(1, Ordering::Release);
            }));
            preempt_point().await;
        }
        let spawn = t0.elapsed();
        wait_count(&started, n).await;
        let settle = t0.elapsed();
        let rss_after = rss_bytes();
        // The runtime's own estimate for one waiting process (control block, future, inbox).
        let info_bytes = ember_rt::process_info(pids[n / 2]).map(|i| i.memory);
        let t1 = Instant::now();
        for pid in &pids {
            pid.send(());
            preempt_point().await;
        }
        wait_count(&finished, n).await;
        let release = t1.elapsed();
        let r = SpawnResult {
            n,
            spawn,
            settle,
            release,
            rss_before,
            rss_after,
        };
        (r, info_bytes)
    });
    let more = [("process_info_memory", info_bytes.map_or(V::Null, V::from))];
    stats_tail(rt, &mut rep);
    report_spawn(&rep, &r, &more);
}

// ---------------------------------------------------------------------------------- ring

/// One member of the ring: forward the token, decremented, to `next`. Its last token is the
/// one below `procs` (the next one would be a lap later), so every member ends on its own.
async fn ring_member(mut mb: Mailbox<u64>, next: Pid<u64>, procs: u64) {
    loop {
        let v = mb.recv().await;
        next.send(v - 1);
        if v <= procs {
            return;
        }
    }
}

fn ring(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let procs = args.usize("procs", 1000).max(2);
    let laps = args.u64("laps", 1000);
    rep.param("procs", procs).param("laps", laps);
    let hops = procs as u64 * laps;
    let elapsed = run_root(rt, move |mut mb: Mailbox<u64>| async move {
        // The root process is member 0; members are spawned backwards so that each one is
        // born knowing its successor: procs-1 → root, procs-2 → procs-1, ..., 1 → 2.
        let mut next = mb.pid();
        for _ in 1..procs {
            let succ = next;
            next = ember_rt::spawn(move |mb: Mailbox<u64>| ring_member(mb, succ, procs as u64));
            preempt_point().await;
        }
        settle().await;
        let t0 = Instant::now();
        // Member 0 holds the token with value hops: it passes hops-1 to member 1, and the
        // token comes back to it with value 0 after exactly hops hops.
        let mut v = hops;
        while v > 0 {
            next.send(v - 1);
            v = mb.recv().await;
        }
        t0.elapsed()
    });
    stats_tail(rt, &mut rep);
    report_ring(&rep, procs, laps, elapsed);
}

// ---------------------------------------------------------------------------------- pingpong

/// A ping: the pinger's pid and the trip number (Erlang `{self(), I}`).
type Ping = (Pid<u64>, u64);

async fn ponger(mut mb: Mailbox<Ping>, trips: u64) {
    for _ in 0..trips {
        let (from, i) = mb.recv().await;
        from.send(i);
    }
}

async fn pinger(mut mb: Mailbox<u64>, ponger: Pid<Ping>, trips: u64, done: Pid<()>) {
    mb.recv().await; // go
    let me = mb.pid();
    for i in 0..trips {
        ponger.send((me, i));
        let back = mb.recv().await;
        debug_assert_eq!(back, i);
    }
    done.send(());
}

fn pingpong(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let pairs = args.usize("pairs", 1000);
    let trips = args.u64("trips", 1000);
    rep.param("pairs", pairs).param("trips", trips);
    let elapsed = run_root(rt, move |mut mb: Mailbox<()>| async move {
        let me = mb.pid();
        let mut pingers: Vec<Pid<u64>> = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let pong = ember_rt::spawn(move |mb: Mailbox<Ping>| ponger(mb, trips));
            pingers.push(ember_rt::spawn(move |mb: Mailbox<u64>| {
                pinger(mb, pong, trips, me)
            }));
            preempt_point().await;
        }
        settle().await;
        let t0 = Instant::now();
        for p in &pingers {
            p.send(0);
        }
        for _ in 0..pairs {
            mb.recv().await;
        }
        t0.elapsed()
    });
    stats_tail(rt, &mut rep);
    report_pingpong(&rep, pairs, trips, elapsed);
}

// ---------------------------------------------------------------------------------- skynet

/// Start a skynet node (a plain fn, so that the node's future type does not depend on itself).
fn spawn_node(parent: Pid<u64>, num: u64, size: u64) {
    ember_rt::spawn(move |mb: Mailbox<u64>| skynet_node(mb, parent, num, size));
}

async fn skynet_node(mut mb: Mailbox<u64>, parent: Pid<u64>, num: u64, size: u64) {
    if size <= 1 {
        parent.send(num);
        return;
    }
    let sub = size / 10;
    let me = mb.pid();
    for i in 0..10 {
        spawn_node(me, num + i * sub, sub);
    }
    let mut sum = 0;
    for _ in 0..10 {
        sum += mb.recv().await;
    }
    parent.send(sum);
}

fn skynet(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let leaves = args.u64("leaves", 1_000_000).max(1);
    rep.param("leaves", leaves);
    let (sum, elapsed) = run_root(rt, move |mut mb: Mailbox<u64>| async move {
        let t0 = Instant::now();
        spawn_node(mb.pid(), 0, leaves);
        let sum = mb.recv().await;
        (sum, t0.elapsed())
    });
    stats_tail(rt, &mut rep);
    report_skynet(&rep, leaves, sum, elapsed);
}

// ---------------------------------------------------------------------------------- call

/// The server of `call`: a GenServer holding a counter; a call adds to it and replies with the
/// new value (the Erlang peer's `ember_peer_srv`).
struct Counter(u64);

impl GenServer for Counter {
    type Arg = u64;
    type Call = u64;
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(start: u64, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Counter(start))
    }

    async fn handle_call(
        &mut self,
        add: u64,
        _from: &mut Caller<u64>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        self.0 = self.0.wrapping_add(add);
        CallResult::Reply(self.0)
    }
}

/// A caller: waits for the start signal, makes `calls` calls (no timeout, as the Erlang peer's
/// `gen_server:call(S, R, infinity)`), reports its mean in µs — or `None` if a call failed.
async fn caller(
    mut mb: Mailbox<()>,
    server: Server<Counter>,
    calls: u64,
    report: Pid<Option<f64>>,
) {
    mb.recv().await;
    let t = Instant::now();
    for _ in 0..calls {
        match server.call_timeout(1, Timeout::Infinity).await {
            Ok(v) => {
                black_box(v);
            }
            Err(e) => {
                eprintln!("error: call failed: {e}");
                report.send(None);
                return;
            }
        }
    }
    report.send(Some(t.elapsed().as_secs_f64() * 1e6 / calls as f64));
}

fn call(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let callers = args.usize("callers", 100).max(1);
    let calls = args.u64("calls", 1000).max(1);
    rep.param("callers", callers).param("calls", calls);
    let outcome = run_root(rt, move |mut mb: Mailbox<Option<f64>>| async move {
        let server = gen_server::start::<Counter>(0)
            .await
            .map_err(|e| e.to_string())?;
        let me = mb.pid();
        let mut pids: Vec<Pid<()>> = Vec::with_capacity(callers);
        for _ in 0..callers {
            pids.push(ember_rt::spawn(move |mb: Mailbox<()>| {
                caller(mb, server, calls, me)
            }));
            preempt_point().await;
        }
        settle().await;
        let t0 = Instant::now();
        for p in &pids {
            p.send(());
        }
        let mut avgs = Vec::with_capacity(callers);
        for _ in 0..callers {
            avgs.push(mb.recv().await.ok_or("a call failed")?);
        }
        Ok::<_, String>((avgs, t0.elapsed()))
    });
    stats_tail(rt, &mut rep);
    match outcome {
        Ok((mut avgs, elapsed)) => report_call(&rep, callers, calls, &mut avgs, elapsed),
        Err(e) => rep.emit("us_per_call", V::Null, "us", "error", &[("note", e.into())]),
    }
}

// ---------------------------------------------------------------------------------- hogs

/// The body of a hog process (see `HogKind`): `spin` and `sleep` never reach an await, `yield`
/// gives up its slice with `ember_rt::yield_now()` after each chunk of arithmetic.
async fn hog(kind: HogKind, sleep_ms: u64, stop: Arc<AtomicBool>) {
    match kind {
        HogKind::Spin => {
            black_box(spin_until(&stop));
        }
        HogKind::Yield => {
            let mut x = 1u64;
            while !stop.load(Ordering::Relaxed) {
                x = spin_chunk(x);
                ember_rt::yield_now().await;
            }
            black_box(x);
        }
        HogKind::Sleep => sleep_until(&stop, sleep_ms),
    }
}

// ---------------------------------------------------------------------------------- fairness

/// A light process: `trips` round trips with its own echo process, timing each one.
async fn light(mut mb: Mailbox<u64>, trips: usize, results: mpsc::Sender<Vec<u64>>) {
    let me = mb.pid();
    let echo = ember_rt::spawn(move |mut mb: Mailbox<u64>| async move {
        for _ in 0..trips {
            let v = mb.recv().await;
            me.send(v);
        }
    });
    let mut lat = Vec::with_capacity(trips);
    for i in 0..trips as u64 {
        let t = Instant::now();
        echo.send(i);
        let back = mb.recv().await;
        lat.push(t.elapsed().as_nanos() as u64);
        debug_assert_eq!(back, i);
    }
    let _ = results.send(lat);
}

fn fairness(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let light_n = args.usize("light", 100);
    let trips = args.usize("trips", 200);
    let hogs = args.usize("hogs", 0);
    let kind = args.hog_kind();
    let sleep_ms = args.u64("sleep-ms", 10);
    let cap = Duration::from_secs_f64(args.f64("cap-secs", 30.0));
    rep.param("light", light_n)
        .param("trips", trips)
        .param("hogs", hogs)
        .param("hog_kind", kind.name());
    let stop = Arc::new(AtomicBool::new(false));
    for _ in 0..hogs {
        let stop = stop.clone();
        rt.spawn(move |_: Mailbox<()>| hog(kind, sleep_ms, stop));
    }
    std::thread::sleep(Duration::from_millis(50)); // the hogs' head start
    let (res_tx, res_rx) = mpsc::channel::<Vec<u64>>();
    let t0 = Instant::now();
    for _ in 0..light_n {
        let res = res_tx.clone();
        rt.spawn(move |mb: Mailbox<u64>| light(mb, trips, res));
    }
    let deadline = t0 + cap;
    let mut all = Vec::with_capacity(light_n * trips);
    let mut finished = 0;
    while finished < light_n {
        let left = deadline.saturating_duration_since(Instant::now());
        match res_rx.recv_timeout(left) {
            Ok(l) => {
                all.extend(l);
                finished += 1;
            }
            Err(_) => break,
        }
    }
    let total = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    let r = FairnessResult {
        latencies_ns: all,
        total,
        light: light_n,
        trips,
        finished,
        starved: finished < light_n,
        note: None,
    };
    stats_tail(rt, &mut rep);
    report_fairness(&rep, r);
}

// ---------------------------------------------------------------------------------- kill

/// What the observer of one kill saw: the latency from `exit` to the `Down`, and whether the
/// victim was still listed as a zombie (logically dead, its poll still running) at that moment.
struct Observed {
    latency: Duration,
    zombie: bool,
}

/// The observer of one kill, as the Erlang peer does it: `spawn_monitor` a hog, let it run
/// 55 ms, `exit(Pid, Kill)`, and time until the `Down` of the monitor is received.
async fn kill_observer(
    mut mb: Mailbox<()>,
    kind: HogKind,
    sleep_ms: u64,
    stop: Arc<AtomicBool>,
    out: mpsc::Sender<Observed>,
) {
    let (victim, mref) = ember_rt::spawn_monitor(move |_: Mailbox<()>| hog(kind, sleep_ms, stop));
    ember_rt::sleep(Duration::from_millis(55)).await;
    let t0 = Instant::now();
    ember_rt::exit(victim, ExitReason::Kill);
    mb.receive(|m| matches!(m, Message::Down(d) if d.reference == mref))
        .await;
    let latency = t0.elapsed();
    let zombie = ember_rt::zombies()
        .iter()
        .any(|z| z.pid == victim.untyped());
    let _ = out.send(Observed { latency, zombie });
}

fn kill(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let kind = args.hog_kind();
    let kills = args.usize("kills", 5);
    let sleep_ms = args.u64("sleep-ms", 10);
    let cap = Duration::from_secs_f64(args.f64("cap-secs", 2.0));
    rep.param("hog_kind", kind.name()).param("kills", kills);
    let mut lat = Vec::with_capacity(kills);
    let mut zombies = 0usize;
    for _ in 0..kills {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel::<Observed>();
        let hog_stop = stop.clone();
        rt.spawn(move |mb: Mailbox<()>| kill_observer(mb, kind, sleep_ms, hog_stop, tx));
        // The main thread only enforces the cap: the 55 ms of the hog's run, then `cap`.
        let got = rx.recv_timeout(Duration::from_millis(55) + cap);
        // A hog killed inside a poll that never yields (spin, sleep) is a zombie until that
        // poll returns: let it return, so that its thread does not compete with the next kill.
        stop.store(true, Ordering::Relaxed);
        match got {
            Ok(o) => {
                lat.push(Some(o.latency));
                zombies += usize::from(o.zombie);
            }
            Err(_) => {
                lat.push(None);
                break;
            }
        }
    }
    let note =
        "exit(Pid, Kill) by the monitoring process; notification = Message::Down of spawn_monitor";
    stats_tail(rt, &mut rep);
    report_kill_with(
        &rep,
        &lat,
        kills,
        Some(note),
        &[("zombie_at_down", zombies.into())],
    );
}

// ---------------------------------------------------------------------------------- restart

/// A request to a supervised worker: some work, or a bad input that makes it crash.
enum Req {
    Work(u64),
    Crash,
}

/// The supervised worker of `restart` and `crash_isolation`: a GenServer holding a sum; a bad
/// input makes its handler panic (the GenServer exits with `ExitReason::Panic`, the supervisor
/// restarts it).
struct Worker(u64);

impl GenServer for Worker {
    type Arg = ();
    type Call = Req;
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Worker(0))
    }

    async fn handle_call(
        &mut self,
        req: Req,
        _from: &mut Caller<u64>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        match req {
            Req::Work(x) => {
                self.0 = self.0.wrapping_add(x);
                CallResult::Reply(self.0)
            }
            Req::Crash => std::panic::panic_any(CRASH_MSG),
        }
    }
}

/// The child spec of a worker registered as `name` (permanent, the default).
fn worker_spec(name: &Name, id: String) -> ember_otp::child::ChildSpec {
    gen_server::child_spec_opts::<Worker>((), StartOpts::new().name(name.clone())).with_id(id)
}

/// Crash the worker registered as `name` (the call must fail), then call it by name until the
/// restarted worker answers (Erlang: `gen_server:call(Name, ping)` retried on `noproc`).
/// Returns the time from the crash request to that answer.
async fn crash_and_wait(name: &Name) -> Duration {
    let t0 = Instant::now();
    let crashed = call_name_timeout::<Worker>(name, Req::Crash, Timeout::Infinity).await;
    debug_assert!(crashed.is_err());
    loop {
        if call_name_timeout::<Worker>(name, Req::Work(0), Timeout::Infinity)
            .await
            .is_ok()
        {
            return t0.elapsed();
        }
        ember_rt::yield_now().await;
    }
}

fn restart(rt: &Runtime, args: &Args, mut rep: Reporter) {
    quiet_crash_panics();
    let crashes = args.usize("crashes", 200);
    rep.param("crashes", crashes);
    let outcome = run_root(rt, move |_: Mailbox<()>| async move {
        let name = Name::from("worker");
        // Never give up within the run: more restarts allowed than crashes requested.
        let flags = Flags::one_for_one()
            .intensity(crashes as u32 + 10)
            .period(5);
        let _sup = Supervisor::start_link(flags, [worker_spec(&name, "worker".into())])
            .await
            .map_err(|e| e.to_string())?;
        let mut lat = Vec::with_capacity(crashes);
        for _ in 0..crashes {
            lat.push(crash_and_wait(&name).await);
        }
        Ok::<_, String>(lat)
    });
    stats_tail(rt, &mut rep);
    let note = "one_for_one Supervisor, one permanent GenServer registered by name; crash = a \
                call whose handler panics; latency = crash request -> first answer of the \
                restarted worker (called by name, retried)";
    match outcome {
        Ok(lat) => report_restart(&rep, &lat, crashes, Some(note)),
        Err(e) => rep.emit(
            "restart_p50_us",
            V::Null,
            "us",
            "error",
            &[("note", e.into())],
        ),
    }
}

// ---------------------------------------------------------------------------------- crash_isolation

/// A load-generating client: waits for `go`, then makes `requests` rounds over its children
/// (`first`, `first + step`, ...), each request by name; a bad input crashes the worker and the
/// client waits for its restart (timed); good requests must be answered at once.
async fn iso_client(
    mut mb: Mailbox<()>,
    names: Arc<Vec<Name>>,
    first: usize,
    step: usize,
    requests: u64,
    report: Pid<IsolationResult>,
) {
    mb.recv().await;
    let children = names.len();
    let mut r = IsolationResult::default();
    for round in 0..requests {
        for c in (first..children).step_by(step) {
            let k = round * children as u64 + c as u64;
            if is_bad_request(k) {
                r.bad += 1;
                r.restarts.push(crash_and_wait(&names[c]).await);
            } else {
                r.good += 1;
                let reply =
                    call_name_timeout::<Worker>(&names[c], Req::Work(k), Timeout::Infinity).await;
                r.served += u64::from(reply.is_ok());
            }
        }
    }
    report.send(r);
}

fn crash_isolation(rt: &Runtime, args: &Args, mut rep: Reporter) {
    quiet_crash_panics();
    let children = args.usize("children", 10_000).max(1);
    let clients = args.usize("clients", 100).clamp(1, children);
    let requests = args.u64("requests", 10);
    rep.param("children", children)
        .param("clients", clients)
        .param("requests", requests);
    let bad_total = (0..children as u64 * requests)
        .filter(|&k| is_bad_request(k))
        .count();
    let outcome = run_root(rt, move |mut mb: Mailbox<IsolationResult>| async move {
        let names: Arc<Vec<Name>> =
            Arc::new((0..children).map(|i| Name::from(format!("w{i}"))).collect());
        let specs: Vec<_> = names
            .iter()
            .enumerate()
            .map(|(i, n)| worker_spec(n, format!("w{i}")))
            .collect();
        let flags = Flags::one_for_one()
            .intensity(bad_total as u32 + 10)
            .period(5);
        let _sup = Supervisor::start_link(flags, specs)
            .await
            .map_err(|e| e.to_string())?;
        let me = mb.pid();
        let mut pids = Vec::with_capacity(clients);
        for j in 0..clients {
            let names = names.clone();
            pids.push(ember_rt::spawn(move |mb: Mailbox<()>| {
                iso_client(mb, names, j, clients, requests, me)
            }));
        }
        settle().await;
        let t0 = Instant::now();
        for p in &pids {
            p.send(());
        }
        let mut total = IsolationResult::default();
        for _ in 0..clients {
            let r = mb.recv().await;
            total.good += r.good;
            total.served += r.served;
            total.bad += r.bad;
            total.restarts.extend(r.restarts);
        }
        total.total = t0.elapsed();
        Ok::<_, String>(total)
    });
    stats_tail(rt, &mut rep);
    match outcome {
        Ok(r) => report_isolation(
            &rep,
            &r,
            Some("one_for_one Supervisor of permanent GenServers registered by name"),
        ),
        Err(e) => rep.emit(
            "served_share",
            V::Null,
            "share",
            "error",
            &[("note", e.into())],
        ),
    }
}

// ---------------------------------------------------------------------------------- idle10m

fn idle10m(rt: &Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 10_000_000).max(1);
    rep.param("n", n);
    let budget = idle_budget_bytes(args);
    let r = run_root(rt, move |_: Mailbox<()>| async move {
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let mut pids: Vec<Pid<()>> = Vec::with_capacity(n);
        let step = n.div_ceil(IDLE_STEPS);
        let rss_before = rss_bytes();
        let t0 = Instant::now();
        let mut infeasible = None;
        while pids.len() < n {
            let end = (pids.len() + step).min(n);
            while pids.len() < end {
                let (s, f) = (started.clone(), finished.clone());
                pids.push(ember_rt::spawn(move |mut mb: Mailbox<()>| async move {
                    s.fetch_add(1, Ordering::Release);
                    mb.recv().await;
                    f.fetch_add(1, Ordering::Release);
                }));
                preempt_point().await;
            }
            if pids.len() < n {
                infeasible = idle_over_budget(pids.len(), n, rss_before, rss_bytes(), budget);
                if infeasible.is_some() {
                    break;
                }
            }
        }
        let spawn = t0.elapsed();
        let spawned = pids.len();
        wait_count(&started, spawned).await;
        let rss_after = rss_bytes();
        let t1 = Instant::now();
        for pid in &pids {
            pid.send(());
            preempt_point().await;
        }
        wait_count(&finished, spawned).await;
        let release = t1.elapsed();
        IdleResult {
            n,
            spawned,
            spawn,
            release,
            rss_before,
            rss_after,
            infeasible,
        }
    });
    stats_tail(rt, &mut rep);
    report_idle(&rep, &r);
}
