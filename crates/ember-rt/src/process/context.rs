//! The thread-local "current process": set by a worker around each poll of a process.
//!
//! Runtime operations called from inside a process (`self_pid`, `send`, `link`, ...) find their
//! process here, the way an Erlang BIF finds `self()`. The reduction budget of the running
//! slice lives beside it (see `scheduler::budget`).

use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::Arc;

use super::pcb::Pcb;

thread_local! {
    /// The handle of the process being polled on this thread (borrowed from the worker for the
    /// length of the poll), or null.
    static CURRENT: Cell<*const Arc<Pcb>> = const { Cell::new(std::ptr::null()) };
}

/// Run `f` with the current process, if this thread is polling one.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Arc<Pcb>>) -> R) -> R {
    let ptr = CURRENT.with(Cell::get);
    // SAFETY: a non-null pointer was set by a live `CurrentGuard`, which borrows the `Arc` for
    // its whole life and resets the pointer when dropped; the guard outlives this call (it is
    // dropped by the same thread, after the poll that runs this code). `f` cannot keep the
    // reference: it is only valid for the closure's own duration.
    f(unsafe { ptr.as_ref() })
}

/// The current process (a clone of its handle).
pub(crate) fn current() -> Option<Arc<Pcb>> {
    with_current(|c| c.cloned())
}

/// Marks `pcb` as current for the lifetime of the guard (a borrow: no reference count change).
pub(crate) struct CurrentGuard<'a> {
    prev: *const Arc<Pcb>,
    _pcb: PhantomData<&'a Arc<Pcb>>,
}

impl<'a> CurrentGuard<'a> {
    pub(crate) fn enter(pcb: &'a Arc<Pcb>) -> CurrentGuard<'a> {
        let prev = CURRENT.with(|c| c.replace(pcb));
        CurrentGuard {
            prev,
            _pcb: PhantomData,
        }
    }
}

impl Drop for CurrentGuard<'_> {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.prev));
    }
}

/// The current process; panics with a clear message outside a process. Used by the operations
/// that only make sense inside one (`self_pid`, `link`, `trap_exit`, ...), like `tokio::spawn`
/// outside a runtime.
pub(crate) fn expect_current(op: &str) -> Arc<Pcb> {
    current().unwrap_or_else(|| panic!("ember_rt::{op} called outside of an ember process"))
}
