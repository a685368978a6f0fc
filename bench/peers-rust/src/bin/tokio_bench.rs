//! Raw tokio peer: a "process" is a `tokio::spawn`ed task, its mailbox an mpsc channel.
//! Multi-thread runtime with `--workers` worker threads (default 2). See bench/README.md.

use peers_common::*;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot, Barrier};

const SYSTEM: &str = "tokio";

fn main() {
    let args = Args::parse();
    let workers = args.usize("workers", 2);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_time()
        .build()
        .expect("runtime");
    let mut rep = Reporter::new(SYSTEM, &args.workload);
    rep.param("workers", workers);
    match args.workload.as_str() {
        "spawn" => spawn_bench(&rt, &args, rep),
        "ring" => ring(&rt, &args, rep),
        "pingpong" => pingpong(&rt, &args, rep),
        "skynet" => skynet_bench(&rt, &args, rep),
        "call" => call(&rt, &args, rep),
        "fairness" => fairness(&rt, &args, rep),
        "kill" => kill(&rt, &args, rep),
        "restart" | "crash_isolation" => no_supervisor(&args, rep),
        "idle10m" => idle10m(&rt, &args, rep),
        w => usage_exit(&format!("unknown workload {w}")),
    }
    hard_exit(0)
}

/// Run `fut` as a task on the runtime (not on the main thread) and wait for it.
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

fn spawn_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 1_000_000);
    rep.param("n", n);
    let (spawn_t, settle_t, release_t, rss0, rss1) = run_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let mut mailboxes: Vec<mpsc::UnboundedSender<u64>> = Vec::with_capacity(n);
        let rss0 = rss_bytes();
        let t0 = Instant::now();
        for _ in 0..n {
            let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
            let (s, f) = (started.clone(), finished.clone());
            tokio::spawn(async move {
                s.fetch_add(1, Ordering::Release);
                let _ = rx.recv().await;
                f.fetch_add(1, Ordering::Release);
            });
            mailboxes.push(tx);
        }
        let spawn_t = t0.elapsed();
        wait_count(&started, n).await;
        let settle_t = t0.elapsed();
        let rss1 = rss_bytes();
        let t1 = Instant::now();
        for tx in &mailboxes {
            let _ = tx.send(0);
        }
        wait_count(&finished, n).await;
        let release_t = t1.elapsed();
        drop(mailboxes);
        (spawn_t, settle_t, release_t, rss0, rss1)
    });
    emit_spawn(&rep, n, spawn_t, settle_t, release_t, rss0, rss1);
}

fn ring(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let procs = args.usize("procs", 1000).max(2);
    let laps = args.u64("laps", 1000);
    rep.param("procs", procs).param("laps", laps);
    let hops = procs as u64 * laps;
    let elapsed = run_on(rt, async move {
        let (done_tx, done_rx) = oneshot::channel::<()>();
        let mut done_tx = Some(done_tx);
        let (txs, rxs): (Vec<_>, Vec<_>) =
            (0..procs).map(|_| mpsc::unbounded_channel::<u64>()).unzip();
        // Process i forwards to process i+1; the token starts at process 0 with value hops and,
        // since hops is a multiple of procs, comes back to process 0 with value 0.
        for (i, mut rx) in rxs.into_iter().enumerate() {
            let next = txs[(i + 1) % procs].clone();
            let mut done = if i == 0 { done_tx.take() } else { None };
            tokio::spawn(async move {
                while let Some(v) = rx.recv().await {
                    if v == 0 {
                        if let Some(d) = done.take() {
                            let _ = d.send(());
                        }
                        return;
                    }
                    let _ = next.send(v - 1);
                }
            });
        }
        let first_tx = txs[0].clone();
        drop(txs);
        let t0 = Instant::now();
        let _ = first_tx.send(hops);
        let _ = done_rx.await;
        t0.elapsed()
    });
    report_ring(&rep, procs, laps, elapsed);
}

fn pingpong(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let pairs = args.usize("pairs", 1000);
    let trips = args.u64("trips", 1000);
    rep.param("pairs", pairs).param("trips", trips);
    let elapsed = run_on(rt, async move {
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<()>();
        let t0 = Instant::now();
        for _ in 0..pairs {
            let (ping_tx, mut ping_rx) = mpsc::unbounded_channel::<u64>();
            let (pong_tx, mut pong_rx) = mpsc::unbounded_channel::<u64>();
            tokio::spawn(async move {
                while let Some(v) = ping_rx.recv().await {
                    if pong_tx.send(v).is_err() {
                        break;
                    }
                }
            });
            let done = done_tx.clone();
            tokio::spawn(async move {
                for i in 0..trips {
                    let _ = ping_tx.send(i);
                    let _ = pong_rx.recv().await;
                }
                let _ = done.send(());
            });
        }
        for _ in 0..pairs {
            done_rx.recv().await;
        }
        t0.elapsed()
    });
    report_pingpong(&rep, pairs, trips, elapsed);
}

type BoxFut = Pin<Box<dyn Future<Output = u64> + Send>>;

fn skynet(num: u64, size: u64, div: u64) -> BoxFut {
    Box::pin(async move {
        if size == 1 {
            return num;
        }
        let sub = size / div;
        let mut children = Vec::with_capacity(div as usize);
        for i in 0..div {
            children.push(tokio::spawn(skynet(num + i * sub, sub, div)));
        }
        let mut sum = 0;
        for c in children {
            sum += c.await.unwrap();
        }
        sum
    })
}

fn skynet_bench(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let leaves = args.u64("leaves", 1_000_000);
    rep.param("leaves", leaves);
    let (sum, elapsed) = run_on(rt, async move {
        let t0 = Instant::now();
        let sum = tokio::spawn(skynet(0, leaves, 10)).await.unwrap();
        (sum, t0.elapsed())
    });
    report_skynet(&rep, leaves, sum, elapsed);
}

type CallReq = (u64, oneshot::Sender<u64>);

fn call(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let callers = args.usize("callers", 100);
    let calls = args.u64("calls", 1000);
    rep.param("callers", callers).param("calls", calls);
    let (mut avgs, elapsed) = run_on(rt, async move {
        // The server: one task owning its state, serving requests in arrival order.
        let (srv_tx, mut srv_rx) = mpsc::unbounded_channel::<CallReq>();
        tokio::spawn(async move {
            let mut state: u64 = 0;
            while let Some((x, reply)) = srv_rx.recv().await {
                state = state.wrapping_add(x);
                let _ = reply.send(state);
            }
        });
        let barrier = Arc::new(Barrier::new(callers + 1));
        let (res_tx, mut res_rx) = mpsc::unbounded_channel::<f64>();
        for _ in 0..callers {
            let (srv, b, res) = (srv_tx.clone(), barrier.clone(), res_tx.clone());
            tokio::spawn(async move {
                b.wait().await;
                let t = Instant::now();
                for _ in 0..calls {
                    let (tx, rx) = oneshot::channel();
                    srv.send((1, tx)).unwrap();
                    std::hint::black_box(rx.await.unwrap());
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

fn spawn_hog(
    rt: &tokio::runtime::Runtime,
    kind: HogKind,
    sleep_ms: u64,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<()> {
    rt.spawn(async move {
        match kind {
            HogKind::Spin => {
                std::hint::black_box(spin_until(&stop));
            }
            HogKind::Yield => {
                let mut x = 1u64;
                while !stop.load(Ordering::Relaxed) {
                    x = spin_chunk(x);
                    tokio::task::yield_now().await;
                }
                std::hint::black_box(x);
            }
            HogKind::Sleep => sleep_until(&stop, sleep_ms),
        }
    })
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
        spawn_hog(rt, kind, sleep_ms, stop.clone());
    }
    std::thread::sleep(Duration::from_millis(50)); // let the hogs take the workers
                                                   // The coordinator is the main thread (not a worker), so a starved runtime cannot stop it
                                                   // from noticing the cap: results come back over a std channel with recv_timeout.
    let (res_tx, res_rx) = std::sync::mpsc::channel::<Vec<u64>>();
    let t0 = Instant::now();
    for _ in 0..light {
        let res = res_tx.clone();
        rt.spawn(async move {
            let (echo_tx, mut echo_rx) =
                mpsc::unbounded_channel::<(u64, mpsc::UnboundedSender<u64>)>();
            tokio::spawn(async move {
                while let Some((v, from)) = echo_rx.recv().await {
                    let _ = from.send(v);
                }
            });
            let (my_tx, mut my_rx) = mpsc::unbounded_channel::<u64>();
            let mut lat = Vec::with_capacity(trips);
            for i in 0..trips as u64 {
                let t = Instant::now();
                echo_tx.send((i, my_tx.clone())).unwrap();
                my_rx.recv().await.unwrap();
                lat.push(t.elapsed().as_nanos() as u64);
            }
            let _ = res.send(lat);
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
        let h = spawn_hog(rt, kind, sleep_ms, stop.clone());
        std::thread::sleep(Duration::from_millis(55));
        // The "monitor": a task awaiting the JoinHandle, which completes when the task is gone;
        // it takes the timestamp itself (the main thread only collects it, with a cap).
        let (tx, rx) = std::sync::mpsc::channel::<Instant>();
        let abort = h.abort_handle();
        rt.spawn(async move {
            let _ = h.await;
            let _ = tx.send(Instant::now());
        });
        std::thread::sleep(Duration::from_millis(5)); // the watcher is parked on the handle
        let t0 = Instant::now();
        abort.abort();
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
        Some("JoinHandle::abort; notification = JoinHandle completes"),
    );
}

// ---------------------------------------------------------------- restart, crash_isolation, idle10m

/// tokio has no supervisors: a task that re-spawns another on a `JoinError` is not one.
fn no_supervisor(args: &Args, mut rep: Reporter) {
    let note = "tokio has no supervisors (no links, no restart strategy); a watcher task \
                re-spawning on a JoinError would not be one";
    if args.workload == "restart" {
        rep.param("crashes", args.usize("crashes", 200));
        report_unsupported(&rep, "restart_p50_us", "us", note);
        report_unsupported(&rep, "restart_max_us", "us", note);
    } else {
        rep.param("children", args.usize("children", 10_000));
        for (m, u) in [
            ("served_share", "share"),
            ("restart_p50_us", "us"),
            ("restart_max_us", "us"),
            ("total_ms", "ms"),
        ] {
            report_unsupported(&rep, m, u, note);
        }
    }
}

fn idle10m(rt: &tokio::runtime::Runtime, args: &Args, mut rep: Reporter) {
    let n = args.usize("n", 10_000_000).max(1);
    rep.param("n", n);
    let budget = idle_budget_bytes(args);
    let r = run_on(rt, async move {
        let started = Arc::new(AtomicUsize::new(0));
        let finished = Arc::new(AtomicUsize::new(0));
        let mut mailboxes: Vec<mpsc::UnboundedSender<u64>> = Vec::with_capacity(n);
        let step = n.div_ceil(IDLE_STEPS);
        let rss_before = rss_bytes();
        let t0 = Instant::now();
        let mut infeasible = None;
        while mailboxes.len() < n {
            let end = (mailboxes.len() + step).min(n);
            while mailboxes.len() < end {
                let (tx, mut rx) = mpsc::unbounded_channel::<u64>();
                let (s, f) = (started.clone(), finished.clone());
                tokio::spawn(async move {
                    s.fetch_add(1, Ordering::Release);
                    let _ = rx.recv().await;
                    f.fetch_add(1, Ordering::Release);
                });
                mailboxes.push(tx);
            }
            if mailboxes.len() < n {
                infeasible = idle_over_budget(mailboxes.len(), n, rss_before, rss_bytes(), budget);
                if infeasible.is_some() {
                    break;
                }
            }
        }
        let spawn = t0.elapsed();
        let spawned = mailboxes.len();
        wait_count(&started, spawned).await;
        let rss_after = rss_bytes();
        let t1 = Instant::now();
        for tx in &mailboxes {
            let _ = tx.send(0);
        }
        wait_count(&finished, spawned).await;
        let release = t1.elapsed();
        drop(mailboxes);
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
    report_idle(&rep, &r);
}
