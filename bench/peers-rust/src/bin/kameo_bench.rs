//! kameo peer: a "process" is a kameo actor (`Spawn::spawn`, default bounded mailbox of 64 unless
//! said otherwise), messages are `tell`s, request/reply is `ask`. Runs on a tokio multi-thread
//! runtime with `--workers` worker threads (default 2). See bench/README.md.

use kameo::actor::{Actor, ActorRef, Spawn, WeakActorRef};
use kameo::error::{ActorStopReason, Infallible};
use kameo::mailbox;
use kameo::message::{Context, Message};
use kameo::supervision::{RestartPolicy, SupervisionStrategy};
use peers_common::*;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Barrier};

const SYSTEM: &str = "kameo";

fn main() {
    let args = Args::parse();
    let workers = args.usize("workers", 2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rep = Reporter::new(SYSTEM, &args.workload);
    rep.param("workers", workers);
    match args.workload.as_str() {
        "spawn" => spawn_bench(&rt, &args, rep),
        "ring" => ring(&rt, &args, rep),
        "pingpong" => pingpong(&rt, &args, rep),
        "skynet" => skynet_bench(&rt, &args, rep),
        "call" => call_bench(&rt, &args, rep),
        "fairness" => fairness(&rt, &args, rep),
        "kill" => kill(&rt, &args, rep),
        "restart" => restart(&rt, &args, rep),
        "crash_isolation" => crash_isolation(&rt, &args, rep),
        "idle10m" => idle10m(&rt, &args, rep),
        w => usage_exit(&format!("unknown workload {w}")),
    }
    hard_exit(0)
}

fn run_on<F: Future + Send + 'static>(rt: &tokio::runtime::Runtime, fut: F) -> F::Output
where
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut))
        .expect("coordinator task panicked")
}

async fn wait_count(c: &AtomicUsize, n: usize) {
    while c.load(Ordering::Acquire) < n {
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

// ---------------------------------------------------------------- spawn

struct Idle {
    stopped: Arc<AtomicUsize>,
}
impl Actor for Idle {
    type Args = (Arc<AtomicUsize>, Arc<AtomicUsize>);
    type Error = Infallible;
    async fn on_start(
        (started, stopped): Self::Args,
        _: ActorRef<Self>,
    ) -> Result<Self, Infallible> {
        started.fetch_add(1, Ordering::Release);
        Ok(Idle { stopped })
    }
    async fn on_stop(
        &mut self,
        _: WeakActorRef<Self>,
        _: ActorStopReason,
    ) -> Result<(), Infallible> {
        self.stopped.fetch_add(1, Ordering::Release);
        Ok(())
    }
}
struct Release;
impl Message<Release> for Idle {
    type Reply = ();
    async fn handle(&mut self, _: Release, ctx: &mut Context<Self, ()>) {
        ctx.stop();
    }
}

fn spawn_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 1_000_000);
    rep.param("n", n);
    let (spawn_t, settle_t, release_t, rss0, rss1) = run_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut actors = Vec::with_capacity(n);
        let rss0 = rss_bytes();
        let t0 = Instant::now();
        for _ in 0..n {
            actors.push(Idle::spawn((started.clone(), stopped.clone())));
        }
        let spawn_t = t0.elapsed();
        wait_count(&started, n).await;
        let settle_t = t0.elapsed();
        let rss1 = rss_bytes();
        let t1 = Instant::now();
        for a in &actors {
            let _ = a.tell(Release).try_send();
        }
        wait_count(&stopped, n).await;
        (spawn_t, settle_t, t1.elapsed(), rss0, rss1)
    });
    emit_spawn(&rep, n, spawn_t, settle_t, release_t, rss0, rss1);
}

// ---------------------------------------------------------------- ring

struct RingNode {
    next: Option<ActorRef<RingNode>>,
    done: Option<mpsc::UnboundedSender<()>>,
}
impl Actor for RingNode {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(s)
    }
}
struct Next(ActorRef<RingNode>);
impl Message<Next> for RingNode {
    type Reply = ();
    async fn handle(&mut self, Next(a): Next, _: &mut Context<Self, ()>) {
        self.next = Some(a);
    }
}
struct Token(u64);
impl Message<Token> for RingNode {
    type Reply = ();
    async fn handle(&mut self, Token(v): Token, _: &mut Context<Self, ()>) {
        if v == 0 {
            if let Some(d) = &self.done {
                let _ = d.send(());
            }
        } else {
            let _ = self.next.as_ref().unwrap().tell(Token(v - 1)).await;
        }
    }
}

fn ring(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let procs = args.usize("procs", 1000).max(2);
    let laps = args.u64("laps", 1000);
    rep.param("procs", procs).param("laps", laps);
    let hops = procs as u64 * laps;
    let elapsed = run_on(rt, async move {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let nodes: Vec<_> = (0..procs)
            .map(|i| {
                RingNode::spawn(RingNode {
                    next: None,
                    done: (i == 0).then(|| done_tx.clone()),
                })
            })
            .collect();
        for i in 0..procs {
            nodes[i]
                .tell(Next(nodes[(i + 1) % procs].clone()))
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let t0 = Instant::now();
        nodes[0].tell(Token(hops)).await.unwrap();
        done_rx.recv().await;
        let e = t0.elapsed();
        for n in &nodes {
            n.kill();
        }
        e
    });
    report_ring(&rep, procs, laps, elapsed);
}

// ---------------------------------------------------------------- pingpong

struct Pinger {
    trips: u64,
    ponger: Option<ActorRef<Ponger>>,
    done: mpsc::UnboundedSender<()>,
}
impl Actor for Pinger {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(s)
    }
}
struct Ponger {
    pinger: ActorRef<Pinger>,
}
impl Actor for Ponger {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(s)
    }
}
struct StartPing(ActorRef<Ponger>);
struct Ping(u64);
struct Pong(u64);
impl Message<StartPing> for Pinger {
    type Reply = ();
    async fn handle(&mut self, StartPing(p): StartPing, _: &mut Context<Self, ()>) {
        let _ = p.tell(Ping(0)).await;
        self.ponger = Some(p);
    }
}
impl Message<Pong> for Pinger {
    type Reply = ();
    async fn handle(&mut self, Pong(i): Pong, ctx: &mut Context<Self, ()>) {
        let p = self.ponger.as_ref().unwrap();
        if i + 1 < self.trips {
            let _ = p.tell(Ping(i + 1)).await;
        } else {
            let _ = self.done.send(());
            p.kill();
            ctx.stop();
        }
    }
}
impl Message<Ping> for Ponger {
    type Reply = ();
    async fn handle(&mut self, Ping(i): Ping, _: &mut Context<Self, ()>) {
        let _ = self.pinger.tell(Pong(i)).await;
    }
}

fn pingpong(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let pairs = args.usize("pairs", 1000);
    let trips = args.u64("trips", 1000);
    rep.param("pairs", pairs).param("trips", trips);
    let elapsed = run_on(rt, async move {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let mut ps = Vec::with_capacity(pairs);
        for _ in 0..pairs {
            let pinger = Pinger::spawn(Pinger {
                trips,
                ponger: None,
                done: done_tx.clone(),
            });
            let ponger = Ponger::spawn(Ponger {
                pinger: pinger.clone(),
            });
            ps.push((pinger, ponger));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let t0 = Instant::now();
        for (pinger, ponger) in ps {
            pinger.tell(StartPing(ponger)).await.unwrap();
        }
        for _ in 0..pairs {
            done_rx.recv().await;
        }
        t0.elapsed()
    });
    report_pingpong(&rep, pairs, trips, elapsed);
}

// ---------------------------------------------------------------- skynet

enum Parent {
    Node(ActorRef<SkyNode>),
    Root(mpsc::UnboundedSender<u64>),
}
struct SkyNode {
    parent: Parent,
    acc: u64,
    got: u64,
}
struct Sum(u64);
impl SkyNode {
    async fn report(&self, v: u64) {
        match &self.parent {
            Parent::Node(p) => {
                let _ = p.tell(Sum(v)).await;
            }
            Parent::Root(tx) => {
                let _ = tx.send(v);
            }
        }
    }
}
impl Actor for SkyNode {
    type Args = (u64, u64, Parent);
    type Error = Infallible;
    async fn on_start(
        (num, size, parent): Self::Args,
        me: ActorRef<Self>,
    ) -> Result<Self, Infallible> {
        let node = SkyNode {
            parent,
            acc: 0,
            got: 0,
        };
        if size == 1 {
            node.report(num).await;
            me.kill();
        } else {
            // Spawn is non-blocking (the child's on_start runs in its own task).
            let sub = size / 10;
            for i in 0..10 {
                SkyNode::spawn((num + i * sub, sub, Parent::Node(me.clone())));
            }
        }
        Ok(node)
    }
}
impl Message<Sum> for SkyNode {
    type Reply = ();
    async fn handle(&mut self, Sum(v): Sum, ctx: &mut Context<Self, ()>) {
        self.acc += v;
        self.got += 1;
        if self.got == 10 {
            self.report(self.acc).await;
            ctx.stop();
        }
    }
}

fn skynet_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let leaves = args.u64("leaves", 1_000_000);
    rep.param("leaves", leaves);
    let (sum, elapsed) = run_on(rt, async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let t0 = Instant::now();
        SkyNode::spawn((0, leaves, Parent::Root(tx)));
        let sum = rx.recv().await.unwrap();
        (sum, t0.elapsed())
    });
    report_skynet(&rep, leaves, sum, elapsed);
}

// ---------------------------------------------------------------- call

struct Server {
    state: u64,
}
impl Actor for Server {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(s)
    }
}
struct Add(u64);
impl Message<Add> for Server {
    type Reply = u64;
    async fn handle(&mut self, Add(x): Add, _: &mut Context<Self, u64>) -> u64 {
        self.state = self.state.wrapping_add(x);
        self.state
    }
}

fn call_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let callers = args.usize("callers", 100);
    let calls = args.u64("calls", 1000);
    rep.param("callers", callers).param("calls", calls);
    let (mut avgs, elapsed) = run_on(rt, async move {
        // Unbounded mailbox: up to 10,000 concurrent callers queue on the one server.
        let server = Server::spawn_with_mailbox(Server { state: 0 }, mailbox::unbounded());
        let barrier = Arc::new(Barrier::new(callers + 1));
        let (res_tx, mut res_rx) = mpsc::unbounded_channel::<f64>();
        for _ in 0..callers {
            let (srv, b, res) = (server.clone(), barrier.clone(), res_tx.clone());
            tokio::spawn(async move {
                b.wait().await;
                let t = Instant::now();
                for _ in 0..calls {
                    std::hint::black_box(srv.ask(Add(1)).await.unwrap());
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
        (avgs, t0.elapsed())
    });
    report_call(&rep, callers, calls, &mut avgs, elapsed);
}

// ---------------------------------------------------------------- hogs, fairness, kill

struct Hog {
    kind: HogKind,
    sleep_ms: u64,
    stop: Arc<AtomicBool>,
}
impl Actor for Hog {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, me: ActorRef<Self>) -> Result<Self, Infallible> {
        let _ = me.tell(Run).try_send();
        Ok(s)
    }
}
struct Run;
struct Tick(u64);
impl Message<Run> for Hog {
    type Reply = ();
    async fn handle(&mut self, _: Run, ctx: &mut Context<Self, ()>) {
        match self.kind {
            HogKind::Spin => {
                std::hint::black_box(spin_until(&self.stop));
            }
            HogKind::Sleep => sleep_until(&self.stop, self.sleep_ms),
            HogKind::Yield => {
                let _ = ctx.actor_ref().tell(Tick(1)).try_send();
            }
        }
    }
}
impl Message<Tick> for Hog {
    type Reply = ();
    // The runtime operation of the yield hog is a self-send: one chunk per message.
    async fn handle(&mut self, Tick(x): Tick, ctx: &mut Context<Self, ()>) {
        if !self.stop.load(Ordering::Relaxed) {
            let _ = ctx.actor_ref().tell(Tick(spin_chunk(x))).await;
        }
    }
}

struct Echo;
impl Actor for Echo {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(s)
    }
}
struct EchoPing(u64);
impl Message<EchoPing> for Echo {
    type Reply = u64;
    async fn handle(&mut self, EchoPing(v): EchoPing, _: &mut Context<Self, u64>) -> u64 {
        v
    }
}

/// A light process: on start it asks its echo actor `trips` times, then reports and stops.
struct Light {
    trips: usize,
    echo: ActorRef<Echo>,
    res: std::sync::mpsc::Sender<Vec<u64>>,
}
impl Actor for Light {
    type Args = Self;
    type Error = Infallible;
    async fn on_start(s: Self, me: ActorRef<Self>) -> Result<Self, Infallible> {
        let _ = me.tell(Go).try_send();
        Ok(s)
    }
}
struct Go;
impl Message<Go> for Light {
    type Reply = ();
    async fn handle(&mut self, _: Go, ctx: &mut Context<Self, ()>) {
        let mut lat = Vec::with_capacity(self.trips);
        for i in 0..self.trips as u64 {
            let t = Instant::now();
            std::hint::black_box(self.echo.ask(EchoPing(i)).await.unwrap());
            lat.push(t.elapsed().as_nanos() as u64);
        }
        let _ = self.res.send(lat);
        self.echo.kill();
        ctx.stop();
    }
}

fn fairness(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
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
    {
        let _g = rt.enter();
        for _ in 0..hogs {
            Hog::spawn(Hog {
                kind,
                sleep_ms,
                stop: stop.clone(),
            });
        }
    }
    std::thread::sleep(Duration::from_millis(50));
    // Coordinator = main thread (not a worker), with a std channel and recv_timeout for the cap.
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Vec<u64>>();
    let t0 = Instant::now();
    {
        let _g = rt.enter();
        for _ in 0..light {
            let echo = Echo::spawn(Echo);
            Light::spawn(Light {
                trips,
                echo,
                res: res_tx.clone(),
            });
        }
    }
    collect_fairness(&rep, &res_rx, t0, cap, (light, trips), &stop, None);
}

fn kill(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let kind = args.hog_kind();
    let kills = args.usize("kills", 5);
    let sleep_ms = args.u64("sleep-ms", 10);
    let cap = Duration::from_secs_f64(args.f64("cap-secs", 2.0));
    rep.param("hog_kind", kind.name()).param("kills", kills);
    let mut lat = Vec::new();
    for _ in 0..kills {
        let stop = Arc::new(AtomicBool::new(false));
        let hog = {
            let _g = rt.enter();
            Hog::spawn(Hog {
                kind,
                sleep_ms,
                stop: stop.clone(),
            })
        };
        // The "monitor": a task waiting for the actor's shutdown; it takes the timestamp.
        let (tx, rx) = std::sync::mpsc::channel::<Instant>();
        let watched = hog.clone();
        rt.spawn(async move {
            watched.wait_for_shutdown().await;
            let _ = tx.send(Instant::now());
        });
        std::thread::sleep(Duration::from_millis(55));
        let t0 = Instant::now();
        hog.kill();
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
        Some("ActorRef::kill (aborts the task); notification = wait_for_shutdown returns"),
    );
}

// ---------------------------------------------------------------- restart, crash_isolation

/// The supervised worker: holds a sum; a bad input makes its handler panic (kameo catches it, the
/// actor stops with `ActorStopReason::Panicked` and its supervisor restarts it).
struct Worker {
    sum: u64,
}
impl Actor for Worker {
    type Args = ();
    type Error = Infallible;
    async fn on_start(_: (), _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Worker { sum: 0 }) // a fresh state on every (re)start, as a process starts from init
    }
}
struct Work(u64);
impl Message<Work> for Worker {
    type Reply = u64;
    async fn handle(&mut self, Work(x): Work, _: &mut Context<Self, u64>) -> u64 {
        self.sum = self.sum.wrapping_add(x);
        self.sum
    }
}
struct Crash;
impl Message<Crash> for Worker {
    type Reply = ();
    async fn handle(&mut self, _: Crash, _: &mut Context<Self, ()>) {
        std::panic::panic_any(CRASH_MSG)
    }
}

/// A one_for_one supervisor: its workers are started with `Spawn::supervise` (kameo's own
/// supervision, built on links: the supervisor's actor loop restarts a dead child from its spec).
struct Sup;
impl Actor for Sup {
    type Args = ();
    type Error = Infallible;
    fn supervision_strategy() -> SupervisionStrategy {
        SupervisionStrategy::OneForOne
    }
    async fn on_start(_: (), _: ActorRef<Self>) -> Result<Self, Infallible> {
        Ok(Sup)
    }
}

/// Start one permanent worker under `sup`, allowed `max_restarts` restarts within 5 s (set above
/// the number of crashes, so that the supervisor never gives up), and wait until it is up.
async fn supervised_worker(sup: &ActorRef<Sup>, max_restarts: u64) -> ActorRef<Worker> {
    let w = Worker::supervise(sup, ())
        .restart_policy(RestartPolicy::Permanent)
        .restart_limit(
            u32::try_from(max_restarts).unwrap_or(u32::MAX),
            Duration::from_secs(5),
        )
        .spawn()
        .await;
    w.wait_for_startup().await;
    w
}

/// Crash the worker, then ask it for work until the restarted worker answers; the time from the
/// crash request to that answer. The `ActorRef` (id and mailbox) survives a supervised restart, so
/// there is no lookup; an ask arriving while it restarts fails (`ActorRestarting`) and is retried.
async fn crash_and_wait(w: &ActorRef<Worker>) -> Duration {
    let t0 = Instant::now();
    let _ = w.ask(Crash).await;
    while w.ask(Work(0)).await.is_err() {
        tokio::task::yield_now().await;
    }
    t0.elapsed()
}

const SUP_NOTE: &str = "supervisor actor (OneForOne), workers started with Spawn::supervise \
                        (RestartPolicy::Permanent); crash = a handler panics; the ActorRef and \
                        mailbox survive the restart (no lookup), asks retried until it answers";

fn restart(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let crashes = args.usize("crashes", 200);
    rep.param("crashes", crashes);
    quiet_crash_panics();
    let lat = run_on(rt, async move {
        let sup = Sup::spawn(());
        let w = supervised_worker(&sup, crashes as u64 + 1).await;
        let mut lat = Vec::with_capacity(crashes);
        for _ in 0..crashes {
            lat.push(crash_and_wait(&w).await);
        }
        lat
    });
    report_restart(&rep, &lat, crashes, Some(SUP_NOTE));
}

fn crash_isolation(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let children = args.usize("children", 10_000).max(1);
    let clients = args.usize("clients", 100).clamp(1, children);
    let requests = args.u64("requests", 10);
    rep.param("children", children)
        .param("clients", clients)
        .param("requests", requests);
    quiet_crash_panics();
    let r = run_on(rt, async move {
        let sup = Sup::spawn(());
        let mut workers = Vec::with_capacity(children);
        for _ in 0..children {
            // A worker crashes at most once per round.
            workers.push(supervised_worker(&sup, requests + 1).await);
        }
        let workers = Arc::new(workers);
        let barrier = Arc::new(Barrier::new(clients + 1));
        let mut handles = Vec::with_capacity(clients);
        for j in 0..clients {
            let (ws, b) = (workers.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                b.wait().await;
                let w = &ws;
                iso_client_loop(
                    w.len(),
                    j,
                    clients,
                    requests,
                    |c| crash_and_wait(&w[c]),
                    |c, k| async move { w[c].ask(Work(k)).await.is_ok() },
                )
                .await
            }));
        }
        barrier.wait().await;
        let t0 = Instant::now();
        let mut total = IsolationResult::default();
        for h in handles {
            total.merge(h.await.expect("client"));
        }
        total.total = t0.elapsed();
        total
    });
    report_isolation(&rep, &r, Some(SUP_NOTE));
}

// ---------------------------------------------------------------- idle10m

fn idle10m(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 10_000_000).max(1);
    rep.param("n", n);
    let budget = idle_budget_bytes(args);
    let r = run_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        let stopped = Arc::new(AtomicUsize::new(0));
        let mut actors = Vec::with_capacity(n);
        let step = n.div_ceil(IDLE_STEPS);
        let rss_before = rss_bytes();
        let t0 = Instant::now();
        let mut infeasible = None;
        while actors.len() < n {
            let end = (actors.len() + step).min(n);
            while actors.len() < end {
                actors.push(Idle::spawn((started.clone(), stopped.clone())));
            }
            if actors.len() < n {
                infeasible = idle_over_budget(actors.len(), n, rss_before, rss_bytes(), budget);
                if infeasible.is_some() {
                    break;
                }
            }
        }
        let spawn = t0.elapsed();
        let spawned = actors.len();
        wait_count(&started, spawned).await;
        let rss_after = rss_bytes();
        let t1 = Instant::now();
        for a in &actors {
            let _ = a.tell(Release).try_send();
        }
        wait_count(&stopped, spawned).await;
        IdleResult {
            n,
            spawned,
            spawn,
            release: t1.elapsed(),
            rss_before,
            rss_after,
            infeasible,
        }
    });
    report_idle(&rep, &r);
}
