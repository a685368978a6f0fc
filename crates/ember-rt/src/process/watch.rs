//! `watch`: a monitor whose notification is a future instead of a mailbox message.
//!
//! OTP builds `gen_server:call` on a monitor plus a selective receive in the caller's mailbox.
//! In ember a caller's mailbox is typed by *its* protocol, so a `Down` about a server cannot
//! be the thing the call waits on; and callers may be plain threads. A [`Watch`] is the same
//! monitor, delivered to whoever awaits it: it resolves with the watched process's exit reason
//! (`NoProc` at once if it is not alive). Dropping it removes the monitor, so a finished call
//! leaves nothing behind — the late-reply guarantee of OTP 24+ aliases.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::sync::oneshot;

use crate::pid::RawPid;
use crate::process::Pcb;
use crate::runtime::lookup;
use crate::scheduler::budget;
use crate::{ExitReason, Pid, Ref};

/// A future that resolves with a process's exit reason. See [`watch`].
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{ExitReason, Mailbox, Watch};
/// let p = ember_rt::spawn(|mut mb: Mailbox<()>| async move { mb.recv().await });
/// // Erlang: Ref = monitor(process, P), then receive {'DOWN', Ref, process, P, Reason}
/// let w: Watch = ember_rt::watch(p);
/// ember_rt::exit(p, ExitReason::Kill);
/// assert_eq!(w.await, ExitReason::Killed);
/// # }).unwrap();
/// ```
pub struct Watch {
    target: RawPid,
    reference: Ref,
    /// The watched process and our slot in its watcher list, while registered.
    registered: Option<(Arc<Pcb>, u32)>,
    rx: oneshot::Receiver<ExitReason>,
    done: bool,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watch")
            .field("pid", &self.pid())
            .field("done", &self.done)
            .finish()
    }
}

/// Watch `pid`: the returned future resolves with its exit reason when it ends, or with
/// [`ExitReason::NoProc`] at once if it is not alive. Works from any thread, inside or outside
/// a process. Erlang: `monitor(process, Pid)` followed by a receive of its `'DOWN'`.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p = ember_rt::spawn(|_: ember_rt::Mailbox<()>| async { ember_rt::ExitReason::atom("done") });
/// assert_eq!(ember_rt::watch(p).await, ember_rt::ExitReason::atom("done"));
/// assert_eq!(ember_rt::watch(p).await, ember_rt::ExitReason::NoProc);
/// # }).unwrap();
/// ```
pub fn watch<M>(pid: Pid<M>) -> Watch {
    budget::charge(5);
    let (tx, rx) = oneshot::channel();
    let reference = Ref::new();
    let target = pid.raw;
    let mut registered = None;
    if let Some(pcb) = lookup(target) {
        let mut st = pcb.state.lock();
        if pcb.is_alive() {
            let slot = st.watchers.insert(reference, tx);
            drop(st);
            registered = Some((pcb, slot));
            return Watch {
                target,
                reference,
                registered,
                rx,
                done: false,
            };
        }
    }
    let _ = tx.send(ExitReason::NoProc);
    Watch {
        target,
        reference,
        registered,
        rx,
        done: false,
    }
}

/// A watch on a fresh, not yet scheduled process (atomic with its spawn).
pub(crate) fn watch_new(pcb: &Arc<Pcb>) -> Watch {
    let (tx, rx) = oneshot::channel();
    let reference = Ref::new();
    let slot = pcb.state.lock().watchers.insert(reference, tx);
    Watch {
        target: pcb.pid,
        reference,
        registered: Some((pcb.clone(), slot)),
        rx,
        done: false,
    }
}

impl Watch {
    /// The watched process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let p = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
    /// let w = ember_rt::watch(p);
    /// assert_eq!(w.pid(), p.untyped());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        Pid::from_raw(self.target)
    }
}

impl Future for Watch {
    type Output = ExitReason;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<ExitReason> {
        match Pin::new(&mut self.rx).poll(cx) {
            Poll::Ready(r) => {
                self.done = true;
                // A dropped sender means the process vanished with its runtime.
                Poll::Ready(r.unwrap_or(ExitReason::Killed))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Some((pcb, slot)) = self.registered.take() {
            pcb.state.lock().watchers.remove(slot, self.reference);
        }
    }
}
