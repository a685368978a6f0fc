//! The watchdog (sysmon): no process can freeze the others by not yielding.
//!
//! Rust cannot interrupt a poll, so a process that computes for a long time without reaching
//! an await — or blocks its thread in a system call — keeps its worker thread. The watchdog
//! makes sure it keeps *only* that thread:
//!
//! 1. Every worker publishes `polls << 1 | in_poll` (`WorkerStats::poll_state`) with plain
//!    stores: no clock is read on the poll path.
//! 2. A watchdog thread samples every slot every 1–10 ms (sooner when a poll nears the limit).
//!    The same odd value seen for longer than `T_detect` (default 10 ms) is a stuck poll: its
//!    slot is marked `replaced`, under the slot's wake lock, the wakes buffered by the stuck
//!    poll move to the injector, and later wakes go there directly. The same samples give each
//!    worker's utilization.
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
    // Per slot: the poll state last seen and when it was first seen.
    let mut seen: Vec<(u64, u64)> = vec![(0, 0); sched.slots.len()];
    while !sched.is_shutdown() {
        let now = rt.now_ns();
        let mut next = detect;
        for (i, slot) in sched.slots.iter().enumerate() {
            if !slot.in_use.load(Ordering::Acquire) {
                seen[i] = (0, 0);
                continue;
            }
            let stats = &slot.stats;
            let state = slot.handoff.poll_state.load(Ordering::Acquire);
            stats.samples.fetch_add(1, Ordering::Relaxed);
            if state & 1 == 0 {
                seen[i] = (state, 0);
                stats.poll_seen_at.store(0, Ordering::Relaxed);
                continue;
            }
            stats.busy_samples.fetch_add(1, Ordering::Relaxed);
            if seen[i].0 != state {
                seen[i] = (state, now);
                stats.poll_seen_at.store(now.max(1), Ordering::Relaxed);
                continue;
            }
            let age = now.saturating_sub(seen[i].1);
            if slot.handoff.is_replaced() {
                continue;
            }
            if age >= detect_ns {
                hand_off(rt, i, state);
            } else {
                next = next.min(Duration::from_nanos(detect_ns - age));
            }
        }
        std::thread::sleep(next.clamp(Duration::from_millis(1), Duration::from_millis(10)));
    }
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
