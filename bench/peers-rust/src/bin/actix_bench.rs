//! actix peer: a "process" is an actix actor (`Context<Self>`), messages are `do_send`s,
//! request/reply is `Addr::send(..).await`. actix has no work-stealing scheduler: each Arbiter is
//! one thread with its own event loop, and an actor lives on the arbiter that started it. We run
//! `--workers` arbiters (default 2) and place work on them round-robin (pairs, light processes,
//! callers and hogs by index; ring halves; skynet subtrees); the System thread only coordinates.
//! See bench/README.md.

use actix::prelude::*;
use actix_rt::{Arbiter, ArbiterHandle};
use peers_common::*;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Barrier};

const SYSTEM: &str = "actix";

fn main() {
    let args = Args::parse();
    let workers = args.usize("workers", 2).max(1);
    let mut rep = Reporter::new(SYSTEM, &args.workload);
    rep.param("workers", workers);
    let sys = System::new();
    sys.block_on(async move {
        let arbiters: Vec<Arbiter> = (0..workers).map(|_| Arbiter::new()).collect();
        let arbs: Vec<ArbiterHandle> = arbiters.iter().map(|a| a.handle()).collect();
        match args.workload.as_str() {
            "spawn" => spawn_bench(&arbs, &args, rep).await,
            "ring" => ring(&arbs, &args, rep).await,
            "pingpong" => pingpong(&arbs, &args, rep).await,
            "skynet" => skynet_bench(&arbs, &args, rep).await,
            "call" => call_bench(&arbs, &args, rep).await,
            "fairness" => fairness(&arbs, &args, rep),
            "kill" => kill(&arbs, &args, rep),
            "restart" => restart(&arbs, &args, rep).await,
            "crash_isolation" => crash_isolation(&arbs, &args, rep).await,
            "idle10m" => idle10m(&arbs, &args, rep).await,
            w => usage_exit(&format!("unknown workload {w}")),
        }
        hard_exit(0)
    });
}

async fn wait_count(c: &AtomicUsize, n: usize) {
    while c.load(Ordering::Acquire) < n {
        actix_rt::time::sleep(Duration::from_micros(200)).await;
    }
}

// ---------------------------------------------------------------- spawn

struct Idle {
    started: Arc<AtomicUsize>,
    stopped: Arc<AtomicUsize>,
}
impl Actor for Idle {
    type Context = Context<Self>;
    fn started(&mut self, _: &mut Context<Self>) {
        self.started.fetch_add(1, Ordering::Release);
    }
    fn stopped(&mut self, _: &mut Context<Self>) {
        self.stopped.fetch_add(1, Ordering::Release);
    }
}
#[derive(Message)]
#[rtype(result = "()")]
struct Release;
impl Handler<Release> for Idle {
    type Result = ();
    fn handle(&mut self, _: Release, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

async fn spawn_bench(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 1_000_000);
    rep.param("n", n);
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Addr<Idle>>>();
    let rss0 = rss_bytes();
    let t0 = Instant::now();
    // One spawner per arbiter, each starting its share of actors on its own arbiter.
    for (i, arb) in arbs.iter().enumerate() {
        let share = n / arbs.len() + usize::from(i < n % arbs.len());
        let (tx, s1, s2) = (tx.clone(), started.clone(), stopped.clone());
        arb.spawn(async move {
            let mut addrs = Vec::with_capacity(share);
            for _ in 0..share {
                addrs.push(
                    Idle {
                        started: s1.clone(),
                        stopped: s2.clone(),
                    }
                    .start(),
                );
            }
            let _ = tx.send(addrs);
        });
    }
    let mut all = Vec::with_capacity(arbs.len());
    for _ in 0..arbs.len() {
        all.push(rx.recv().await.unwrap());
    }
    let spawn_t = t0.elapsed();
    wait_count(&started, n).await;
    let settle_t = t0.elapsed();
    let rss1 = rss_bytes();
    let t1 = Instant::now();
    for a in all.iter().flatten() {
        a.do_send(Release);
    }
    wait_count(&stopped, n).await;
    let release_t = t1.elapsed();
    drop(all);
    emit_spawn(&rep, n, spawn_t, settle_t, release_t, rss0, rss1);
}

// ---------------------------------------------------------------- ring

struct RingNode {
    next: Option<Addr<RingNode>>,
    done: Option<mpsc::UnboundedSender<()>>,
}
impl Actor for RingNode {
    type Context = Context<Self>;
}
#[derive(Message)]
#[rtype(result = "()")]
struct Next(Addr<RingNode>);
#[derive(Message)]
#[rtype(result = "()")]
struct Token(u64);
impl Handler<Next> for RingNode {
    type Result = ();
    fn handle(&mut self, Next(a): Next, _: &mut Context<Self>) {
        self.next = Some(a);
    }
}
impl Handler<Token> for RingNode {
    type Result = ();
    fn handle(&mut self, Token(v): Token, _: &mut Context<Self>) {
        if v == 0 {
            if let Some(d) = &self.done {
                let _ = d.send(());
            }
        } else {
            self.next.as_ref().unwrap().do_send(Token(v - 1));
        }
    }
}

async fn ring(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let procs = args.usize("procs", 1000).max(2);
    let laps = args.u64("laps", 1000);
    rep.param("procs", procs).param("laps", laps);
    let hops = procs as u64 * laps;
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    // Contiguous blocks per arbiter: a lap crosses threads only once per arbiter boundary.
    let per = procs.div_ceil(arbs.len());
    let nodes: Vec<Addr<RingNode>> = (0..procs)
        .map(|i| {
            let done = (i == 0).then(|| done_tx.clone());
            RingNode::start_in_arbiter(&arbs[i / per], move |_| RingNode { next: None, done })
        })
        .collect();
    for i in 0..procs {
        nodes[i].do_send(Next(nodes[(i + 1) % procs].clone()));
    }
    actix_rt::time::sleep(Duration::from_millis(20)).await;
    let t0 = Instant::now();
    nodes[0].do_send(Token(hops));
    done_rx.recv().await;
    let elapsed = t0.elapsed();
    report_ring(&rep, procs, laps, elapsed);
}

// ---------------------------------------------------------------- pingpong

struct Pinger {
    trips: u64,
    ponger: Option<Addr<Ponger>>,
    done: mpsc::UnboundedSender<()>,
}
impl Actor for Pinger {
    type Context = Context<Self>;
}
struct Ponger {
    pinger: Addr<Pinger>,
}
impl Actor for Ponger {
    type Context = Context<Self>;
}
#[derive(Message)]
#[rtype(result = "()")]
struct StartPing(Addr<Ponger>);
#[derive(Message)]
#[rtype(result = "()")]
struct Ping(u64);
#[derive(Message)]
#[rtype(result = "()")]
struct Pong(u64);
impl Handler<StartPing> for Pinger {
    type Result = ();
    fn handle(&mut self, StartPing(p): StartPing, _: &mut Context<Self>) {
        p.do_send(Ping(0));
        self.ponger = Some(p);
    }
}
impl Handler<Pong> for Pinger {
    type Result = ();
    fn handle(&mut self, Pong(i): Pong, ctx: &mut Context<Self>) {
        if i + 1 < self.trips {
            self.ponger.as_ref().unwrap().do_send(Ping(i + 1));
        } else {
            let _ = self.done.send(());
            self.ponger = None;
            ctx.stop();
        }
    }
}
impl Handler<Ping> for Ponger {
    type Result = ();
    fn handle(&mut self, Ping(i): Ping, _: &mut Context<Self>) {
        self.pinger.do_send(Pong(i));
    }
}

async fn pingpong(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let pairs = args.usize("pairs", 1000);
    let trips = args.u64("trips", 1000);
    rep.param("pairs", pairs).param("trips", trips);
    let (done_tx, mut done_rx) = mpsc::unbounded_channel();
    let mut ps = Vec::with_capacity(pairs);
    for i in 0..pairs {
        // Both members of a pair live on the same arbiter; pairs alternate between arbiters.
        let arb = &arbs[i % arbs.len()];
        let done = done_tx.clone();
        let pinger = Pinger::start_in_arbiter(arb, move |_| Pinger {
            trips,
            ponger: None,
            done,
        });
        let p2 = pinger.clone();
        let ponger = Ponger::start_in_arbiter(arb, move |_| Ponger { pinger: p2 });
        ps.push((pinger, ponger));
    }
    actix_rt::time::sleep(Duration::from_millis(20)).await;
    let t0 = Instant::now();
    for (pinger, ponger) in ps {
        pinger.do_send(StartPing(ponger));
    }
    for _ in 0..pairs {
        done_rx.recv().await;
    }
    report_pingpong(&rep, pairs, trips, t0.elapsed());
}

// ---------------------------------------------------------------- skynet

#[derive(Message)]
#[rtype(result = "()")]
struct Sum(u64);
enum Parent {
    Node(Recipient<Sum>),
    Root(mpsc::UnboundedSender<u64>),
}
struct SkyNode {
    num: u64,
    size: u64,
    parent: Parent,
    acc: u64,
    got: u64,
    /// Only the root has these: its children are spread over the arbiters; every other node
    /// starts its children on its own arbiter.
    arbs: Option<Vec<ArbiterHandle>>,
}
impl SkyNode {
    fn report(&self, v: u64) {
        match &self.parent {
            Parent::Node(p) => p.do_send(Sum(v)),
            Parent::Root(tx) => {
                let _ = tx.send(v);
            }
        }
    }
}
impl Actor for SkyNode {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        if self.size == 1 {
            self.report(self.num);
            ctx.stop();
            return;
        }
        let sub = self.size / 10;
        let me = ctx.address().recipient::<Sum>();
        for i in 0..10u64 {
            let child = SkyNode {
                num: self.num + i * sub,
                size: sub,
                parent: Parent::Node(me.clone()),
                acc: 0,
                got: 0,
                arbs: None,
            };
            match &self.arbs {
                Some(a) => {
                    SkyNode::start_in_arbiter(&a[i as usize % a.len()], move |_| child);
                }
                None => {
                    child.start();
                }
            }
        }
    }
}
impl Handler<Sum> for SkyNode {
    type Result = ();
    fn handle(&mut self, Sum(v): Sum, ctx: &mut Context<Self>) {
        self.acc += v;
        self.got += 1;
        if self.got == 10 {
            self.report(self.acc);
            ctx.stop();
        }
    }
}

async fn skynet_bench(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let leaves = args.u64("leaves", 1_000_000);
    rep.param("leaves", leaves);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let a = arbs.to_vec();
    let t0 = Instant::now();
    SkyNode::start_in_arbiter(&arbs[0], move |_| SkyNode {
        num: 0,
        size: leaves,
        parent: Parent::Root(tx),
        acc: 0,
        got: 0,
        arbs: Some(a),
    });
    let sum = rx.recv().await.unwrap();
    report_skynet(&rep, leaves, sum, t0.elapsed());
}

// ---------------------------------------------------------------- call

struct Server {
    state: u64,
    capacity: usize,
}
impl Actor for Server {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        // Room for every concurrent caller (the default mailbox holds 16).
        ctx.set_mailbox_capacity(self.capacity);
    }
}
#[derive(Message)]
#[rtype(result = "u64")]
struct Add(u64);
impl Handler<Add> for Server {
    type Result = u64;
    fn handle(&mut self, Add(x): Add, _: &mut Context<Self>) -> u64 {
        self.state = self.state.wrapping_add(x);
        self.state
    }
}

async fn call_bench(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let callers = args.usize("callers", 100);
    let calls = args.u64("calls", 1000);
    rep.param("callers", callers).param("calls", calls);
    let capacity = callers + 16;
    let server = Server::start_in_arbiter(&arbs[0], move |_| Server { state: 0, capacity });
    let barrier = Arc::new(Barrier::new(callers + 1));
    let (res_tx, mut res_rx) = mpsc::unbounded_channel::<f64>();
    for i in 0..callers {
        let (srv, b, res) = (server.clone(), barrier.clone(), res_tx.clone());
        arbs[i % arbs.len()].spawn(async move {
            b.wait().await;
            let t = Instant::now();
            for _ in 0..calls {
                std::hint::black_box(srv.send(Add(1)).await.unwrap());
            }
            let _ = res.send(t.elapsed().as_secs_f64() * 1e6 / calls as f64);
        });
    }
    barrier.wait().await;
    let t0 = Instant::now();
    let mut avgs = Vec::with_capacity(callers);
    for _ in 0..callers {
        avgs.push(res_rx.recv().await.unwrap());
    }
    report_call(&rep, callers, calls, &mut avgs, t0.elapsed());
}

// ---------------------------------------------------------------- hogs, fairness, kill

struct Hog {
    kind: HogKind,
    sleep_ms: u64,
    stop: Arc<AtomicBool>,
    on_stopped: Option<std::sync::mpsc::Sender<Instant>>,
}
impl Actor for Hog {
    type Context = Context<Self>;
    fn started(&mut self, ctx: &mut Context<Self>) {
        ctx.notify(Run);
    }
    fn stopped(&mut self, _: &mut Context<Self>) {
        if let Some(tx) = self.on_stopped.take() {
            let _ = tx.send(Instant::now());
        }
    }
}
#[derive(Message)]
#[rtype(result = "()")]
struct Run;
#[derive(Message)]
#[rtype(result = "()")]
struct Tick(u64);
#[derive(Message)]
#[rtype(result = "()")]
struct StopHog;
impl Handler<Run> for Hog {
    type Result = ();
    fn handle(&mut self, _: Run, ctx: &mut Context<Self>) {
        match self.kind {
            HogKind::Spin => {
                std::hint::black_box(spin_until(&self.stop));
            }
            HogKind::Sleep => sleep_until(&self.stop, self.sleep_ms),
            HogKind::Yield => ctx.notify(Tick(1)),
        }
    }
}
impl Handler<Tick> for Hog {
    type Result = ();
    // The runtime operation of the yield hog: yield to the arbiter's event loop (ctx.wait on
    // tokio's yield_now), then continue with a notify. A bare notify or do_send loop would never
    // leave the actor's poll: actix drains its queues without a budget.
    fn handle(&mut self, Tick(x): Tick, ctx: &mut Context<Self>) {
        if self.stop.load(Ordering::Relaxed) {
            return;
        }
        let x = spin_chunk(x);
        ctx.wait(actix::fut::wrap_future::<_, Self>(tokio::task::yield_now()));
        ctx.notify(Tick(x));
    }
}
impl Handler<StopHog> for Hog {
    type Result = ();
    fn handle(&mut self, _: StopHog, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

struct Echo;
impl Actor for Echo {
    type Context = Context<Self>;
}
#[derive(Message)]
#[rtype(result = "u64")]
struct EchoPing(u64);
impl Handler<EchoPing> for Echo {
    type Result = u64;
    fn handle(&mut self, EchoPing(v): EchoPing, _: &mut Context<Self>) -> u64 {
        v
    }
}

fn fairness(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let light = args.usize("light", 100);
    let trips = args.usize("trips", 200);
    let hogs = args.usize("hogs", 0);
    let kind = args.hog_kind();
    let sleep_ms = args.u64("sleep-ms", 10);
    let cap = Duration::from_secs_f64(args.f64("cap-secs", 30.0));
    rep.param("light", light)
        .param("trips", trips)
        .param("hogs", hogs)
        .param("hog_kind", kind.name());
    let stop = Arc::new(AtomicBool::new(false));
    for i in 0..hogs {
        let stop = stop.clone();
        Hog::start_in_arbiter(&arbs[i % arbs.len()], move |_| Hog {
            kind,
            sleep_ms,
            stop,
            on_stopped: None,
        });
    }
    std::thread::sleep(Duration::from_millis(50));
    // The coordinator is the System thread (no actor runs there); it blocks on a std channel
    // with recv_timeout for the cap.
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Vec<u64>>();
    let t0 = Instant::now();
    for i in 0..light {
        let res = res_tx.clone();
        // A light process is a future on an arbiter doing request/reply with its own echo actor
        // on the same arbiter (awaiting inside an actix handler needs an actor future).
        arbs[i % arbs.len()].spawn(async move {
            let echo = Echo.start();
            let mut lat = Vec::with_capacity(trips);
            for i in 0..trips as u64 {
                let t = Instant::now();
                std::hint::black_box(echo.send(EchoPing(i)).await.unwrap());
                lat.push(t.elapsed().as_nanos() as u64);
            }
            let _ = res.send(lat);
        });
    }
    collect_fairness(
        &rep,
        &res_rx,
        t0,
        cap,
        (light, trips),
        &stop,
        Some("arbiters do not steal work: a hog blocks every actor of its arbiter"),
    );
}

fn kill(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let kind = args.hog_kind();
    let kills = args.usize("kills", 5);
    let sleep_ms = args.u64("sleep-ms", 10);
    let cap = Duration::from_secs_f64(args.f64("cap-secs", 2.0));
    rep.param("hog_kind", kind.name()).param("kills", kills);
    let mut lat = Vec::new();
    for i in 0..kills {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = std::sync::mpsc::channel::<Instant>();
        let s = stop.clone();
        let hog = Hog::start_in_arbiter(&arbs[i % arbs.len()], move |_| Hog {
            kind,
            sleep_ms,
            stop: s,
            on_stopped: Some(tx),
        });
        std::thread::sleep(Duration::from_millis(55));
        let t0 = Instant::now();
        // actix has no external kill: the closest is a message whose handler stops the actor.
        hog.do_send(StopHog);
        match rx.recv_timeout(cap) {
            Ok(t1) => lat.push(Some(t1.saturating_duration_since(t0))),
            Err(_) => {
                lat.push(None);
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
    }
    report_kill(
        &rep,
        &lat,
        kills,
        Some("no kill in actix: a StopHog message (ctx.stop()); notification = Actor::stopped"),
    );
}

// ---------------------------------------------------------------- restart, crash_isolation

/// The supervised worker: holds a sum. actix has no crash a supervisor would see (a panic in a
/// handler takes down its arbiter's thread): the failure is `ctx.stop()`, after which the
/// `Supervisor` calls `restarting` and runs the actor again on the same address and mailbox.
struct Worker(u64);
impl Actor for Worker {
    type Context = Context<Self>;
}
impl Supervised for Worker {
    fn restarting(&mut self, _: &mut Context<Self>) {
        self.0 = 0; // a fresh state, as a restarted process starts from init
    }
}
#[derive(Message)]
#[rtype(result = "u64")]
struct Work(u64);
#[derive(Message)]
#[rtype(result = "()")]
struct Crash;
impl Handler<Work> for Worker {
    type Result = u64;
    fn handle(&mut self, Work(x): Work, _: &mut Context<Self>) -> u64 {
        self.0 = self.0.wrapping_add(x);
        self.0
    }
}
impl Handler<Crash> for Worker {
    type Result = ();
    fn handle(&mut self, _: Crash, ctx: &mut Context<Self>) {
        ctx.stop();
    }
}

/// Crash the worker, then send it work until the restarted worker answers; the time from the
/// crash request to that answer (the address survives restarts: no lookup).
async fn crash_and_wait(w: &Addr<Worker>) -> Duration {
    let t0 = Instant::now();
    let _ = w.send(Crash).await;
    while w.send(Work(0)).await.is_err() {
        actix_rt::task::yield_now().await;
    }
    t0.elapsed()
}

const SUP_NOTE: &str = "Supervisor::start_in_arbiter + Supervised::restarting; crash = a handler \
                        calling ctx.stop() (a panic would take down the arbiter); the address and \
                        mailbox survive the restart";

async fn restart(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let crashes = args.usize("crashes", 200);
    rep.param("crashes", crashes);
    let w = Supervisor::start_in_arbiter(&arbs[0], |_| Worker(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Duration>>();
    // The client runs on the other arbiter (a future there), as a separate process would.
    arbs[1 % arbs.len()].spawn(async move {
        let mut lat = Vec::with_capacity(crashes);
        for _ in 0..crashes {
            lat.push(crash_and_wait(&w).await);
        }
        let _ = tx.send(lat);
    });
    let lat = rx.recv().await.unwrap_or_default();
    report_restart(&rep, &lat, crashes, Some(SUP_NOTE));
}

async fn crash_isolation(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let children = args.usize("children", 10_000).max(1);
    let clients = args.usize("clients", 100).clamp(1, children);
    let requests = args.u64("requests", 10);
    rep.param("children", children)
        .param("clients", clients)
        .param("requests", requests);
    let workers: Arc<Vec<Addr<Worker>>> = Arc::new(
        (0..children)
            .map(|i| Supervisor::start_in_arbiter(&arbs[i % arbs.len()], |_| Worker(0)))
            .collect(),
    );
    let barrier = Arc::new(Barrier::new(clients + 1));
    let (tx, mut rx) = mpsc::unbounded_channel::<IsolationResult>();
    for j in 0..clients {
        let (ws, b, tx) = (workers.clone(), barrier.clone(), tx.clone());
        arbs[j % arbs.len()].spawn(async move {
            b.wait().await;
            let w = &ws;
            let r = iso_client_loop(
                w.len(),
                j,
                clients,
                requests,
                |c| crash_and_wait(&w[c]),
                |c, k| async move { w[c].send(Work(k)).await.is_ok() },
            )
            .await;
            let _ = tx.send(r);
        });
    }
    barrier.wait().await;
    let t0 = Instant::now();
    let mut total = IsolationResult::default();
    for _ in 0..clients {
        total.merge(rx.recv().await.unwrap_or_default());
    }
    total.total = t0.elapsed();
    report_isolation(&rep, &total, Some(SUP_NOTE));
}

// ---------------------------------------------------------------- idle10m

async fn idle10m(arbs: &[ArbiterHandle], args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 10_000_000).max(1);
    rep.param("n", n);
    let budget = idle_budget_bytes(args);
    let started = Arc::new(AtomicUsize::new(0));
    let stopped = Arc::new(AtomicUsize::new(0));
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<Addr<Idle>>>();
    let step = n.div_ceil(IDLE_STEPS);
    let mut all: Vec<Vec<Addr<Idle>>> = Vec::new();
    let mut spawned = 0;
    let mut infeasible = None;
    let rss_before = rss_bytes();
    let t0 = Instant::now();
    while spawned < n {
        let this = step.min(n - spawned);
        // One spawner per arbiter, each starting its share of actors on its own arbiter.
        for (i, arb) in arbs.iter().enumerate() {
            let share = this / arbs.len() + usize::from(i < this % arbs.len());
            let (tx, s1, s2) = (tx.clone(), started.clone(), stopped.clone());
            arb.spawn(async move {
                let mut addrs = Vec::with_capacity(share);
                for _ in 0..share {
                    addrs.push(
                        Idle {
                            started: s1.clone(),
                            stopped: s2.clone(),
                        }
                        .start(),
                    );
                }
                let _ = tx.send(addrs);
            });
        }
        for _ in 0..arbs.len() {
            all.push(rx.recv().await.unwrap());
        }
        spawned += this;
        if spawned < n {
            infeasible = idle_over_budget(spawned, n, rss_before, rss_bytes(), budget);
            if infeasible.is_some() {
                break;
            }
        }
    }
    let spawn = t0.elapsed();
    wait_count(&started, spawned).await;
    let rss_after = rss_bytes();
    let t1 = Instant::now();
    for a in all.iter().flatten() {
        a.do_send(Release);
    }
    wait_count(&stopped, spawned).await;
    let release = t1.elapsed();
    drop(all);
    report_idle(
        &rep,
        &IdleResult {
            n,
            spawned,
            spawn,
            release,
            rss_before,
            rss_after,
            infeasible,
        },
    );
}
