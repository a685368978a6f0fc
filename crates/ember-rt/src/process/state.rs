//! The scheduling state machine of one process.
//!
//! ```text
//!            wake                 start_run               end_run: Pending, no wake
//!   IDLE ──────────▶ SCHEDULED ───────────▶ RUNNING ────────────────────────────▶ IDLE
//!    ▲                                        │  ▲
//!    │                                   wake │  │
//!    │                                        ▼  │
//!    │                                     NOTIFIED ── end_run ──▶ SCHEDULED (re-queued)
//!    │
//!   any ── finish ──▶ DONE (terminal: wakes are ignored)
//! ```
//!
//! Invariants:
//! - A process is in at most one run queue, and only while SCHEDULED: the one `wake` that wins
//!   IDLE → SCHEDULED is the one that enqueues it.
//! - Only the worker that dequeued it moves it SCHEDULED → RUNNING and polls its future, so the
//!   future has one owner at any time.
//! - A wake during a poll is never lost: it turns RUNNING into NOTIFIED, and `end_run` then
//!   re-queues the process instead of idling it.
//!
//! Liveness (alive / exiting / dead) is a separate flag on the control block; this machine only
//! says who owns the process's future. Model-checked in `tests/loom_state.rs`.

use crate::sync::{AtomicU8, Ordering};

const IDLE: u8 = 0;
const SCHEDULED: u8 = 1;
const RUNNING: u8 = 2;
const NOTIFIED: u8 = 3;
const DONE: u8 = 4;

/// What a scheduler observes of a process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sched {
    Idle,
    Scheduled,
    Running,
    Done,
}

/// The atomic scheduling state of one process.
#[derive(Debug)]
pub(crate) struct SchedState(AtomicU8);

impl SchedState {
    /// A new process starts IDLE; spawning wakes it once.
    pub(crate) fn new() -> Self {
        SchedState(AtomicU8::new(IDLE))
    }

    /// Ask for the process to run. Returns `true` if the caller must enqueue it.
    ///
    /// Always a read-modify-write (also when the state stays SCHEDULED, NOTIFIED or DONE), so
    /// that what the waker did before — e.g. marking the process dead — is visible to the
    /// worker that next takes the process (`start_run`), as tokio's `fetch_or` does. A plain
    /// load there lets a kill's wake slip past a worker that then idles a dead process.
    pub(crate) fn wake(&self) -> bool {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            let next = match cur {
                IDLE => SCHEDULED,
                RUNNING => NOTIFIED,
                other => other,
            };
            match self
                .0
                .compare_exchange_weak(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return cur == IDLE,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The dequeuing worker takes ownership of the future. Returns `false` if the process is
    /// already DONE (it was finished while queued).
    pub(crate) fn start_run(&self) -> bool {
        self.0
            .compare_exchange(SCHEDULED, RUNNING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The poll returned `Pending`. Returns `true` if the process was woken meanwhile and the
    /// caller must re-queue it (it is SCHEDULED again); `false` if it is now IDLE.
    pub(crate) fn end_run(&self) -> bool {
        let mut cur = RUNNING;
        loop {
            // RUNNING → IDLE, or NOTIFIED → SCHEDULED. Both are read-modify-writes: a wake may
            // be rewriting NOTIFIED with itself at the same moment (see `wake`).
            let next = if cur == RUNNING { IDLE } else { SCHEDULED };
            match self
                .0
                .compare_exchange(cur, next, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return next == SCHEDULED,
                Err(actual) => {
                    debug_assert!(actual == NOTIFIED || actual == RUNNING);
                    cur = actual;
                }
            }
        }
    }

    /// Claim a process that is not running for dropping (runtime shutdown): IDLE or SCHEDULED
    /// → DONE. Returns `false` if it is running (its worker keeps the future) or done.
    pub(crate) fn claim(&self) -> bool {
        let mut cur = self.0.load(Ordering::Acquire);
        loop {
            if cur != IDLE && cur != SCHEDULED {
                return false;
            }
            match self
                .0
                .compare_exchange_weak(cur, DONE, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }

    /// The process is finished; later wakes are ignored.
    pub(crate) fn finish(&self) {
        self.0.store(DONE, Ordering::Release);
    }

    /// A snapshot for introspection.
    pub(crate) fn get(&self) -> Sched {
        match self.0.load(Ordering::Acquire) {
            IDLE => Sched::Idle,
            SCHEDULED => Sched::Scheduled,
            RUNNING | NOTIFIED => Sched::Running,
            _ => Sched::Done,
        }
    }
}
