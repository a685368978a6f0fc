//! The scheduler: worker threads running processes, with work stealing, priorities and a
//! watchdog.
//!
//! Who owns what:
//! - A **slot** is a place for one worker thread: a FIFO deque (its owner pops the front,
//!   anyone steals from it), a parker, counters, and a *wake buffer*. There are `workers`
//!   slots in use at start and `max_spare_threads` more for spare threads started by the
//!   watchdog. A thread owns its slot's deque and LIFO slot; everything else in a slot is shared.
//! - A process woken by the running process (a send, a spawn) goes to the running worker's
//!   wake buffer; when the poll ends the first one goes to the LIFO slot so it runs next on this
//!   core (message ping-pong stays on one core), the rest to the deque. A LIFO streak is capped
//!   at 3 polls so two chatty processes cannot starve the deque. Wakes from outside a poll (IO
//!   and timer driver, other threads) go to the global injector.
//! - `high`/`max` processes go to a global high queue that every worker checks first (strict,
//!   as in the BEAM); `low` ones to a low queue taken every 8th decision or when nothing else
//!   is runnable, so `low` progresses under load. Every 61st decision takes from the injector
//!   first, so injected processes are not starved by a busy deque.
//! - During a poll the LIFO slot is empty and every queued process of the worker sits in its
//!   deque or wake buffer, both reachable by other threads — this is what makes the watchdog
//!   handoff cheap (no per-poll locking): see `watchdog`.
//!
//! Preemption happens only at runtime awaits, after the slice's budget of reductions is spent
//! (`budget`), never by interrupting a poll (design note G5).
//!
//! Shutdown: the runtime sets `shutdown`, wakes every worker, and each worker leaves its loop at
//! its next scheduling decision; queued processes are dropped by the runtime afterwards.

pub(crate) mod budget;
pub(crate) mod dirty;
pub(crate) mod handoff;
pub(crate) mod idle;
pub(crate) mod os;
pub(crate) mod watchdog;
pub(crate) mod worker;

use std::sync::Arc;
use std::time::Duration;

use crossbeam_deque::{Injector, Steal, Stealer, Worker as Deque};
use crossbeam_utils::sync::Parker;

use crate::Priority;
use crate::process::Pcb;
use crate::sync::{AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Mutex, Ordering};
use handoff::WakeSlot;
use idle::Idle;

/// Per-slot counters, written by the slot's worker (plain stores, no clock reads on the poll
/// path) and sampled by the watchdog.
#[derive(Default)]
pub(crate) struct WorkerStats {
    /// Watchdog samples taken of this slot, and how many found it inside a poll.
    pub(crate) samples: AtomicU64,
    pub(crate) busy_samples: AtomicU64,
    /// Nanoseconds since runtime start at which the watchdog first saw the current poll (0 if
    /// not in a poll at the last sample).
    pub(crate) poll_seen_at: AtomicU64,
}

/// A place for one worker thread (see the module docs).
pub(crate) struct Slot {
    pub(crate) stealer: Stealer<Arc<Pcb>>,
    /// The deque and parker while no thread owns the slot.
    parked: Mutex<Option<(Deque<Arc<Pcb>>, Parker)>>,
    pub(crate) stats: WorkerStats,
    /// Processes woken by the process being polled on this slot's thread, the watchdog's
    /// takeover flag and the poll counter (see `handoff`).
    pub(crate) handoff: WakeSlot<Arc<Pcb>>,
    pub(crate) in_use: AtomicBool,
    /// OS thread id of the owner (for priority demotion and its run state).
    pub(crate) tid: AtomicI32,
    /// The owner's CPU-time clock (to tell a hog from a thread the OS is not running).
    pub(crate) cpu_clock: AtomicI32,
}

/// Scheduler settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SchedConfig {
    pub(crate) workers: usize,
    pub(crate) budget: u32,
    pub(crate) max_spare: usize,
    pub(crate) detect: Duration,
}

/// State shared by all workers of one runtime.
pub(crate) struct Scheduler {
    pub(crate) config: SchedConfig,
    pub(crate) budget: u32,
    pub(crate) injector: Injector<Arc<Pcb>>,
    pub(crate) high: Injector<Arc<Pcb>>,
    pub(crate) low: Injector<Arc<Pcb>>,
    pub(crate) slots: Vec<Slot>,
    pub(crate) idle: Idle,
    /// Threads currently owning a slot.
    pub(crate) active: AtomicUsize,
    /// Spare threads started by the watchdog, in total.
    pub(crate) spares_started: AtomicU64,
    /// Times the watchdog needed a spare thread but the cap was reached.
    pub(crate) spare_cap_alarms: AtomicU64,
    shutdown: AtomicBool,
}

impl Scheduler {
    pub(crate) fn new(config: SchedConfig) -> Scheduler {
        let total = config.workers + config.max_spare;
        let (idle, parkers) = Idle::new(total);
        let slots = parkers
            .into_iter()
            .map(|parker| {
                let deque = Deque::new_fifo();
                Slot {
                    stealer: deque.stealer(),
                    parked: Mutex::new(Some((deque, parker))),
                    stats: WorkerStats::default(),
                    handoff: WakeSlot::default(),
                    in_use: AtomicBool::new(false),
                    tid: AtomicI32::new(0),
                    cpu_clock: AtomicI32::new(0),
                }
            })
            .collect();
        Scheduler {
            config,
            budget: config.budget,
            injector: Injector::new(),
            high: Injector::new(),
            low: Injector::new(),
            slots,
            idle,
            active: AtomicUsize::new(0),
            spares_started: AtomicU64::new(0),
            spare_cap_alarms: AtomicU64::new(0),
            shutdown: AtomicBool::new(false),
        }
    }

    /// Claim a free slot for a new thread: its index, deque and parker.
    pub(crate) fn claim_slot(
        &self,
        range: std::ops::Range<usize>,
    ) -> Option<(usize, Deque<Arc<Pcb>>, Parker)> {
        for i in range {
            let slot = &self.slots[i];
            if slot
                .in_use
                .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                if let Some((d, p)) = slot.parked.lock().take() {
                    self.active.fetch_add(1, Ordering::AcqRel);
                    return Some((i, d, p));
                }
                slot.in_use.store(false, Ordering::Release);
            }
        }
        None
    }

    /// Give a slot back when its thread retires (its deque must be empty).
    pub(crate) fn release_slot(&self, i: usize, deque: Deque<Arc<Pcb>>, parker: Parker) {
        let slot = &self.slots[i];
        *slot.parked.lock() = Some((deque, parker));
        slot.tid.store(0, Ordering::Relaxed);
        slot.in_use.store(false, Ordering::Release);
        self.active.fetch_sub(1, Ordering::AcqRel);
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

    /// Queue a runnable process on the shared queue of its priority (never a worker's own).
    pub(crate) fn push_shared(&self, pcb: Arc<Pcb>) {
        match pcb.priority() {
            Priority::High | Priority::Max => self.high.push(pcb),
            Priority::Low => self.low.push(pcb),
            Priority::Normal => self.injector.push(pcb),
        }
        self.idle.notify_one();
    }

    /// Whether any queue holds work (used before parking).
    pub(crate) fn has_work(&self) -> bool {
        !self.high.is_empty()
            || !self.injector.is_empty()
            || !self.low.is_empty()
            || self.slots.iter().any(|s| !s.stealer.is_empty())
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
        for s in &self.slots {
            while !matches!(s.stealer.steal(), Steal::Empty) {}
            s.handoff.clear();
        }
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
