//! The process control block (PCB).
//!
//! Ownership:
//! - The PCB is shared (`Arc`): the process table, run queues, wakers and the worker polling it
//!   hold references. The *future* is owned by whoever holds the RUNNING state of
//!   [`SchedState`] (see `raw::FutureCell`).
//! - [`ProcState`] (links, monitors, name, trap flag, timers) is behind one lock, taken by the
//!   process itself and by other processes that link, monitor or signal it. The runtime never
//!   runs user code while holding it, and never holds two `ProcState` locks at once.
//!
//! Liveness is separate from scheduling: `ALIVE → EXITING → DEAD`. EXITING is "logically dead":
//! links and monitors have fired, the name is free, the inbox is closed, but the future may
//! still be inside a poll (a *zombie*, if it never yields). DEAD means the future was dropped.

use std::any::TypeId;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Wake;
use std::time::Instant;

use super::message::ErasedInbox;
use super::raw::FutureCell;
use super::state::SchedState;
use crate::pid::RawPid;
use crate::runtime::RtInner;
use crate::sync::{AtomicU8, AtomicU64, Mutex, Ordering};
use crate::time::TimerEntry;
use crate::{ExitReason, Name, Priority, Ref};

pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = ExitReason> + Send + 'static>>;

const ALIVE: u8 = 0;
const EXITING: u8 = 1;
const DEAD: u8 = 2;

/// A monitor held by this process on another one.
#[derive(Debug, Clone)]
pub(crate) struct OutMonitor {
    pub(crate) reference: Ref,
    pub(crate) target: RawPid,
}

/// A monitor held by another process on this one.
#[derive(Debug, Clone)]
pub(crate) struct InMonitor {
    pub(crate) reference: Ref,
    pub(crate) watcher: RawPid,
    /// `Some` when the monitor was set up by name (the DOWN then names it).
    pub(crate) by_name: Option<Name>,
}

/// The part of a process other processes may change; see the module docs for the lock rules.
///
/// Only the trap flag is inline: an idle process without links, monitors, name or timers
/// carries no [`Cold`] allocation. Reading through it sees an empty `Cold`; the first write
/// allocates one.
#[derive(Default)]
pub(crate) struct ProcState {
    pub(crate) trap_exit: bool,
    cold: Option<Box<Cold>>,
}

/// The rarely used part of [`ProcState`].
#[derive(Default)]
pub(crate) struct Cold {
    pub(crate) links: Vec<RawPid>,
    pub(crate) monitors: Vec<OutMonitor>,
    pub(crate) monitored_by: Vec<InMonitor>,
    /// Future-based monitors (`watch`): a slab, so that a finished call removes its watch in
    /// O(1) even when thousands of callers watch one server.
    pub(crate) watchers: Watchers,
    pub(crate) name: Option<Name>,
    pub(crate) timers: Vec<Arc<TimerEntry>>,
    pub(crate) exit_reason: Option<ExitReason>,
    pub(crate) exiting_since: Option<Instant>,
    /// Runtime-internal hook run once when the process exits (used by `block_on`).
    pub(crate) on_exit: Option<ExitHook>,
}

/// The `watch` notifications of a process: slots reused through a free list.
#[derive(Default)]
pub(crate) struct Watchers {
    slots: Vec<Option<(Ref, tokio::sync::oneshot::Sender<ExitReason>)>>,
    free: Vec<u32>,
}

impl Watchers {
    pub(crate) const fn new() -> Watchers {
        Watchers {
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Add a watcher; returns its slot.
    pub(crate) fn insert(
        &mut self,
        reference: Ref,
        tx: tokio::sync::oneshot::Sender<ExitReason>,
    ) -> u32 {
        match self.free.pop() {
            Some(i) => {
                self.slots[i as usize] = Some((reference, tx));
                i
            }
            None => {
                self.slots.push(Some((reference, tx)));
                u32::try_from(self.slots.len() - 1).unwrap_or(u32::MAX)
            }
        }
    }

    /// Remove the watcher in `slot` if it is still `reference`'s.
    pub(crate) fn remove(&mut self, slot: u32, reference: Ref) {
        if let Some(entry) = self.slots.get_mut(slot as usize) {
            if entry.as_ref().is_some_and(|(r, _)| *r == reference) {
                *entry = None;
                self.free.push(slot);
            }
        }
    }

    /// Take every watcher (at exit).
    pub(crate) fn drain(
        &mut self,
    ) -> impl Iterator<Item = tokio::sync::oneshot::Sender<ExitReason>> + use<> {
        self.free.clear();
        std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .map(|(_, tx)| tx)
    }
}

/// A hook run when a process exits.
pub(crate) type ExitHook = Box<dyn FnOnce(&ExitReason) + Send + Sync>;

static EMPTY: Cold = Cold {
    links: Vec::new(),
    monitors: Vec::new(),
    monitored_by: Vec::new(),
    watchers: Watchers::new(),
    name: None,
    timers: Vec::new(),
    exit_reason: None,
    exiting_since: None,
    on_exit: None,
};

impl ProcState {
    /// Take the whole cold part (at exit), leaving an empty one behind.
    pub(crate) fn take_cold(&mut self) -> Option<Box<Cold>> {
        self.cold.take()
    }
}

impl std::ops::Deref for ProcState {
    type Target = Cold;
    fn deref(&self) -> &Cold {
        self.cold.as_deref().unwrap_or(&EMPTY)
    }
}

impl std::ops::DerefMut for ProcState {
    fn deref_mut(&mut self) -> &mut Cold {
        self.cold.get_or_insert_with(Box::default)
    }
}

/// The message type of a process receiving `M`.
pub(crate) fn msg_type_of<M: 'static>() -> (TypeId, &'static str) {
    (TypeId::of::<M>(), std::any::type_name::<M>())
}

/// One process.
pub(crate) struct Pcb {
    pub(crate) pid: RawPid,
    pub(crate) parent: RawPid,
    pub(crate) rt: Arc<RtInner>,
    pub(crate) sched: SchedState,
    life: AtomicU8,
    priority: AtomicU8,
    pub(crate) reductions: AtomicU64,
    pub(crate) inbox: Arc<dyn ErasedInbox>,
    pub(crate) future: FutureCell,
    pub(crate) state: Mutex<ProcState>,
    /// `msg_type_of::<M>`: the message type, behind one pointer instead of 32 bytes.
    msg_type: fn() -> (TypeId, &'static str),
    pub(crate) future_size: u32,
}

impl Pcb {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        pid: RawPid,
        parent: RawPid,
        rt: Arc<RtInner>,
        inbox: Arc<dyn ErasedInbox>,
        future: BoxFuture,
        future_size: usize,
        priority: Priority,
        msg_type: fn() -> (TypeId, &'static str),
    ) -> Pcb {
        Pcb {
            pid,
            parent,
            rt,
            sched: SchedState::new(),
            life: AtomicU8::new(ALIVE),
            priority: AtomicU8::new(priority as u8),
            reductions: AtomicU64::new(0),
            inbox,
            future: FutureCell::new(future),
            state: Mutex::new(ProcState::default()),
            msg_type,
            future_size: future_size.min(u32::MAX as usize) as u32,
        }
    }

    pub(crate) fn msg_type(&self) -> TypeId {
        (self.msg_type)().0
    }

    pub(crate) fn msg_type_name(&self) -> &'static str {
        (self.msg_type)().1
    }

    /// Not yet logically dead.
    pub(crate) fn is_alive(&self) -> bool {
        self.life.load(Ordering::Acquire) == ALIVE
    }

    /// Mark EXITING. Must be called with `state` locked, so that link and monitor set-up (which
    /// check liveness under the same lock) are ordered against death. Returns `false` if the
    /// process was already exiting.
    pub(crate) fn begin_exit(&self, _locked: &ProcState) -> bool {
        self.life
            .compare_exchange(ALIVE, EXITING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// The future has been dropped.
    /// The future has been dropped. `listed`: the process was listed as exiting (it was
    /// ended while its future was alive) and must be unlisted.
    pub(crate) fn mark_dead(&self, listed: bool) {
        self.life.store(DEAD, Ordering::Release);
        if listed {
            self.rt.exiting.remove(&self.pid.serial);
        }
    }

    pub(crate) fn priority(&self) -> Priority {
        Priority::from_u8(self.priority.load(Ordering::Relaxed))
    }

    pub(crate) fn set_priority(&self, p: Priority) -> Priority {
        Priority::from_u8(self.priority.swap(p as u8, Ordering::Relaxed))
    }

    /// Make the process runnable (no-op if it is already queued, running-and-notified or done).
    pub(crate) fn schedule(self: &Arc<Self>) {
        if self.sched.wake() {
            self.rt.sched.push(self.clone());
        }
    }
}

impl Wake for Pcb {
    fn wake(self: Arc<Self>) {
        self.schedule();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.schedule();
    }
}
