//! Shared by the behaviour tests: a fresh 2-worker runtime per test, with a hang guard.

use std::future::Future;
use std::time::Duration;

use ember_rt::{Mailbox, Runtime};

/// Run `f` as the root process of a new runtime and return its output; a body that hangs
/// for 30 s or whose process dies fails the test with the reason.
pub(crate) fn run<M, F, Fut>(f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let rt = Runtime::builder()
        .workers(2)
        .thread_name("otp-test")
        .build()
        .unwrap();
    let out = rt.run(move |mb: Mailbox<M>| async move {
        tokio::time::timeout(Duration::from_secs(30), f(mb))
            .await
            .expect("test body hung")
    });
    out.unwrap_or_else(|reason| panic!("the test's root process died: {reason}"))
}
