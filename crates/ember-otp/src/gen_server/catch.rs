//! Catching a panic in a callback, so the server can run `terminate` and report before it
//! exits (the runtime would otherwise end the process at once, without either).

use std::any::Any;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::task::Poll;

use ember_rt::ExitReason;

/// Run `fut`, turning a panic in any of its polls into [`ExitReason::Panic`].
///
/// The state the future borrowed may be half-updated after a panic; OTP's `terminate` sees the
/// state of before the crashing callback, ember's sees it as the panic left it.
pub(crate) async fn catch<F: Future>(fut: F) -> Result<F::Output, ExitReason> {
    let mut fut = std::pin::pin!(fut);
    poll_fn(
        move |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(out)) => Poll::Ready(Ok(out)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(payload) => Poll::Ready(Err(panic_reason(payload))),
        },
    )
    .await
}

/// The exit reason of a caught panic. The runtime's own conversion (which adds the source
/// location its panic hook recorded) is private to `ember-rt`, so the location is not known here.
fn panic_reason(payload: Box<dyn Any + Send>) -> ExitReason {
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
