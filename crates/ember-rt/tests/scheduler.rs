//! otp-semantics section I (the parts that apply to ember): priorities, preemption at awaits
//! once the reduction budget is spent, and work spreading over the workers.
//!
//! Deviation (documented in lib.rs): a process that never reaches an await cannot be
//! preempted; these tests use spinners that await a runtime yield point on every iteration.
//! No assertion here measures time: the sleeps only give the spinners a window to run in.

mod common;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{builder, run_with};
use ember_rt::{Mailbox, Priority, SpawnOpts};

/// A process that counts its iterations, awaiting `yield_now` on each, until `stop`.
fn spinner(priority: Priority, count: Arc<AtomicU64>, stop: Arc<AtomicBool>) {
    ember_rt::spawn_opt(
        SpawnOpts::new().priority(priority),
        move |_: Mailbox<()>| async move {
            while !stop.load(Ordering::Relaxed) {
                count.fetch_add(1, Ordering::Relaxed);
                ember_rt::yield_now().await;
            }
        },
    )
    .expect("spawn");
}

fn counter() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}

/// I3. `high` is strict: while a high-priority process spins (yielding at every iteration), a
/// normal one on the same (single) worker does not run at all. The test's root runs at `max` so
/// it can watch.
#[test]
fn i03_high_priority_is_strict() {
    run_with(builder().workers(1), |_: Mailbox<()>| async move {
        ember_rt::set_priority(Priority::Max);
        let stop = Arc::new(AtomicBool::new(false));
        let (normal, high) = (counter(), counter());
        spinner(Priority::Normal, normal.clone(), stop.clone());
        common::wait_until("the normal spinner runs", || {
            normal.load(Ordering::Relaxed) > 0
        })
        .await;
        spinner(Priority::High, high.clone(), stop.clone());
        common::wait_until("the high spinner runs", || high.load(Ordering::Relaxed) > 0).await;
        let (n0, h0) = (normal.load(Ordering::Relaxed), high.load(Ordering::Relaxed));
        ember_rt::sleep(Duration::from_millis(200)).await;
        let (n1, h1) = (normal.load(Ordering::Relaxed), high.load(Ordering::Relaxed));
        stop.store(true, Ordering::Relaxed);
        assert!(h1 > h0, "the high spinner must keep running");
        assert_eq!(
            n1,
            n0,
            "a normal process ran {} times while a high one was runnable",
            n1 - n0
        );
    });
}

/// I3. `low` still progresses while normal processes are busy.
#[test]
fn i03_low_priority_progresses_under_load() {
    run_with(builder().workers(1), |_: Mailbox<()>| async move {
        ember_rt::set_priority(Priority::Max);
        let stop = Arc::new(AtomicBool::new(false));
        let (normal, low) = (counter(), counter());
        spinner(Priority::Normal, normal.clone(), stop.clone());
        spinner(Priority::Normal, normal.clone(), stop.clone());
        spinner(Priority::Low, low.clone(), stop.clone());
        common::wait_until("normal spinners run", || normal.load(Ordering::Relaxed) > 0).await;
        let l0 = low.load(Ordering::Relaxed);
        common::wait_until("the low spinner progresses", || {
            low.load(Ordering::Relaxed) > l0 + 10
        })
        .await;
        stop.store(true, Ordering::Relaxed);
    });
}

/// I3. `low` gets a smaller share than `normal` (the BEAM gives it 1/8; here only "less than
/// half" is asserted, a ratio, not a timing).
#[test]
fn i03_low_priority_gets_a_smaller_share() {
    run_with(builder().workers(1), |_: Mailbox<()>| async move {
        ember_rt::set_priority(Priority::Max);
        let stop = Arc::new(AtomicBool::new(false));
        let (normal, low) = (counter(), counter());
        spinner(Priority::Normal, normal.clone(), stop.clone());
        spinner(Priority::Low, low.clone(), stop.clone());
        common::wait_until("both run", || {
            normal.load(Ordering::Relaxed) > 0 && low.load(Ordering::Relaxed) > 0
        })
        .await;
        let (n0, l0) = (normal.load(Ordering::Relaxed), low.load(Ordering::Relaxed));
        ember_rt::sleep(Duration::from_millis(200)).await;
        let (n, l) = (
            normal.load(Ordering::Relaxed) - n0,
            low.load(Ordering::Relaxed) - l0,
        );
        stop.store(true, Ordering::Relaxed);
        assert!(l > 0, "low must progress");
        assert!(
            l * 2 < n,
            "low ran {l} times, normal {n} times: expected about 1/8"
        );
    });
}

/// I2. Preemption at awaits once the budget is spent: two spinners on one worker, each awaiting
/// a zero-timeout receive (a runtime await that does not yield by itself) in a tight loop.
/// They take turns, and no turn is longer than the budget allows (each await charges at least
/// one reduction), and turns are not single iterations (a await only yields once the budget
/// is spent).
#[test]
fn i02_budget_preemption_at_awaits() {
    const BUDGET: u32 = 200;
    run_with(
        builder().workers(1).budget(BUDGET),
        |_: Mailbox<()>| async move {
            let stop = Arc::new(AtomicBool::new(false));
            let last = Arc::new(AtomicUsize::new(usize::MAX));
            let switches = counter();
            let runs = Arc::new(Mutex::new(Vec::<u64>::new()));
            for id in 0..2usize {
                let (stop, last, switches, runs) =
                    (stop.clone(), last.clone(), switches.clone(), runs.clone());
                ember_rt::spawn(move |mut mb: Mailbox<()>| async move {
                    let mut run_len = 0u64;
                    while !stop.load(Ordering::Relaxed) {
                        if last.swap(id, Ordering::Relaxed) != id {
                            switches.fetch_add(1, Ordering::Relaxed);
                            if run_len > 0 {
                                runs.lock().expect("runs").push(run_len);
                            }
                            run_len = 0;
                        }
                        run_len += 1;
                        let _ = mb.recv_timeout(Duration::ZERO).await;
                    }
                });
            }
            common::wait_until("the spinners take turns", || {
                switches.load(Ordering::Relaxed) > 50
            })
            .await;
            stop.store(true, Ordering::Relaxed);
            let runs = runs.lock().expect("runs").clone();
            let longest = runs.iter().copied().max().unwrap_or(0);
            let shortest = runs.iter().copied().min().unwrap_or(0);
            assert!(
                longest <= u64::from(BUDGET) + 1,
                "a turn of {longest} iterations exceeds the budget of {BUDGET}"
            );
            assert!(
                shortest > 1,
                "turns of one iteration: the awaits yield without a spent budget ({runs:?})"
            );
        },
    );
}

/// I4/I5. Work spreads over the workers: with many runnable processes, both workers poll
/// them. (The processes keep going until a second worker thread has been seen, with a hang
/// guard, so a busy CI machine that delays the second thread does not fail the test.)
#[test]
fn i05_work_spreads_over_workers() {
    let rt = builder().build().expect("runtime");
    let threads = Arc::new(Mutex::new(HashSet::<String>::new()));
    let t2 = threads.clone();
    rt.run(move |mut mb: Mailbox<()>| async move {
        let deadline = std::time::Instant::now() + common::WAIT;
        let mut refs = Vec::new();
        for _ in 0..32 {
            let threads = t2.clone();
            let (_, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
                for i in 0.. {
                    let name = std::thread::current().name().unwrap_or("?").to_string();
                    let seen = {
                        let mut t = threads.lock().expect("threads");
                        t.insert(name);
                        t.len()
                    };
                    if (i >= 50 && seen >= 2) || std::time::Instant::now() > deadline {
                        break;
                    }
                    // Some work the runtime cannot see, then a yield point.
                    std::hint::black_box((0..2_000u64).sum::<u64>());
                    ember_rt::yield_now().await;
                }
            });
            refs.push(r);
        }
        for r in refs {
            common::down_for(&mut mb, r).await;
        }
    })
    .expect("root");
    let stats = rt.stats();
    let names = threads.lock().expect("threads").clone();
    assert!(names.len() >= 2, "all processes ran on {names:?}");
    assert!(stats.workers.len() >= 2, "{stats:?}");
    assert!(
        stats.workers.iter().filter(|w| w.polls > 0).count() >= 2,
        "{stats:?}"
    );
}
