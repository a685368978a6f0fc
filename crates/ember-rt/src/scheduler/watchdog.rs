//! The watchdog (sysmon): no process can freeze the others by not yielding.
//!
//! Rust cannot interrupt a poll, so a process that computes for a long time without reaching
//! an await — or blocks its thread in a system call — keeps its worker thread. The watchdog
//! makes sure it keeps *only* that thread:
//!
//! 1. Every worker publishes `polls << 1 | in_poll` (`WakeSlot::poll_state`) with plain
//!    stores: no clock is read on the poll path.
//! 2. A watchdog thread samples every slot every 1–10 ms (sooner when a poll nears the limit).
//!    The same odd value seen for longer than `T_detect` (default 10 ms) is a stuck poll: its
//!    slot is marked `replaced`, under the slot's wake lock, the wakes buffered by the stuck
//!    poll move to the injector, and later wakes go there directly. The same samples give each
//!    worker's utilization.
//!    Before acting it asks the OS about the poll's thread: one that burned CPU for at least a
//!    quarter of the poll's age is a hog, one that is blocked (sleeping, in IO) is stuck in a
//!    call; one that is runnable but hardly ran is merely waiting for a CPU (the machine is
//!    busy) and keeps its work — moving it would not help.
//! 3. The stuck thread is demoted to nice 19 (so the OS favours the threads doing useful
//!    work), and a spare thread is started on a free slot. Everything the stuck worker had
//!    queued is in its deque — reachable by stealing — because its LIFO slot is empty during a
//!    poll. The spare and the other workers steal it.
//! 4. When the stuck poll returns, its worker sees `replaced`, hands what it still holds to the
//!    injector, and retires if there are more threads than configured workers (otherwise it
//!    restores its priority and goes on).
//!
//! No process is lost or run twice: a process is always in exactly one of a deque, the
//! injector, a wake buffer or a LIFO slot, or being polled, and every move between them is a
//! crossbeam queue operation or happens under the wake lock. Spare threads are capped
//! (`max_spare_threads`); reaching the cap raises an alarm (a `tracing` warning and a counter
//! in the runtime stats) and the work waits for a thread to come back.

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use super::{os, worker};
use crate::runtime::RtInner;
use crate::sync::Ordering;

/// Start the watchdog thread.
pub(crate) fn start(rt: &Arc<RtInner>) -> std::io::Result<JoinHandle<()>> {
    let rt = rt.clone();
    std::thread::Builder::new()
        .name(format!("{}-watchdog", rt.config.thread_name))
        .spawn(move || run(&rt))
}

fn run(rt: &Arc<RtInner>) {
    let sched = &rt.sched;
    let detect = sched.config.detect;
    let detect_ns = detect.as_nanos() as u64;
    // Per slot: the poll state last seen, when it was first seen, and the owner's CPU time then.
    let mut seen: Vec<Seen> = vec![Seen::default(); sched.slots.len()];
    while !sched.is_shutdown() {
        let now = rt.now_ns();
        let mut next = detect;
        for (i, slot) in sched.slots.iter().enumerate() {
            if !slot.in_use.load(Ordering::Acquire) {
                seen[i] = Seen::default();
                continue;
            }
            let stats = &slot.stats;
            let state = slot.handoff.poll_state.load(Ordering::Acquire);
            stats.samples.fetch_add(1, Ordering::Relaxed);
            if state & 1 == 0 {
                seen[i] = Seen {
                    state,
                    ..Seen::default()
                };
                stats.poll_seen_at.store(0, Ordering::Relaxed);
                continue;
            }
            stats.busy_samples.fetch_add(1, Ordering::Relaxed);
            let clock = slot.cpu_clock.load(Ordering::Relaxed);
            if seen[i].state != state {
                seen[i] = Seen {
                    state,
                    since: now,
                    cpu: os::thread_cpu_ns(clock),
                };
                stats.poll_seen_at.store(now.max(1), Ordering::Relaxed);
                continue;
            }
            let age = now.saturating_sub(seen[i].since);
            if slot.handoff.is_replaced() {
                continue;
            }
            if age >= detect_ns {
                if stuck(&seen[i], age, clock, slot.tid.load(Ordering::Relaxed)) {
                    hand_off(rt, i, state);
                }
            } else {
                next = next.min(Duration::from_nanos(detect_ns - age));
            }
        }
        reap_retired(rt);
        std::thread::sleep(next.clamp(Duration::from_millis(1), Duration::from_millis(10)));
    }
}

/// Join the threads that have retired (spares whose stuck worker came back), so their stacks
/// are released now rather than at shutdown.
fn reap_retired(rt: &RtInner) {
    let finished: Vec<JoinHandle<()>> = {
        let mut threads = rt.threads.lock();
        if !threads.iter().any(JoinHandle::is_finished) {
            return;
        }
        let (done, running) = std::mem::take(&mut *threads)
            .into_iter()
            .partition(JoinHandle::is_finished);
        *threads = running;
        done
    };
    for t in finished {
        let _ = t.join();
    }
}

/// What the watchdog remembers of the poll it last saw on a slot.
#[derive(Clone, Copy, Default)]
struct Seen {
    state: u64,
    since: u64,
    cpu: Option<u64>,
}

/// A long poll is *stuck* — its slot's work must move — if its thread burns CPU (a hog) or is
/// blocked in the OS (a blocking call). A thread that is runnable but hardly ran is only
/// waiting for a CPU the OS gave to someone else: moving its work to another thread would not
/// help, and demoting it would make its poll slower still. Where the OS does not tell, every
/// long poll counts as stuck.
fn stuck(seen: &Seen, age: u64, clock: i32, tid: i32) -> bool {
    let (Some(before), Some(now)) = (seen.cpu, os::thread_cpu_ns(clock)) else {
        return true;
    };
    let burned = now.saturating_sub(before);
    if burned.saturating_mul(4) >= age {
        return true;
    }
    !os::thread_runnable(tid).unwrap_or(false)
}

/// Give the work of slot `i`, stuck in the poll whose state is `state`, to other threads.
fn hand_off(rt: &Arc<RtInner>, i: usize, state: u64) {
    let sched = &rt.sched;
    let slot = &sched.slots[i];
    if !slot.handoff.take_over(state, |p| sched.injector.push(p)) {
        return; // the poll ended meanwhile
    }
    os::set_nice(slot.tid.load(Ordering::Relaxed), 19);
    let range = sched.config.workers..sched.slots.len();
    match worker::spawn_worker(rt, range) {
        Ok(true) => {
            sched.spares_started.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(target: "ember::watchdog", worker = i, "poll stuck; work handed to a spare thread");
        }
        Ok(false) => {
            sched.spare_cap_alarms.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                target: "ember::watchdog",
                worker = i,
                cap = sched.config.max_spare,
                "poll stuck and the spare-thread cap is reached"
            );
        }
        Err(e) => {
            tracing::warn!(target: "ember::watchdog", worker = i, error = %e, "could not start a spare thread");
        }
    }
    sched.idle.notify_one();
}
