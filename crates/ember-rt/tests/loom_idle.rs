//! Loom model of parking and waking idle workers (`src/scheduler/idle.rs`): a worker about to
//! park and a producer publishing work never miss each other (no lost wake-up), and with two
//! workers the "searching" rule (one wake-up in flight) still gets the work taken.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p ember-rt --release --test loom_idle`.
//! Like the other loom models, it compiles the runtime's own `idle.rs` and `sync.rs` by path.
//! A lost wake-up shows as a worker parked forever, which loom reports as a deadlock.

#![cfg(loom)]

#[allow(dead_code, unused_imports, unreachable_pub)]
#[path = "../src/sync.rs"]
mod sync;

#[allow(dead_code, unreachable_pub)]
#[path = "../src/scheduler/idle.rs"]
mod idle;

use idle::Idle;
use loom::sync::Arc;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

/// The worker loop around `Idle`, as `scheduler::worker::park` runs it: take work if there is
/// some, else announce, re-check, park. The worker that takes the last item stops everyone
/// (`stop` + `notify_all`, as a runtime shutdown does), so the model ends without spinning.
fn worker(
    i: usize,
    idle: &Idle,
    parker: &sync::Parker,
    work: &AtomicUsize,
    stop: &AtomicBool,
) -> usize {
    let mut searching = false;
    let mut taken = 0;
    loop {
        if work
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |w| w.checked_sub(1))
            .is_ok()
        {
            taken += 1;
            if searching {
                idle.found_work();
            }
            stop.store(true, Ordering::SeqCst);
            idle.notify_all();
            return taken;
        }
        if stop.load(Ordering::SeqCst) {
            return taken;
        }
        idle.announce(i, std::mem::take(&mut searching));
        if work.load(Ordering::SeqCst) > 0 || stop.load(Ordering::SeqCst) {
            searching = idle.retract(i);
            continue;
        }
        parker.park();
        searching = idle.retract(i);
    }
}

/// `loom::model` with a default preemption bound of 3 (override with `LOOM_MAX_PREEMPTIONS`).
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}

#[test]
fn loom_idle_one_worker_never_sleeps_through_work() {
    model(|| {
        let (idle, mut parkers) = Idle::new(1);
        let idle = Arc::new(idle);
        let work = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let parker = parkers.remove(0);
        let w = {
            let (idle, work, stop) = (idle.clone(), work.clone(), stop.clone());
            thread::spawn(move || worker(0, &idle, &parker, &work, &stop))
        };
        // The producer: publish, then wake. A lost wake-up leaves the worker parked: deadlock.
        work.fetch_add(1, Ordering::SeqCst);
        idle.notify_one();
        assert_eq!(w.join().unwrap(), 1);
    });
}

#[test]
fn loom_idle_two_workers_one_wakeup_in_flight_still_takes_the_work() {
    model(|| {
        let (idle, parkers) = Idle::new(2);
        let idle = Arc::new(idle);
        let work = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = parkers
            .into_iter()
            .enumerate()
            .map(|(i, parker)| {
                let (idle, work, stop) = (idle.clone(), work.clone(), stop.clone());
                thread::spawn(move || worker(i, &idle, &parker, &work, &stop))
            })
            .collect();
        work.fetch_add(1, Ordering::SeqCst);
        idle.notify_one();
        let taken: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(taken, 1);
    });
}
