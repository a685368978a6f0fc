//! # Chaos soak: a supervision tree of ~10,000 GenServers under fire (issue #6, part 2)
//!
//! ```sh
//! cargo run --release -p ember-soak -- --seconds 600              # the long soak
//! cargo run --release -p ember-soak -- --seconds 5 --workers 2000 # CI (ci/soak.sh)
//! ```
//!
//! Options: `--seconds N` (chaos duration, default 10), `--workers N` (default 10000),
//! `--seed S` (default 1), `--rate N` (injections per second, default 500), `--loaders N`
//! (load-generator processes, default 64).
//!
//! ## The tree (shares of `--workers`)
//! ```text
//! soak-root            one_for_one, 100000 restarts / 5 s
//! ├── o4o-*            one_for_one,  100 workers each   (50 %)
//! ├── r4o-*            rest_for_one,  50 workers each   (20 %)
//! ├── o4a-*            one_for_all,   25 workers each   (10 %)
//! ├── dyn-*            DynamicSupervisor, 500 workers each, added with start_child (20 %)
//! └── fragile-parent   one_for_one, 1000 restarts / 5 s
//!     └── fragile      one_for_one, 3 restarts / 5 s, 5 workers: pushed past its intensity
//! ```
//! Every worker is a registered GenServer. Of every 20: 15 are permanent, 3 transient, 2
//! temporary; one in 4 traps exits (and stops on an exit from a non-parent); one in 8 has
//! `brutal_kill` shutdown. Group supervisors allow 10000 restarts in 5 s: generous, so they
//! survive.
//!
//! ## What runs
//! - `--loaders` load generators call random workers (by name, or through a handle cached from
//!   an earlier call, which may be dead by now) with a 2 s timeout, and check every reply.
//! - A chaos process (high priority) injects `--rate` faults per second into random workers:
//!   `exit(pid, Kill)`, a poison cast that makes the server panic, `exit(pid, Shutdown)`. Every
//!   2 s it also kills a random group supervisor (its parent restarts it, with all children),
//!   and every 2 s it kills the fragile supervisor's workers 5 times in a row, so it gives up
//!   and is restarted by its parent.
//! - A churn process starts and terminates DynamicSupervisor children all along.
//! - Supervisor reports are counted by a `tracing` layer (restarts, give-ups, crashes).
//!
//! ## What is checked (exit code 1 if any fails)
//! 1. No hang: the run finishes (a guard thread aborts with exit code 3 otherwise), every
//!    helper process ends, every call returned (`started == answered + failed`), none later
//!    than its timeout + 1 s, and every answer was the right one.
//! 2. No leak: after the chaos, the live processes are exactly the tree (the supervisors and
//!    the running children they list: temporary children and transient ones stopped cleanly
//!    are legitimately gone) plus the main process; after stopping the tree, only the main
//!    process is left and no process is stuck exiting.
//! 3. Intensity honoured: `fragile` gave up at least once, each time it was restarted by its
//!    parent, and no other supervisor gave up; the root restarted a group at least once per
//!    group kill; the root is the original one.
//! 4. Memory: RSS with the tree up after the chaos is at most RSS with the tree up before it
//!    plus max(16 MiB, half the tree's own footprint). The slack covers what the chaos phase
//!    itself holds (load generators, messages and restarts in flight) and allocator slack;
//!    a leak scales with the faults instead: one leaked process (~1 KiB) per injected fault
//!    is 25 MiB in a 60 s run and 200 MiB in the 10-minute one.
//!
//! RSS is only a faithful measure with one malloc arena. glibc gives threads their own arenas
//! (up to 8 per core) and never moves free pages between them, so as the watchdog's spare
//! threads come and go, RSS climbs while the live heap stays flat: measured on the full tree,
//! heaptrack saw the heap flat at 23 MB during 40 s of chaos while RSS went from 36 to 45 MB;
//! with `MALLOC_ARENA_MAX=1` RSS stayed between 28.5 and 28.9 MB for 60 s. So the soak runs
//! itself again with `MALLOC_ARENA_MAX=1` unless the variable is set (set it to compare).

mod chaos;
mod stats;
mod tree;

use std::collections::HashSet;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ember::otp::dynamic_supervisor::DynamicSupervisor;
use ember::otp::supervisor::{Flags, Supervisor};
use ember::rt::{ExitReason, Mailbox, Message, Ref, Runtime};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use chaos::{STOP, chaos, churn, load_generator, sampler};
use stats::{NOTES, ReportCounter, STATS, get, group, mib, proc_status_kib, rss_kib};
use tree::{census, child_pid, child_sup, plan};

/// The timeout of every call of the load generators.
const CALL_TIMEOUT: Duration = Duration::from_secs(2);

/// The command line.
#[derive(Debug, Clone)]
struct Args {
    seconds: u64,
    workers: usize,
    seed: u64,
    rate: u64,
    loaders: usize,
}

impl Args {
    fn parse() -> Args {
        let mut a = Args {
            seconds: 10,
            workers: 10_000,
            seed: 1,
            rate: 500,
            loaders: 64,
        };
        let argv: Vec<String> = std::env::args().skip(1).collect();
        let mut it = argv.iter();
        while let Some(flag) = it.next() {
            let mut value = || -> u64 {
                let v = it.next().and_then(|v| v.parse().ok());
                v.unwrap_or_else(|| usage(&format!("{flag} needs a number")))
            };
            match flag.as_str() {
                "--seconds" => a.seconds = value(),
                "--workers" => a.workers = value() as usize,
                "--seed" => a.seed = value(),
                "--rate" => a.rate = value(),
                "--loaders" => a.loaders = value().max(1) as usize,
                "-h" | "--help" => usage(""),
                other => usage(&format!("unknown option {other}")),
            }
        }
        if a.workers < 100 {
            usage("--workers must be at least 100");
        }
        a
    }
}

fn usage(problem: &str) -> ! {
    eprintln!("{problem}");
    eprintln!("usage: chaos_soak [--seconds N] [--workers N] [--seed S] [--rate N] [--loaders N]");
    std::process::exit(if problem.is_empty() { 0 } else { 2 })
}

/// What the run measured inside the runtime (RSS in KiB).
#[derive(Default)]
struct Outcome {
    supervisors: usize,
    workers: usize,
    procs_start: usize,
    procs_settled: usize,
    tree_settled: usize,
    procs_stopped: usize,
    exiting_stopped: usize,
    root_restarts: u64,
    fragile_restarts: u64,
    rss_base: u64,
    rss_tree: u64,
    rss_settled: u64,
    rss_stopped: u64,
    rss_trend: Vec<u64>,
    build: Duration,
    settle: Duration,
    failures: Vec<String>,
}

/// Wait up to `limit` for the `Down`s of `refs` (those that came are removed). An `Exit`
/// meanwhile can only come from the root supervisor: a failure.
async fn await_downs(
    mb: &mut Mailbox<()>,
    refs: &mut HashSet<Ref>,
    limit: Duration,
    o: &mut Outcome,
) {
    let deadline = Instant::now() + limit;
    while !refs.is_empty() {
        match mb
            .recv_any_timeout(deadline.saturating_duration_since(Instant::now()))
            .await
        {
            Some(Message::Down(d)) => {
                refs.remove(&d.reference);
            }
            Some(Message::Exit(e)) => o.failures.push(format!("the root exited: {}", e.reason)),
            Some(Message::User(())) => {}
            None => return,
        }
    }
}

async fn soak(mut mb: Mailbox<()>, args: Args) -> Outcome {
    let mut o = Outcome::default();
    let me = mb.pid().untyped();
    ember::rt::trap_exit(true);
    o.rss_base = rss_kib();

    // Build the tree and fill the dynamic supervisors.
    let t = Instant::now();
    let plan = plan(args.workers);
    (o.supervisors, o.workers) = (plan.supervisors, plan.workers);
    let names = Arc::new(plan.names);
    let flags = Flags::one_for_one()
        .intensity(100_000)
        .period(5)
        .name("soak-root");
    let root = match Supervisor::start_link(flags, plan.root).await {
        Ok(root) => root,
        Err(e) => {
            o.failures.push(format!("the tree did not start: {e}"));
            return o;
        }
    };
    let mut dynamic = vec![];
    for (id, specs) in plan.dynamic {
        let ds = child_pid(root, &id).await.map(DynamicSupervisor::from_pid);
        let Some(Ok(ds)) = ds else {
            o.failures.push(format!("{id} does not run"));
            return o;
        };
        for spec in specs {
            if let Err(e) = ds.start_child(spec).await {
                o.failures.push(format!("{id}: start_child: {e}"));
            }
        }
        dynamic.push(ds);
    }
    o.build = t.elapsed();
    match census(root, me).await {
        Ok((_, live, diff)) if diff.is_empty() => o.procs_start = live,
        Ok((_, _, diff)) => o
            .failures
            .push(format!("tree != processes at start: {diff:?}")),
        Err(e) => o.failures.push(e),
    }
    o.rss_tree = rss_kib();

    // Load, chaos, churn and sampling; the chaos process ends by itself, then the others.
    let mut helpers = HashSet::new();
    let samples = Arc::new(Mutex::new(vec![]));
    for i in 0..args.loaders {
        let (names, seed) = (names.clone(), args.seed.wrapping_add(i as u64 * 7919));
        helpers.insert(spawn_helper(move || load_generator(names, seed)));
    }
    let sampled = samples.clone();
    helpers.insert(spawn_helper(move || sampler(sampled)));
    let seed = args.seed;
    helpers.insert(spawn_helper(move || churn(dynamic, seed)));
    let (a, n) = (args.clone(), names.clone());
    let mut chaos_ref = HashSet::from([spawn_helper(move || chaos(root, n, a))]);
    let limit = Duration::from_secs(args.seconds + 60);
    await_downs(&mut mb, &mut chaos_ref, limit, &mut o).await;
    if !chaos_ref.is_empty() {
        o.failures.push("the chaos process did not finish".into());
    }
    STOP.store(true, Relaxed);
    await_downs(
        &mut mb,
        &mut helpers,
        CALL_TIMEOUT + Duration::from_secs(30),
        &mut o,
    )
    .await;
    if !helpers.is_empty() {
        o.failures.push(format!(
            "{} helpers did not finish (hung calls)",
            helpers.len()
        ));
    }
    let trend = samples.lock().unwrap_or_else(|e| e.into_inner()).clone();
    o.rss_trend = (1..=8)
        .map(|q| trend[(trend.len() * q / 8).saturating_sub(1)])
        .collect();

    // Settle (every exit in flight handled), then the tree must be exactly the processes.
    let t = Instant::now();
    let mut last = Err("no census".to_string());
    while t.elapsed() < Duration::from_secs(30) {
        last = census(root, me).await;
        if matches!(&last, Ok((_, _, diff)) if diff.is_empty()) {
            break;
        }
        ember::rt::sleep(Duration::from_millis(100)).await;
    }
    o.settle = t.elapsed();
    match last {
        Ok((tree, live, diff)) => {
            (o.tree_settled, o.procs_settled) = (tree, live);
            if !diff.is_empty() {
                o.failures
                    .push(format!("tree ({tree}) != processes ({live}): {diff:?}"));
            }
        }
        Err(e) => o.failures.push(e),
    }
    o.rss_settled = rss_kib();
    if Supervisor::whereis("soak-root") != Some(root) {
        o.failures
            .push("the root supervisor is not the original one".into());
    }
    o.root_restarts = root.restart_count().await.unwrap_or(u64::MAX);
    o.fragile_restarts = match child_sup(root, "fragile-parent").await {
        Some(fp) => fp.restart_count().await.unwrap_or(u64::MAX),
        None => u64::MAX,
    };

    // Stop the tree: only this process may remain, none stuck exiting.
    if let Err(e) = root.stop(ExitReason::Shutdown).await {
        o.failures.push(format!("stopping the tree: {e}"));
    }
    let t = Instant::now();
    loop {
        o.procs_stopped = ember::rt::processes().len();
        o.exiting_stopped = ember::rt::runtime_stats().exiting;
        let clean = o.procs_stopped == 1 && o.exiting_stopped == 0;
        if clean || t.elapsed() > Duration::from_secs(10) {
            break;
        }
        ember::rt::sleep(Duration::from_millis(10)).await;
    }
    for z in ember::rt::zombies().iter().take(5) {
        let (reason, age) = (z.exit_reason.as_ref(), z.exiting_for.unwrap_or_default());
        o.failures.push(format!(
            "{} ({}) still listed as exiting, reason {reason:?}, for {age:?}",
            z.pid, z.message_type
        ));
    }
    o.rss_stopped = rss_kib();
    o
}

/// Spawn a helper process monitored by the caller; its monitor reference.
fn spawn_helper<F, Fut>(f: F) -> Ref
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    ember::rt::spawn_monitor(move |_: Mailbox<()>| f()).1
}

fn main() {
    let args = Args::parse();
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // One malloc arena, so that RSS tracks the live heap (see the crate docs).
        let me = std::env::current_exe().expect("the path of this program");
        let status = std::process::Command::new(me)
            .args(std::env::args_os().skip(1))
            .env("MALLOC_ARENA_MAX", "1")
            .status()
            .expect("run again with one malloc arena");
        std::process::exit(status.code().unwrap_or(3));
    }
    tracing_subscriber::registry().with(ReportCounter).init();
    let guard_after = Duration::from_secs(args.seconds * 3 + 180);
    std::thread::spawn(move || {
        std::thread::sleep(guard_after);
        println!("chaos_soak: FAIL: no end after {guard_after:?}: deadlock or hang");
        std::process::exit(3);
    });
    let rss_start = rss_kib();
    let started = Instant::now();
    let rt = Runtime::new().expect("runtime starts");
    let a = args.clone();
    let mut o = match rt.run(move |mb: Mailbox<()>| soak(mb, a)) {
        Ok(o) => o,
        Err(reason) => Outcome {
            failures: vec![format!("the main process died: {reason}")],
            ..Outcome::default()
        },
    };
    let stats = rt.stats();
    rt.shutdown();
    drop(rt);
    let rss = [rss_start, proc_status_kib("VmHWM"), rss_kib()];
    let tolerance = check(&mut o);
    println!(
        "chaos soak: {} s of chaos, {} workers, seed {}, {} faults/s, {} loaders, {} schedulers \
         ({} spare threads started), MALLOC_ARENA_MAX={}; took {:.1} s (tree built in {:.2} s, settled in {:.2} s)",
        args.seconds,
        args.workers,
        args.seed,
        args.rate,
        args.loaders,
        stats.workers.len(),
        stats.spare_threads_started,
        std::env::var("MALLOC_ARENA_MAX").unwrap_or_default(),
        started.elapsed().as_secs_f64(),
        o.build.as_secs_f64(),
        o.settle.as_secs_f64()
    );
    report(&o, rss, tolerance);
    std::process::exit(if o.failures.is_empty() { 0 } else { 1 });
}

/// The checks on the figures; returns the RSS tolerance used (KiB).
fn check(o: &mut Outcome) -> u64 {
    let s = &STATS;
    let (failed, _) = group("fail_");
    let answered = get(&s.call_served) + get(&s.call_wrong_reply);
    let mut f = vec![];
    if get(&s.call_made) != answered + failed {
        f.push(format!(
            "calls made {} != answered {answered} + failed {failed}",
            get(&s.call_made)
        ));
    }
    for (c, what) in [
        (&s.call_overdue, "calls returned after their timeout"),
        (&s.call_wrong_reply, "wrong replies"),
        (
            &s.gave_up_other,
            "give-ups by supervisors other than fragile",
        ),
    ] {
        if get(c) > 0 {
            f.push(format!("{} {what}", get(c)));
        }
    }
    if get(&s.call_served) == 0 {
        f.push("no call was served".into());
    }
    let gave_up = get(&s.gave_up_fragile);
    if gave_up == 0 || o.fragile_restarts != gave_up {
        f.push(format!(
            "fragile gave up {gave_up} times, restarted {} times",
            o.fragile_restarts
        ));
    }
    if o.root_restarts < get(&s.chaos_group_kills) || o.root_restarts == u64::MAX {
        f.push(format!(
            "root restarted {} times for {} group kills",
            o.root_restarts,
            get(&s.chaos_group_kills)
        ));
    }
    if o.procs_stopped != 1 || o.exiting_stopped != 0 {
        f.push(format!(
            "after stop: {} processes, {} exiting; expected only main",
            o.procs_stopped, o.exiting_stopped
        ));
    }
    let tolerance = (16 * 1024).max(o.rss_tree.saturating_sub(o.rss_base) / 2);
    if o.rss_settled > o.rss_tree + tolerance {
        f.push(format!(
            "RSS after the chaos {} > tree {} + {}",
            mib(o.rss_settled),
            mib(o.rss_tree),
            mib(tolerance)
        ));
    }
    o.failures.extend(f);
    tolerance
}

fn report(o: &Outcome, [rss_start, peak, rss_final]: [u64; 3], tolerance: u64) {
    let s = &STATS;
    let (failed, fails) = group("fail_");
    let (injected, kinds) = group("inj_");
    println!("tree: {} supervisors, {} workers", o.supervisors, o.workers);
    println!(
        "calls: {} made, {} served, {} wrong, {failed} failed ({fails}), {} past their timeout",
        get(&s.call_made),
        get(&s.call_served),
        get(&s.call_wrong_reply),
        get(&s.call_overdue)
    );
    println!(
        "crashes injected: {} ({kinds}; missed = name not registered at that instant); \
         group supervisors killed {}, fragile workers killed {}",
        injected - get(&s.inj_missed),
        get(&s.chaos_group_kills),
        get(&s.chaos_fragile_kills)
    );
    println!(
        "reports: {}; root restarts {}",
        group("rep_").1,
        o.root_restarts
    );
    println!(
        "intensity: fragile gave up {} times and was restarted {} times by its parent; \
         other supervisors gave up {} times",
        get(&s.gave_up_fragile),
        o.fragile_restarts,
        get(&s.gave_up_other)
    );
    println!("dynamic supervisor churn: {}", group("dyn_").1);
    println!(
        "processes: {} at start, {} after the chaos (tree lists {}), {} after stopping the tree \
         ({} exiting)",
        o.procs_start + 1,
        o.procs_settled + 1,
        o.tree_settled + 1,
        o.procs_stopped,
        o.exiting_stopped
    );
    let trend: Vec<String> = o.rss_trend.iter().map(|k| mib(*k)).collect();
    println!(
        "RSS: {} at launch, {} runtime up, {} tree up, [{}] during the chaos (by eighths), \
         peak {}, {} after the chaos (limit {} = tree + {}), {} tree stopped, {} runtime shut down",
        mib(rss_start),
        mib(o.rss_base),
        mib(o.rss_tree),
        trend.join(", "),
        mib(peak),
        mib(o.rss_settled),
        mib(o.rss_tree + tolerance),
        mib(tolerance),
        mib(o.rss_stopped),
        mib(rss_final)
    );
    for n in NOTES.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        println!("  note: {n}");
    }
    for f in &o.failures {
        println!("chaos_soak: FAIL: {f}");
    }
    if o.failures.is_empty() {
        println!("chaos_soak: PASS");
    }
}
