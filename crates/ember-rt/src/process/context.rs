//! The thread-local "current process": set by a worker around each poll of a process.
//!
//! Runtime operations called from inside a process (`self_pid`, `send`, `link`, ...) find their
//! process here, the way an Erlang BIF finds `self()`. The reduction budget of the running
//! slice lives beside it (see `scheduler::budget`).

use std::cell::RefCell;
use std::sync::Arc;

use super::pcb::Pcb;

thread_local! {
    static CURRENT: RefCell<Option<Arc<Pcb>>> = const { RefCell::new(None) };
}

/// Run `f` with the current process, if this thread is polling one.
pub(crate) fn with_current<R>(f: impl FnOnce(Option<&Arc<Pcb>>) -> R) -> R {
    CURRENT.with(|c| f(c.borrow().as_ref()))
}

/// The current process (a clone of its handle).
pub(crate) fn current() -> Option<Arc<Pcb>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Marks `pcb` as current for the lifetime of the guard.
pub(crate) struct CurrentGuard {
    prev: Option<Arc<Pcb>>,
}

impl CurrentGuard {
    pub(crate) fn enter(pcb: Arc<Pcb>) -> CurrentGuard {
        let prev = CURRENT.with(|c| c.borrow_mut().replace(pcb));
        CurrentGuard { prev }
    }
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let prev = self.prev.take();
        CURRENT.with(|c| *c.borrow_mut() = prev);
    }
}

/// The current process; panics with a clear message outside a process. Used by the operations
/// that only make sense inside one (`self_pid`, `link`, `trap_exit`, ...), like `tokio::spawn`
/// outside a runtime.
pub(crate) fn expect_current(op: &str) -> Arc<Pcb> {
    current().unwrap_or_else(|| panic!("ember_rt::{op} called outside of an ember process"))
}
