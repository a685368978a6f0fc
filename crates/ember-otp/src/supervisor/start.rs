//! Running a child's start function inside the supervisor, with panics contained.
//!
//! The start function runs in the supervisor's process (so `spawn_link` links the child to
//! the supervisor). A panic in it must not take the supervisor down: as Erlang catches a
//! crashing start (`{'EXIT', {E, Stack}}`), ember catches the panic and turns it into an
//! [`ExitReason::Panic`] start error.

use std::any::Any;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use ember_rt::ExitReason;

use crate::child::{ChildSpec, Started};

/// A future whose panics become `Err(ExitReason::Panic)`.
pub(crate) struct CatchPanic<F> {
    fut: Pin<Box<F>>,
}

/// Wrap `fut` so a panic while polling it is returned as an error.
pub(crate) fn catch_panic<F: Future>(fut: F) -> CatchPanic<F> {
    CatchPanic { fut: Box::pin(fut) }
}

impl<F: Future> Future for CatchPanic<F> {
    type Output = Result<F::Output, ExitReason>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.get_mut().fut.as_mut();
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_reason(payload))),
        }
    }
}

/// The exit reason for a caught panic payload.
pub(crate) fn panic_reason(payload: Box<dyn Any + Send>) -> ExitReason {
    let message: Arc<str> = if let Some(s) = payload.downcast_ref::<&'static str>() {
        Arc::from(*s)
    } else if let Some(s) = payload.downcast_ref::<String>() {
        Arc::from(s.as_str())
    } else {
        Arc::from("Box<dyn Any>")
    };
    ExitReason::Panic {
        message,
        location: None,
    }
}

/// Run `spec`'s start function (Erlang `do_start_child`).
pub(crate) async fn start_child(spec: &ChildSpec) -> Result<Started, ExitReason> {
    let fut = match catch_unwind(AssertUnwindSafe(|| spec.start_child())) {
        Ok(fut) => fut,
        Err(payload) => return Err(panic_reason(payload)),
    };
    catch_panic(fut).await?
}
