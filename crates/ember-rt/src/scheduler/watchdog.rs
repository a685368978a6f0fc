//! The watchdog (sysmon): no process can freeze the others by not yielding.
//!
//! Rust cannot interrupt a poll, so a process that computes for a long time without reaching
//! an await — or blocks its thread in a system call — keeps its worker thread. The watchdog
//! makes sure it keeps *only* that thread:
//!
//! 1. Every worker publishes "in a poll since T" (`WorkerStats::poll_start`).
//! 2. A watchdog thread looks every 1–10 ms (sooner when a poll nears the limit). A poll older
//!    than `T_detect` (default 10 ms) gets its slot marked `replaced`, under the slot's wake
//!    lock: the wakes buffered by the stuck poll move to the injector, and later wakes go there
//!    directly.
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
    while !sched.is_shutdown() {
        let now = rt.now_ns();
        let mut next = detect;
        for (i, slot) in sched.slots.iter().enumerate() {
            if !slot.in_use.load(Ordering::Acquire) || slot.replaced.load(Ordering::Acquire) {
                continue;
            }
            let start = slot.stats.poll_start.load(Ordering::Acquire);
            if start == 0 {
                continue;
            }
            let age = now.saturating_sub(start);
            if age >= detect_ns {
                hand_off(rt, i, start);
            } else {
                next = next.min(Duration::from_nanos(detect_ns - age));
            }
        }
        std::thread::sleep(next.clamp(Duration::from_millis(1), Duration::from_millis(10)));
    }
}

/// Give the work of slot `i`, stuck in the poll that started at `start`, to other threads.
fn hand_off(rt: &Arc<RtInner>, i: usize, start: u64) {
    let sched = &rt.sched;
    let slot = &sched.slots[i];
    {
        let mut wakes = slot.wakes.lock();
        if slot.stats.poll_start.load(Ordering::Acquire) != start {
            return; // the poll ended meanwhile
        }
        slot.replaced.store(true, Ordering::Release);
        for p in wakes.drain(..) {
            sched.injector.push(p);
        }
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
