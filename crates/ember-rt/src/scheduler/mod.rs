//! The scheduler: N worker threads running processes, with work stealing and priorities.
//!
//! Who owns what:
//! - Each worker owns a *core*: a FIFO deque (others may steal from its back end) and a LIFO
//!   slot. A process woken by the running process (a message send, a spawn) is buffered during
//!   the poll and, when the poll ends, the first one goes to the LIFO slot so it runs next on
//!   this core (message ping-pong stays on one core, cache-warm); the rest go to the deque. A
//!   LIFO streak is capped at 3 polls so two chatty processes cannot starve the deque.
//! - Wakes from outside a poll (the IO/timer driver, other threads) go to a global injector.
//! - `high` (and `max`) processes go to a global high queue that every worker checks first
//!   (strict, as in the BEAM); `low` processes go to a low queue taken every 8th scheduling
//!   decision or when there is nothing else, so `low` progresses under load.
//! - Every 61st decision a worker takes from the injector first, so injected processes are not
//!   starved by a busy local deque.
//!
//! Preemption happens only at runtime awaits, after the slice's budget of reductions is spent
//! (`budget`), never by interrupting a poll (design note G5).
//!
//! The worker loop keeps the core separate from the thread and publishes "in poll since T" per
//! worker, so a watchdog can hand the core of a stuck worker to another thread (design note,
//! watchdog; see the fairness issue).
//!
//! Shutdown: the runtime sets `shutdown`, wakes every worker, and each worker leaves its loop at
//! its next scheduling decision; queued processes are dropped by the runtime afterwards.

pub(crate) mod budget;
pub(crate) mod idle;
pub(crate) mod worker;

use std::sync::Arc;

use crossbeam_deque::{Injector, Steal, Stealer};

use crate::Priority;
use crate::process::Pcb;
use crate::sync::{AtomicBool, AtomicU64, Ordering};
use idle::Idle;

/// Per-worker counters, readable by introspection and the watchdog.
#[derive(Default)]
pub(crate) struct WorkerStats {
    /// Nanoseconds (since runtime start) at which the current poll began; 0 when not polling.
    pub(crate) poll_start: AtomicU64,
    /// Total nanoseconds spent polling processes.
    pub(crate) busy_ns: AtomicU64,
    /// Number of polls.
    pub(crate) polls: AtomicU64,
}

/// State shared by all workers of one runtime.
pub(crate) struct Scheduler {
    pub(crate) budget: u32,
    pub(crate) injector: Injector<Arc<Pcb>>,
    pub(crate) high: Injector<Arc<Pcb>>,
    pub(crate) low: Injector<Arc<Pcb>>,
    pub(crate) stealers: Vec<Stealer<Arc<Pcb>>>,
    pub(crate) idle: Idle,
    pub(crate) stats: Vec<WorkerStats>,
    shutdown: AtomicBool,
}

impl Scheduler {
    /// Build the shared part and the per-worker cores.
    pub(crate) fn new(workers: usize, budget: u32) -> (Scheduler, Vec<worker::Core>) {
        let (idle, parkers) = Idle::new(workers);
        let mut cores = Vec::with_capacity(workers);
        let mut stealers = Vec::with_capacity(workers);
        for (index, parker) in parkers.into_iter().enumerate() {
            let local = crossbeam_deque::Worker::new_fifo();
            stealers.push(local.stealer());
            cores.push(worker::Core::new(index, local, parker));
        }
        let sched = Scheduler {
            budget,
            injector: Injector::new(),
            high: Injector::new(),
            low: Injector::new(),
            stealers,
            idle,
            stats: (0..workers).map(|_| WorkerStats::default()).collect(),
            shutdown: AtomicBool::new(false),
        };
        (sched, cores)
    }

    /// Queue a process that has just become runnable (it is SCHEDULED).
    pub(crate) fn push(&self, pcb: Arc<Pcb>) {
        let pcb = match pcb.priority() {
            Priority::High | Priority::Max => {
                self.high.push(pcb);
                self.idle.notify_one();
                return;
            }
            Priority::Low => {
                self.low.push(pcb);
                self.idle.notify_one();
                return;
            }
            Priority::Normal => pcb,
        };
        if let Err(pcb) = worker::buffer_wake(self, pcb) {
            self.injector.push(pcb);
            self.idle.notify_one();
        }
    }

    /// Whether any queue holds work (used before parking).
    pub(crate) fn has_work(&self) -> bool {
        !self.high.is_empty()
            || !self.injector.is_empty()
            || !self.low.is_empty()
            || self.stealers.iter().any(|s| !s.is_empty())
    }

    pub(crate) fn is_shutdown(&self) -> bool {
        self.shutdown.load(Ordering::Acquire)
    }

    pub(crate) fn shutdown(&self) {
        self.shutdown.store(true, Ordering::Release);
        self.idle.notify_all();
    }

    /// Drop every queued process handle (after the workers stopped).
    pub(crate) fn drain(&self) {
        for q in [&self.injector, &self.high, &self.low] {
            while steal_one(q).is_some() {}
        }
        for s in &self.stealers {
            while !matches!(s.steal(), Steal::Empty) {}
        }
    }

    /// Lengths of the run queues: per worker, then injector, high, low.
    pub(crate) fn queue_lengths(&self) -> (Vec<usize>, usize, usize, usize) {
        (
            self.stealers.iter().map(|s| s.len()).collect(),
            self.injector.len(),
            self.high.len(),
            self.low.len(),
        )
    }
}

/// Take one process from a shared queue, retrying on contention.
pub(crate) fn steal_one(q: &Injector<Arc<Pcb>>) -> Option<Arc<Pcb>> {
    loop {
        match q.steal() {
            Steal::Success(p) => return Some(p),
            Steal::Empty => return None,
            Steal::Retry => std::hint::spin_loop(),
        }
    }
}
