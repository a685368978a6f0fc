//! Catching panics in user callbacks, so a behaviour can run its cleanup (`terminate`, stopping
//! a half-started child) and report before its process exits. The exit reason is the one the
//! runtime would give: [`ExitReason::from_panic`], with the message and the source location.

use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind};

use ember_rt::ExitReason;

/// Run `fut`, turning a panic in any of its polls into [`ExitReason::Panic`].
///
/// The state the future borrowed may be half-updated after a panic; OTP's `terminate` sees the
/// state of before the crashing callback, ember's sees it as the panic left it.
pub(crate) async fn catch<F: Future>(fut: F) -> Result<F::Output, ExitReason> {
    let mut fut = std::pin::pin!(fut);
    poll_fn(
        move |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(std::task::Poll::Ready(out)) => std::task::Poll::Ready(Ok(out)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(payload) => std::task::Poll::Ready(Err(ExitReason::from_panic(payload))),
        },
    )
    .await
}

/// Call `f`, turning a panic into [`ExitReason::Panic`].
pub(crate) fn catch_sync<T>(f: impl FnOnce() -> T) -> Result<T, ExitReason> {
    catch_unwind(AssertUnwindSafe(f)).map_err(ExitReason::from_panic)
}
