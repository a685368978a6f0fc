//! One worker thread: pick a process, poll it once under `catch_unwind`, repeat; park when idle.
//!
//! After each poll the worker looks at its slot's `replaced` flag: if the watchdog handed its
//! work to a spare thread while the poll was stuck, the worker pushes what it still holds (the
//! process it just polled, if runnable, and the wakes of that poll) to the injector, and
//! retires if there are more threads than configured workers.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use crossbeam_deque::{Steal, Worker as Deque};
use crossbeam_utils::sync::Parker;

use super::{Scheduler, budget, os, steal_one};
use crate::process::raw::WakerRef;
use crate::process::{CurrentGuard, Pcb, terminate_reaped};
use crate::runtime::RtInner;
use crate::sync::Ordering;
use crate::{ExitReason, Priority, panic};

const MAX_LIFO_STREAK: u8 = 3;
const LOW_EVERY: u32 = 8;
const INJECTOR_EVERY: u32 = 61;

/// What a worker thread owns: its slot's deque, its LIFO slot and its parker.
struct Core {
    index: usize,
    local: Deque<Arc<Pcb>>,
    lifo: Option<Arc<Pcb>>,
    lifo_streak: u8,
    tick: u32,
    parker: Parker,
    /// Counted in `Idle::searching` (woken by a producer, no process found yet).
    searching: bool,
}

thread_local! {
    /// (scheduler address, slot index, inside a poll) for the worker running on this thread.
    static SLOT: Cell<Option<(usize, usize, bool)>> = const { Cell::new(None) };
}

/// If this thread is polling a process for `sched`, buffer the wake in its slot.
pub(crate) fn buffer_wake(sched: &Scheduler, pcb: Arc<Pcb>) -> Result<(), Arc<Pcb>> {
    match SLOT.get() {
        Some((addr, index, true)) if addr == sched as *const Scheduler as usize => {
            // Refused once the watchdog took the slot over: the caller then injects.
            sched.slots[index].handoff.buffer(pcb)
        }
        _ => Err(pcb),
    }
}

fn set_polling(on: bool) {
    if let Some((a, i, _)) = SLOT.get() {
        SLOT.set(Some((a, i, on)));
    }
}

/// Start a worker thread on a free slot in `range`. Returns `false` if no slot is free.
pub(crate) fn spawn_worker(
    rt: &Arc<RtInner>,
    range: std::ops::Range<usize>,
) -> std::io::Result<bool> {
    let Some((index, deque, parker)) = rt.sched.claim_slot(range) else {
        return Ok(false);
    };
    let name = format!("{}-worker-{index}", rt.config.thread_name);
    let rt2 = rt.clone();
    match std::thread::Builder::new()
        .name(name)
        .spawn(move || run(rt2, index, deque, parker))
    {
        Ok(handle) => {
            rt.threads.lock().push(handle);
            Ok(true)
        }
        Err(e) => {
            // The deque and parker went down with the closure: the slot stays claimed (unused).
            rt.sched.active.fetch_sub(1, Ordering::AcqRel);
            Err(e)
        }
    }
}

/// The worker thread's main loop.
fn run(rt: Arc<RtInner>, index: usize, local: Deque<Arc<Pcb>>, parker: Parker) {
    let sched: &Scheduler = &rt.sched;
    let slot = &sched.slots[index];
    slot.tid.store(os::current_tid(), Ordering::Relaxed);
    slot.cpu_clock
        .store(os::current_thread_clock(), Ordering::Relaxed);
    SLOT.set(Some((sched as *const Scheduler as usize, index, false)));
    crate::runtime::set_thread_runtime(Some(rt.clone()));
    let driver = rt.driver.enter();
    let mut core = Core {
        index,
        local,
        lifo: None,
        lifo_streak: 0,
        tick: 0,
        parker,
        searching: false,
    };
    let mut woken = Vec::with_capacity(8);
    while !sched.is_shutdown() {
        let Some(pcb) = next_task(&mut core, sched) else {
            park(&mut core, sched);
            continue;
        };
        if core.searching {
            core.searching = false;
            sched.idle.found_work();
        }
        let (again, replaced) = run_task(&rt, index, pcb, &mut woken);
        if replaced {
            if hand_off(sched, &mut core, again, &mut woken) {
                break;
            }
        } else {
            if let Some(p) = again {
                // A process that yielded goes to the back of its priority's queue.
                match p.priority() {
                    Priority::Normal => core.local.push(p),
                    _ => sched.push_shared(p),
                }
            }
            flush_wakes(&mut core, sched, &mut woken);
        }
    }
    drop(driver);
    SLOT.set(None);
    crate::runtime::set_thread_runtime(None);
    if !sched.is_shutdown() {
        sched.release_slot(core.index, core.local, core.parker);
    }
}

/// The watchdog gave this slot's work away during the last poll: give back what this thread
/// still holds. Returns `true` if the thread must retire.
fn hand_off(
    sched: &Scheduler,
    core: &mut Core,
    again: Option<Arc<Pcb>>,
    woken: &mut Vec<Arc<Pcb>>,
) -> bool {
    let slot = &sched.slots[core.index];
    for p in again.into_iter().chain(woken.drain(..)) {
        sched.push_shared(p);
    }
    slot.handoff.clear_replaced();
    let retire = sched.active.load(Ordering::Acquire) > sched.config.workers;
    if retire {
        if let Some(p) = core.lifo.take() {
            sched.injector.push(p);
        }
        while let Some(p) = core.local.pop() {
            sched.injector.push(p);
        }
    } else {
        os::set_nice(slot.tid.load(Ordering::Relaxed), 0);
    }
    sched.idle.notify_one();
    retire
}

fn next_task(core: &mut Core, sched: &Scheduler) -> Option<Arc<Pcb>> {
    core.tick = core.tick.wrapping_add(1);
    if let Some(p) = steal_one(&sched.high) {
        // Keep the LIFO slot empty during every poll (the watchdog relies on it).
        if let Some(l) = core.lifo.take() {
            core.local.push(l);
        }
        return Some(p);
    }
    if let Some(p) = core.lifo.take() {
        if core.lifo_streak < MAX_LIFO_STREAK {
            core.lifo_streak += 1;
            return Some(p);
        }
        core.local.push(p);
    }
    core.lifo_streak = 0;
    if core.tick % LOW_EVERY == 0 {
        if let Some(p) = steal_one(&sched.low) {
            return Some(p);
        }
    }
    if core.tick % INJECTOR_EVERY == 0 {
        if let Some(p) = steal_one(&sched.injector) {
            return Some(p);
        }
    }
    core.local
        .pop()
        .or_else(|| steal_batch(&sched.injector, &core.local))
        .or_else(|| steal_from_others(core, sched))
        .or_else(|| steal_one(&sched.low))
}

fn steal_batch(
    q: &crossbeam_deque::Injector<Arc<Pcb>>,
    local: &Deque<Arc<Pcb>>,
) -> Option<Arc<Pcb>> {
    loop {
        match q.steal_batch_and_pop(local) {
            Steal::Success(p) => return Some(p),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

fn steal_from_others(core: &Core, sched: &Scheduler) -> Option<Arc<Pcb>> {
    let n = sched.slots.len();
    for k in 1..n {
        let victim = &sched.slots[(core.index + k) % n].stealer;
        loop {
            match victim.steal_batch_and_pop(&core.local) {
                Steal::Success(p) => return Some(p),
                Steal::Empty => break,
                Steal::Retry => std::hint::spin_loop(),
            }
        }
    }
    None
}

fn flush_wakes(core: &mut Core, sched: &Scheduler, woken: &mut Vec<Arc<Pcb>>) {
    let mut stealable = false;
    for (i, p) in woken.drain(..).enumerate() {
        if i == 0 {
            if let Some(old) = core.lifo.replace(p) {
                core.local.push(old);
                stealable = true;
            }
        } else {
            core.local.push(p);
            stealable = true;
        }
    }
    if stealable && sched.idle.sleeping() > 0 {
        sched.idle.notify_one();
    }
}

fn park(core: &mut Core, sched: &Scheduler) {
    sched
        .idle
        .announce(core.index, std::mem::take(&mut core.searching));
    if sched.has_work() || sched.is_shutdown() {
        core.searching = sched.idle.retract(core.index);
        return;
    }
    // The timeout is a safety net only; wake-ups come from `notify_one`.
    core.parker.park_timeout(Duration::from_millis(100));
    core.searching = sched.idle.retract(core.index);
}

/// Poll `pcb` once, collecting the processes it woke into `woken`. Returns the process if it
/// must be queued again (it yielded or was woken meanwhile), and whether the watchdog took this
/// worker's slot over during the poll.
fn run_task(
    rt: &Arc<RtInner>,
    index: usize,
    pcb: Arc<Pcb>,
    woken: &mut Vec<Arc<Pcb>>,
) -> (Option<Arc<Pcb>>, bool) {
    if !pcb.sched.start_run() {
        return (None, false);
    }
    // SAFETY: `start_run` made this thread the owner of the RUNNING state; the reference is
    // dropped before `end_run`/`finish` give it up.
    let slot = unsafe { pcb.future.get_mut() };
    if !pcb.is_alive() || slot.is_none() {
        let fut = slot.take();
        finish(&pcb, fut, None);
        return (None, false);
    }
    let handoff = &rt.sched.slots[index].handoff;
    let state = handoff.start_poll();
    let guard = CurrentGuard::enter(&pcb);
    budget::start_slice(rt.sched.budget);
    set_polling(true);
    let result = {
        let waker = WakerRef::new(&pcb);
        let mut cx = Context::from_waker(waker.get());
        match slot.as_mut() {
            Some(fut) => {
                panic::in_process(|| catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))))
            }
            None => Ok(Poll::Pending),
        }
    };
    set_polling(false);
    let used = budget::end_slice();
    pcb.reductions.fetch_add(used, Ordering::Relaxed);
    let replaced = handoff.finish_poll(state, woken);
    let reason = match result {
        Ok(Poll::Pending) if pcb.is_alive() => {
            drop(guard);
            return (pcb.sched.end_run().then_some(pcb), replaced);
        }
        Ok(Poll::Pending) => None, // killed during the poll
        Ok(Poll::Ready(reason)) => Some(reason),
        Err(payload) => {
            let reason = panic::reason_from_payload(payload);
            report_panic(&pcb, &reason);
            Some(reason)
        }
    };
    let fut = slot.take();
    finish(&pcb, fut, reason);
    drop(guard);
    (None, replaced)
}

/// A panic that escaped a process body: the runtime's crash report (Erlang: "Error in process
/// ..."). Panics a behaviour catches itself are reported by the behaviour.
fn report_panic(pcb: &Pcb, reason: &ExitReason) {
    if let ExitReason::Panic { message, location } = reason {
        tracing::error!(
            target: "ember::process",
            pid = %crate::Pid::<crate::Untyped>::from_raw(pcb.pid),
            message = %message,
            location = location.as_deref().unwrap_or("unknown"),
            "process panicked"
        );
    }
}

/// Drop the future (on this worker, its destructors under `catch_unwind`), then run the exit
/// logic if the process is not already logically dead.
fn finish(pcb: &Arc<Pcb>, fut: Option<crate::process::BoxFuture>, reason: Option<ExitReason>) {
    if let Some(fut) = fut {
        let _ = panic::in_process(|| catch_unwind(AssertUnwindSafe(move || drop(fut))));
    }
    // Ended by its own return or panic: it never was a zombie, unless a kill won the race.
    let listed = match reason {
        Some(reason) => !terminate_reaped(pcb, reason),
        None => true,
    };
    pcb.mark_dead(listed);
    pcb.sched.finish();
}
