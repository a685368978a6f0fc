//! Request/reply with a supervisor process, from any process or thread.
//!
//! A request carries a `tokio::sync::oneshot` sender; the caller awaits the receiver and, at
//! the same time, an [`ember_rt::watch`] on the supervisor, so a supervisor that is dead (or
//! dies before it replies) turns into [`CallError::NoProc`] / [`CallError::Exit`] instead of a
//! hang. A reply sent just before the supervisor exited still wins: the receiver is checked
//! once more when the watch fires. Calls have no timeout, as in OTP (`infinity`).

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;

use ember_rt::{ExitReason, Pid, Watch};
use tokio::sync::oneshot;

use super::CallError;

/// Await `rx` unless `pid` ends first; `Err` carries the exit reason (`NoProc` if it was dead).
pub(crate) async fn await_reply<M, T>(
    pid: Pid<M>,
    rx: oneshot::Receiver<T>,
) -> Result<T, ExitReason> {
    await_reply_with(ember_rt::watch(pid), rx).await
}

/// [`await_reply`] with a watch set up earlier (before the request was sent).
async fn await_reply_with<T>(
    mut watch: Watch,
    mut rx: oneshot::Receiver<T>,
) -> Result<T, ExitReason> {
    let mut closed = false;
    poll_fn(|cx| {
        if !closed {
            match Pin::new(&mut rx).poll(cx) {
                Poll::Ready(Ok(v)) => return Poll::Ready(Ok(v)),
                Poll::Ready(Err(_)) => closed = true,
                Poll::Pending => {}
            }
        }
        match Pin::new(&mut watch).poll(cx) {
            Poll::Ready(reason) => match rx.try_recv() {
                Ok(v) => Poll::Ready(Ok(v)),
                Err(_) => Poll::Ready(Err(reason)),
            },
            Poll::Pending => Poll::Pending,
        }
    })
    .await
}

/// Send the request built by `make` to `pid` and await its reply.
pub(crate) async fn call<M, T>(
    pid: Pid<M>,
    make: impl FnOnce(oneshot::Sender<T>) -> M,
) -> Result<T, CallError>
where
    M: Send + 'static,
{
    if ember_rt::try_self_pid() == Some(pid.untyped()) {
        return Err(CallError::CallingSelf);
    }
    let (tx, rx) = oneshot::channel();
    // Watch before sending, so the reply-or-death race is decided in one place.
    let watch = ember_rt::watch(pid);
    pid.send(make(tx));
    await_reply_with(watch, rx)
        .await
        .map_err(CallError::from_exit)
}

/// Ask `pid` to stop with `send` and wait until it has exited; `Ok` carries its exit reason.
pub(crate) async fn stop<M: Send + 'static>(
    pid: Pid<M>,
    request: M,
) -> Result<ExitReason, CallError> {
    if ember_rt::try_self_pid() == Some(pid.untyped()) {
        return Err(CallError::CallingSelf);
    }
    if !pid.is_alive() {
        return Err(CallError::NoProc);
    }
    let watch = ember_rt::watch(pid);
    pid.send(request);
    match watch.await {
        ExitReason::NoProc => Err(CallError::NoProc),
        reason => Ok(reason),
    }
}
