//! ractor peer: a "process" is a ractor actor (`Actor::spawn`), messages are `cast`s, request/reply
//! is `call!` with an `RpcReplyPort`. Runs on a tokio multi-thread runtime with `--workers` worker
//! threads (default 2). See bench/README.md.

use peers_common::*;
use ractor::{call, Actor, ActorId, ActorProcessingErr, ActorRef, RpcReplyPort, SupervisionEvent};
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, Barrier};

const SYSTEM: &str = "ractor";

type Res<T> = Result<T, ActorProcessingErr>;

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

// ---------------------------------------------------------------- spawn

struct Idle;
impl Actor for Idle {
    type Msg = ();
    type State = ();
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<()>, _: ()) -> Res<()> {
        Ok(())
    }
    async fn handle(&self, myself: ActorRef<()>, _: (), _: &mut ()) -> Res<()> {
        myself.stop(None);
        Ok(())
    }
}

fn spawn_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 1_000_000);
    rep.param("n", n);
    let (spawn_t, settle_t, release_t, rss0, rss1) = run_on(rt, async move {
        let mut actors = Vec::with_capacity(n);
        let rss0 = rss_bytes();
        let t0 = Instant::now();
        for _ in 0..n {
            // Actor::spawn returns once pre_start has run: the actor is up and waiting.
            let (a, h) = Actor::spawn(None, Idle, ()).await.expect("spawn");
            actors.push((a, h));
        }
        let spawn_t = t0.elapsed();
        let settle_t = spawn_t;
        tokio::task::yield_now().await;
        let rss1 = rss_bytes();
        let t1 = Instant::now();
        for (a, _) in &actors {
            let _ = a.cast(());
        }
        for (_, h) in actors {
            let _ = h.await;
        }
        (spawn_t, settle_t, t1.elapsed(), rss0, rss1)
    });
    emit_spawn(&rep, n, spawn_t, settle_t, release_t, rss0, rss1);
}

// ---------------------------------------------------------------- ring

enum RingMsg {
    Next(ActorRef<RingMsg>),
    Token(u64),
}
struct RingNode {
    done: Option<mpsc::UnboundedSender<()>>,
}
impl Actor for RingNode {
    type Msg = RingMsg;
    type State = Option<ActorRef<RingMsg>>;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<RingMsg>, _: ()) -> Res<Self::State> {
        Ok(None)
    }
    async fn handle(&self, _: ActorRef<RingMsg>, msg: RingMsg, next: &mut Self::State) -> Res<()> {
        match msg {
            RingMsg::Next(a) => *next = Some(a),
            RingMsg::Token(0) => {
                if let Some(d) = &self.done {
                    let _ = d.send(());
                }
            }
            RingMsg::Token(v) => {
                let _ = next.as_ref().unwrap().cast(RingMsg::Token(v - 1));
            }
        }
        Ok(())
    }
}

fn ring(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let procs = args.usize("procs", 1000).max(2);
    let laps = args.u64("laps", 1000);
    rep.param("procs", procs).param("laps", laps);
    let hops = procs as u64 * laps;
    let elapsed = run_on(rt, async move {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel();
        let mut nodes = Vec::with_capacity(procs);
        for i in 0..procs {
            let done = if i == 0 { Some(done_tx.clone()) } else { None };
            nodes.push(
                Actor::spawn(None, RingNode { done }, ())
                    .await
                    .expect("spawn")
                    .0,
            );
        }
        for i in 0..procs {
            nodes[i]
                .cast(RingMsg::Next(nodes[(i + 1) % procs].clone()))
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
        let t0 = Instant::now();
        nodes[0].cast(RingMsg::Token(hops)).unwrap();
        done_rx.recv().await;
        let e = t0.elapsed();
        for n in &nodes {
            n.stop(None);
        }
        e
    });
    report_ring(&rep, procs, laps, elapsed);
}

// ---------------------------------------------------------------- pingpong

enum PingMsg {
    Start(ActorRef<u64>),
    Pong(u64),
}
struct Pinger {
    trips: u64,
    done: mpsc::UnboundedSender<()>,
}
impl Actor for Pinger {
    type Msg = PingMsg;
    type State = Option<ActorRef<u64>>;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<PingMsg>, _: ()) -> Res<Self::State> {
        Ok(None)
    }
    async fn handle(
        &self,
        myself: ActorRef<PingMsg>,
        msg: PingMsg,
        ponger: &mut Self::State,
    ) -> Res<()> {
        match msg {
            PingMsg::Start(p) => {
                p.cast(0).unwrap();
                *ponger = Some(p);
            }
            PingMsg::Pong(i) => {
                if i + 1 < self.trips {
                    ponger.as_ref().unwrap().cast(i + 1).unwrap();
                } else {
                    let _ = self.done.send(());
                    ponger.as_ref().unwrap().stop(None);
                    myself.stop(None);
                }
            }
        }
        Ok(())
    }
}
struct Ponger;
impl Actor for Ponger {
    type Msg = u64;
    type State = ActorRef<PingMsg>;
    type Arguments = ActorRef<PingMsg>;
    async fn pre_start(&self, _: ActorRef<u64>, pinger: ActorRef<PingMsg>) -> Res<Self::State> {
        Ok(pinger)
    }
    async fn handle(&self, _: ActorRef<u64>, i: u64, pinger: &mut Self::State) -> Res<()> {
        let _ = pinger.cast(PingMsg::Pong(i));
        Ok(())
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
            let (pinger, _) = Actor::spawn(
                None,
                Pinger {
                    trips,
                    done: done_tx.clone(),
                },
                (),
            )
            .await
            .unwrap();
            let (ponger, _) = Actor::spawn(None, Ponger, pinger.clone()).await.unwrap();
            ps.push((pinger, ponger));
        }
        let t0 = Instant::now();
        for (pinger, ponger) in ps {
            pinger.cast(PingMsg::Start(ponger)).unwrap();
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
    Node(ActorRef<SkyMsg>),
    Root(mpsc::UnboundedSender<u64>),
}
enum SkyMsg {
    Start,
    Sum(u64),
}
struct SkyNode;
struct SkyState {
    num: u64,
    size: u64,
    parent: Parent,
    acc: u64,
    got: u64,
}
impl SkyState {
    fn report(&self, v: u64) {
        match &self.parent {
            Parent::Node(p) => {
                let _ = p.cast(SkyMsg::Sum(v));
            }
            Parent::Root(tx) => {
                let _ = tx.send(v);
            }
        }
    }
}
impl Actor for SkyNode {
    type Msg = SkyMsg;
    type State = SkyState;
    type Arguments = (u64, u64, Parent);
    async fn pre_start(
        &self,
        myself: ActorRef<SkyMsg>,
        (num, size, parent): (u64, u64, Parent),
    ) -> Res<SkyState> {
        // Spawning the children from pre_start would build the whole tree inline in the parent's
        // task (Actor::spawn awaits pre_start); a self-message lets the children run in parallel.
        myself.cast(SkyMsg::Start)?;
        Ok(SkyState {
            num,
            size,
            parent,
            acc: 0,
            got: 0,
        })
    }
    async fn handle(&self, myself: ActorRef<SkyMsg>, msg: SkyMsg, st: &mut SkyState) -> Res<()> {
        match msg {
            SkyMsg::Start => {
                if st.size == 1 {
                    st.report(st.num);
                    myself.stop(None);
                } else {
                    let sub = st.size / 10;
                    for i in 0..10 {
                        Actor::spawn(
                            None,
                            SkyNode,
                            (st.num + i * sub, sub, Parent::Node(myself.clone())),
                        )
                        .await?;
                    }
                }
            }
            SkyMsg::Sum(v) => {
                st.acc += v;
                st.got += 1;
                if st.got == 10 {
                    st.report(st.acc);
                    myself.stop(None);
                }
            }
        }
        Ok(())
    }
}

fn skynet_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let leaves = args.u64("leaves", 1_000_000);
    rep.param("leaves", leaves);
    let (sum, elapsed) = run_on(rt, async move {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let t0 = Instant::now();
        Actor::spawn(None, SkyNode, (0, leaves, Parent::Root(tx)))
            .await
            .unwrap();
        let sum = rx.recv().await.unwrap();
        (sum, t0.elapsed())
    });
    report_skynet(&rep, leaves, sum, elapsed);
}

// ---------------------------------------------------------------- call

enum SrvMsg {
    Add(u64, RpcReplyPort<u64>),
}
struct Server;
impl Actor for Server {
    type Msg = SrvMsg;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<SrvMsg>, _: ()) -> Res<u64> {
        Ok(0)
    }
    async fn handle(&self, _: ActorRef<SrvMsg>, msg: SrvMsg, st: &mut u64) -> Res<()> {
        let SrvMsg::Add(x, reply) = msg;
        *st = st.wrapping_add(x);
        let _ = reply.send(*st);
        Ok(())
    }
}

fn call_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let callers = args.usize("callers", 100);
    let calls = args.u64("calls", 1000);
    rep.param("callers", callers).param("calls", calls);
    let (mut avgs, elapsed) = run_on(rt, async move {
        let (server, _) = Actor::spawn(None, Server, ()).await.unwrap();
        let barrier = Arc::new(Barrier::new(callers + 1));
        let (res_tx, mut res_rx) = mpsc::unbounded_channel::<f64>();
        for _ in 0..callers {
            let (srv, b, res) = (server.clone(), barrier.clone(), res_tx.clone());
            tokio::spawn(async move {
                b.wait().await;
                let t = Instant::now();
                for _ in 0..calls {
                    std::hint::black_box(call!(srv, SrvMsg::Add, 1).unwrap());
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

enum HogMsg {
    Run,
    Tick(u64),
}
struct Hog {
    kind: HogKind,
    sleep_ms: u64,
    stop: Arc<AtomicBool>,
}
impl Actor for Hog {
    type Msg = HogMsg;
    type State = ();
    type Arguments = ();
    async fn pre_start(&self, myself: ActorRef<HogMsg>, _: ()) -> Res<()> {
        myself.cast(HogMsg::Run)?;
        Ok(())
    }
    async fn handle(&self, myself: ActorRef<HogMsg>, msg: HogMsg, _: &mut ()) -> Res<()> {
        match (self.kind, msg) {
            (HogKind::Spin, HogMsg::Run) => {
                std::hint::black_box(spin_until(&self.stop));
            }
            (HogKind::Sleep, HogMsg::Run) => sleep_until(&self.stop, self.sleep_ms),
            // The runtime operation of the yield hog is a self-send: one chunk per message.
            (HogKind::Yield, HogMsg::Run) => myself.cast(HogMsg::Tick(1))?,
            (_, HogMsg::Tick(x)) => {
                if !self.stop.load(Ordering::Relaxed) {
                    myself.cast(HogMsg::Tick(spin_chunk(x)))?;
                }
            }
        }
        Ok(())
    }
}

enum EchoMsg {
    Ping(u64, RpcReplyPort<u64>),
}
struct Echo;
impl Actor for Echo {
    type Msg = EchoMsg;
    type State = ();
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<EchoMsg>, _: ()) -> Res<()> {
        Ok(())
    }
    async fn handle(&self, _: ActorRef<EchoMsg>, msg: EchoMsg, _: &mut ()) -> Res<()> {
        let EchoMsg::Ping(v, reply) = msg;
        let _ = reply.send(v);
        Ok(())
    }
}

/// A light process: on start it does `trips` calls to its echo actor, then reports and stops.
struct Light {
    trips: usize,
    res: std::sync::mpsc::Sender<Vec<u64>>,
}
impl Actor for Light {
    type Msg = ();
    type State = ActorRef<EchoMsg>;
    type Arguments = ActorRef<EchoMsg>;
    async fn pre_start(&self, myself: ActorRef<()>, echo: ActorRef<EchoMsg>) -> Res<Self::State> {
        myself.cast(())?;
        Ok(echo)
    }
    async fn handle(&self, myself: ActorRef<()>, _: (), echo: &mut Self::State) -> Res<()> {
        let mut lat = Vec::with_capacity(self.trips);
        for i in 0..self.trips as u64 {
            let t = Instant::now();
            call!(echo, EchoMsg::Ping, i)?;
            lat.push(t.elapsed().as_nanos() as u64);
        }
        let _ = self.res.send(lat);
        echo.stop(None);
        myself.stop(None);
        Ok(())
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
    for _ in 0..hogs {
        let h = Hog {
            kind,
            sleep_ms,
            stop: stop.clone(),
        };
        rt.spawn(async move { Actor::spawn(None, h, ()).await.map(|_| ()) });
    }
    std::thread::sleep(Duration::from_millis(50));
    // Coordinator = main thread (not a worker), with a std channel and recv_timeout for the cap.
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Vec<u64>>();
    let t0 = Instant::now();
    for _ in 0..light {
        let res = res_tx.clone();
        rt.spawn(async move {
            let (echo, _) = Actor::spawn(None, Echo, ()).await.unwrap();
            Actor::spawn(None, Light { trips, res }, echo)
                .await
                .unwrap();
        });
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
        let h = Hog {
            kind,
            sleep_ms,
            stop: stop.clone(),
        };
        let (tx, rx) = std::sync::mpsc::channel::<Instant>();
        let (ref_tx, ref_rx) = std::sync::mpsc::channel();
        // The "monitor": a task awaiting the actor's JoinHandle, which completes when it is gone.
        rt.spawn(async move {
            let (a, handle) = Actor::spawn(None, h, ()).await.unwrap();
            let _ = ref_tx.send(a);
            let _ = handle.await;
            let _ = tx.send(Instant::now());
        });
        let actor = ref_rx.recv().unwrap();
        std::thread::sleep(Duration::from_millis(55));
        let t0 = Instant::now();
        actor.kill();
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
        Some("ActorRef::kill; notification = the actor's JoinHandle completes"),
    );
}

// ---------------------------------------------------------------- restart, crash_isolation

/// A request to a supervised worker: some work, or a bad input that makes it fail.
enum WMsg {
    Work(u64, RpcReplyPort<u64>),
    Crash(RpcReplyPort<u64>),
}

/// The supervised worker: holds a sum; a bad input makes `handle` return an error (the actor
/// fails, its supervisor gets `SupervisionEvent::ActorFailed`).
struct Worker;
impl Actor for Worker {
    type Msg = WMsg;
    type State = u64;
    type Arguments = ();
    async fn pre_start(&self, _: ActorRef<WMsg>, _: ()) -> Res<u64> {
        Ok(0)
    }
    async fn handle(&self, _: ActorRef<WMsg>, msg: WMsg, sum: &mut u64) -> Res<()> {
        match msg {
            WMsg::Work(x, reply) => {
                *sum = sum.wrapping_add(x);
                let _ = reply.send(*sum);
                Ok(())
            }
            WMsg::Crash(_reply) => Err(CRASH_MSG.into()),
        }
    }
}

/// A one_for_one supervisor: spawns one linked, named worker per name and re-spawns a worker
/// (same name) on its `ActorFailed` / `ActorTerminated`.
struct Sup;
impl Actor for Sup {
    type Msg = ();
    type State = HashMap<ActorId, String>;
    type Arguments = Vec<String>;
    async fn pre_start(&self, myself: ActorRef<()>, names: Vec<String>) -> Res<Self::State> {
        let mut workers = HashMap::with_capacity(names.len());
        for name in names {
            let (w, _) =
                Actor::spawn_linked(Some(name.clone()), Worker, (), myself.get_cell()).await?;
            workers.insert(w.get_id(), name);
        }
        Ok(workers)
    }
    async fn handle(&self, _: ActorRef<()>, _: (), _: &mut Self::State) -> Res<()> {
        Ok(())
    }
    async fn handle_supervisor_evt(
        &self,
        myself: ActorRef<()>,
        evt: SupervisionEvent,
        workers: &mut Self::State,
    ) -> Res<()> {
        if let SupervisionEvent::ActorFailed(cell, _)
        | SupervisionEvent::ActorTerminated(cell, _, _) = evt
        {
            if let Some(name) = workers.remove(&cell.get_id()) {
                let (w, _) =
                    Actor::spawn_linked(Some(name.clone()), Worker, (), myself.get_cell()).await?;
                workers.insert(w.get_id(), name);
            }
        }
        Ok(())
    }
}

/// Crash the worker registered as `name`, then call it by name until the restarted worker
/// answers; the time from the crash request to that answer.
async fn crash_and_wait(name: &str) -> Duration {
    let t0 = Instant::now();
    if let Some(w) = ActorRef::<WMsg>::where_is(name) {
        let _ = call!(w, WMsg::Crash);
    }
    loop {
        if let Some(w) = ActorRef::<WMsg>::where_is(name) {
            if call!(w, WMsg::Work, 0).is_ok() {
                return t0.elapsed();
            }
        }
        tokio::task::yield_now().await;
    }
}

const SUP_NOTE: &str = "supervisor actor: spawn_linked named workers, re-spawned on \
                        ActorFailed/ActorTerminated; crash = handle returns Err; called by name \
                        (registry::where_is), retried until the restarted worker answers";

fn restart(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let crashes = args.usize("crashes", 200);
    rep.param("crashes", crashes);
    let lat = run_on(rt, async move {
        let (_sup, _h) = Actor::spawn(None, Sup, vec!["worker".to_string()])
            .await
            .expect("supervisor");
        let mut lat = Vec::with_capacity(crashes);
        for _ in 0..crashes {
            lat.push(crash_and_wait("worker").await);
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
    let r = run_on(rt, async move {
        let names: Arc<Vec<String>> = Arc::new((0..children).map(|i| format!("w{i}")).collect());
        let (_sup, _h) = Actor::spawn(None, Sup, names.to_vec())
            .await
            .expect("supervisor");
        let barrier = Arc::new(Barrier::new(clients + 1));
        let mut handles = Vec::with_capacity(clients);
        for j in 0..clients {
            let (names, b) = (names.clone(), barrier.clone());
            handles.push(tokio::spawn(async move {
                b.wait().await;
                let n = &names;
                iso_client_loop(
                    n.len(),
                    j,
                    clients,
                    requests,
                    |c| crash_and_wait(&n[c]),
                    |c, k| async move {
                        match ActorRef::<WMsg>::where_is(n[c].as_str()) {
                            Some(w) => call!(w, WMsg::Work, k).is_ok(),
                            None => false,
                        }
                    },
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
        let mut actors = Vec::with_capacity(n);
        let step = n.div_ceil(IDLE_STEPS);
        let rss_before = rss_bytes();
        let t0 = Instant::now();
        let mut infeasible = None;
        while actors.len() < n {
            let end = (actors.len() + step).min(n);
            while actors.len() < end {
                // Actor::spawn returns once pre_start has run: the actor is up and waiting.
                actors.push(Actor::spawn(None, Idle, ()).await.expect("spawn"));
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
        tokio::task::yield_now().await;
        let rss_after = rss_bytes();
        let t1 = Instant::now();
        for (a, _) in &actors {
            let _ = a.cast(());
        }
        for (_, h) in actors {
            let _ = h.await;
        }
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
