//! One worker thread: pick a process, poll it once under `catch_unwind`, repeat; park when idle.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use crossbeam_deque::{Steal, Worker as Deque};
use crossbeam_utils::sync::Parker;

use super::{Scheduler, budget, steal_one};
use crate::process::{CurrentGuard, Pcb, terminate};
use crate::runtime::RtInner;
use crate::sync::Ordering;
use crate::{ExitReason, panic};

const MAX_LIFO_STREAK: u8 = 3;
const LOW_EVERY: u32 = 8;
const INJECTOR_EVERY: u32 = 61;

/// What a worker owns: its run queue and LIFO slot.
pub(crate) struct Core {
    index: usize,
    local: Deque<Arc<Pcb>>,
    lifo: Option<Arc<Pcb>>,
    lifo_streak: u8,
    tick: u32,
    parker: Parker,
}

impl Core {
    pub(crate) fn new(index: usize, local: Deque<Arc<Pcb>>, parker: Parker) -> Core {
        Core { index, local, lifo: None, lifo_streak: 0, tick: 0, parker }
    }
}

/// Wakes made by the process being polled on this thread, flushed into the core after the poll.
struct WakeBuffer {
    /// Identity of the scheduler this thread works for.
    sched: *const Scheduler,
    polling: bool,
    woken: Vec<Arc<Pcb>>,
}

thread_local! {
    static BUFFER: RefCell<Option<WakeBuffer>> = const { RefCell::new(None) };
}

/// If this thread is a worker of `sched` inside a poll, buffer the wake and return `Ok`.
pub(crate) fn buffer_wake(sched: &Scheduler, pcb: Arc<Pcb>) -> Result<(), Arc<Pcb>> {
    BUFFER.with(|b| match b.try_borrow_mut() {
        Ok(mut b) => match b.as_mut() {
            Some(buf) if buf.polling && std::ptr::eq(buf.sched, sched) => {
                buf.woken.push(pcb);
                Ok(())
            }
            _ => Err(pcb),
        },
        Err(_) => Err(pcb),
    })
}

fn set_polling(on: bool) {
    BUFFER.with(|b| {
        if let Some(buf) = b.borrow_mut().as_mut() {
            buf.polling = on;
        }
    });
}

/// The worker thread's main loop.
pub(crate) fn run(rt: Arc<RtInner>, mut core: Core) {
    let sched: &Scheduler = &rt.sched;
    BUFFER.with(|b| {
        *b.borrow_mut() = Some(WakeBuffer { sched, polling: false, woken: Vec::with_capacity(8) })
    });
    crate::runtime::set_thread_runtime(Some(rt.clone()));
    let _driver = rt.driver.enter();
    let mut spare = Vec::with_capacity(8);
    while !sched.is_shutdown() {
        match next_task(&mut core, sched) {
            Some(pcb) => {
                if let Some(again) = run_task(&rt, core.index, pcb) {
                    core.local.push(again);
                }
                flush_wakes(&mut core, sched, &mut spare);
            }
            None => park(&mut core, sched),
        }
    }
    BUFFER.with(|b| *b.borrow_mut() = None);
    crate::runtime::set_thread_runtime(None);
}

fn next_task(core: &mut Core, sched: &Scheduler) -> Option<Arc<Pcb>> {
    core.tick = core.tick.wrapping_add(1);
    if let Some(p) = steal_one(&sched.high) {
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

fn steal_batch(q: &crossbeam_deque::Injector<Arc<Pcb>>, local: &Deque<Arc<Pcb>>) -> Option<Arc<Pcb>> {
    loop {
        match q.steal_batch_and_pop(local) {
            Steal::Success(p) => return Some(p),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}

fn steal_from_others(core: &Core, sched: &Scheduler) -> Option<Arc<Pcb>> {
    let n = sched.stealers.len();
    for k in 1..n {
        let victim = &sched.stealers[(core.index + k) % n];
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

fn flush_wakes(core: &mut Core, sched: &Scheduler, spare: &mut Vec<Arc<Pcb>>) {
    BUFFER.with(|b| {
        if let Some(buf) = b.borrow_mut().as_mut() {
            std::mem::swap(&mut buf.woken, spare);
        }
    });
    let mut stealable = false;
    for (i, p) in spare.drain(..).enumerate() {
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
    sched.idle.announce(core.index);
    if sched.has_work() || sched.is_shutdown() {
        sched.idle.retract(core.index);
        return;
    }
    // The timeout is a safety net only; wake-ups come from `notify_one`.
    core.parker.park_timeout(Duration::from_millis(100));
    sched.idle.retract(core.index);
}

/// Poll `pcb` once. Returns it if it must be queued again (it yielded or was woken meanwhile).
fn run_task(rt: &Arc<RtInner>, index: usize, pcb: Arc<Pcb>) -> Option<Arc<Pcb>> {
    if !pcb.sched.start_run() {
        return None;
    }
    let mut slot = pcb.future.lock();
    if !pcb.is_alive() || slot.is_none() {
        let fut = slot.take();
        drop(slot);
        finish(&pcb, fut, None);
        return None;
    }
    let stats = &rt.sched.stats[index];
    let start = rt.now_ns().max(1);
    stats.poll_start.store(start, Ordering::Release);
    let guard = CurrentGuard::enter(pcb.clone());
    budget::start_slice(rt.sched.budget);
    set_polling(true);
    let waker = Waker::from(pcb.clone());
    let mut cx = Context::from_waker(&waker);
    let result = {
        let fut = slot.as_mut().expect("checked above");
        panic::in_process(|| catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))))
    };
    set_polling(false);
    let used = budget::end_slice();
    pcb.reductions.fetch_add(used, Ordering::Relaxed);
    stats.poll_start.store(0, Ordering::Release);
    stats.busy_ns.fetch_add(rt.now_ns().saturating_sub(start), Ordering::Relaxed);
    stats.polls.fetch_add(1, Ordering::Relaxed);
    let reason = match result {
        Ok(Poll::Pending) if pcb.is_alive() => {
            drop(slot);
            drop(guard);
            return pcb.sched.end_run().then_some(pcb);
        }
        Ok(Poll::Pending) => None, // killed during the poll
        Ok(Poll::Ready(reason)) => Some(reason),
        Err(payload) => Some(panic::reason_from_payload(payload)),
    };
    let fut = slot.take();
    drop(slot);
    finish(&pcb, fut, reason);
    drop(guard);
    None
}

/// Drop the future (on this worker, its destructors under `catch_unwind`), then run the exit
/// logic if the process is not already logically dead.
fn finish(pcb: &Arc<Pcb>, fut: Option<crate::process::BoxFuture>, reason: Option<ExitReason>) {
    if let Some(fut) = fut {
        let _ = panic::in_process(|| catch_unwind(AssertUnwindSafe(move || drop(fut))));
    }
    if let Some(reason) = reason {
        terminate(pcb, reason);
    }
    pcb.mark_dead();
    pcb.sched.finish();
}

