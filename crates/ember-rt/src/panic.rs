//! Panic isolation: a panic inside a process ends that process only.
//!
//! Every poll (and every drop of a process's future) runs under `catch_unwind`; a caught panic
//! becomes [`ExitReason::Panic`](crate::ExitReason::Panic) with the panic message. This needs
//! `panic = "unwind"` (the workspace profile sets it; with `panic = "abort"` a panic in one
//! process aborts the whole OS process, and ember cannot contain it).
//!
//! The runtime installs a panic hook once (unless the builder says not to). The hook chains to
//! the previous one, and for panics *inside a process poll* it records the source location for
//! the exit reason and stays silent: the crash is reported as a `tracing` event instead, the way
//! Erlang reports a crashed process through its logger rather than on stderr. Panics outside
//! processes go to the previous hook unchanged.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::{Arc, Once};

use crate::ExitReason;

thread_local! {
    static IN_PROCESS: Cell<bool> = const { Cell::new(false) };
    static LOCATION: RefCell<Option<Arc<str>>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Install the chaining hook (idempotent).
pub(crate) fn install_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_PROCESS.with(|p| p.get()) {
                let loc = info.location().map(|l| Arc::from(l.to_string()));
                LOCATION.with(|l| *l.borrow_mut() = loc);
            } else {
                previous(info);
            }
        }));
    });
}

/// Run `f` marked as process code.
pub(crate) fn in_process<R>(f: impl FnOnce() -> R) -> R {
    let prev = IN_PROCESS.with(|p| p.replace(true));
    let r = f();
    IN_PROCESS.with(|p| p.set(prev));
    r
}

/// The exit reason for a caught panic payload.
pub(crate) fn reason_from_payload(payload: Box<dyn Any + Send>) -> ExitReason {
    let message: Arc<str> = if let Some(s) = payload.downcast_ref::<&'static str>() {
        Arc::from(*s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Arc::from(s.as_str())
    } else {
        Arc::from("Box<dyn Any>")
    };
    let location = LOCATION.with(|l| l.borrow_mut().take());
    ExitReason::Panic { message, location }
}
