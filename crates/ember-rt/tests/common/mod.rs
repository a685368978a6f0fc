//! Shared helpers for the behaviour tests: a runtime per test with a hang guard, and receive
//! helpers that give up after a generous timeout so a failing test never hangs.

#![allow(dead_code)]

use std::fmt::Debug;
use std::future::Future;
use std::time::{Duration, Instant};

use ember_rt::{Builder, Down, Exit, Mailbox, Message, Pid, Ref, Runtime};

/// How long a helper waits for something that must happen (a hang guard, not a measurement).
pub(crate) const WAIT: Duration = Duration::from_secs(5);
/// How long a helper listens to be fairly sure that something does *not* happen.
pub(crate) const QUIET: Duration = Duration::from_millis(100);
/// The whole root process of one test must finish within this.
const TEST_DEADLINE: Duration = Duration::from_secs(60);

/// A runtime builder for tests: 2 workers (the CI machine has 2 cores).
pub(crate) fn builder() -> Builder {
    Runtime::builder().workers(2).thread_name("ember-test")
}

/// Run `f` as the root process of a fresh 2-worker runtime and return its output; panics
/// with the root's exit reason if it failed, or if it did not finish within the deadline.
pub(crate) fn run<M, F, Fut>(f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    run_with(builder(), f)
}

/// [`run`] with a custom runtime configuration.
pub(crate) fn run_with<M, F, Fut>(builder: Builder, f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("ember-test-root".into())
        .spawn(move || {
            let rt = builder.build().expect("test runtime");
            let out = rt.run(f);
            drop(rt);
            let _ = tx.send(out);
        })
        .expect("test thread");
    match rx.recv_timeout(TEST_DEADLINE) {
        Ok(Ok(v)) => v,
        Ok(Err(reason)) => panic!("the test's root process failed: {reason}"),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("the test's root process did not finish within {TEST_DEADLINE:?} (hang)")
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
            panic!("the test's runtime thread panicked")
        }
    }
}

/// The next user message, failing the test after [`WAIT`].
pub(crate) async fn recv<M: Send + 'static>(mb: &mut Mailbox<M>) -> M {
    match mb.recv_timeout(WAIT).await {
        Some(m) => m,
        None => panic!("timed out waiting for a user message"),
    }
}

/// The next message of any kind, failing the test after [`WAIT`].
pub(crate) async fn recv_any<M: Send + 'static>(mb: &mut Mailbox<M>) -> Message<M> {
    match mb.recv_any_timeout(WAIT).await {
        Some(m) => m,
        None => panic!("timed out waiting for any message"),
    }
}

/// The oldest `Down` in the mailbox (selective receive), failing the test after [`WAIT`].
pub(crate) async fn down<M: Send + 'static>(mb: &mut Mailbox<M>) -> Down {
    match mb
        .receive_timeout(|m| matches!(m, Message::Down(_)), WAIT)
        .await
    {
        Some(Message::Down(d)) => d,
        _ => panic!("timed out waiting for a Down"),
    }
}

/// The `Down` of monitor `r`, failing the test after [`WAIT`].
pub(crate) async fn down_for<M: Send + 'static>(mb: &mut Mailbox<M>, r: Ref) -> Down {
    match mb
        .receive_timeout(|m| matches!(m, Message::Down(d) if d.reference == r), WAIT)
        .await
    {
        Some(Message::Down(d)) => d,
        _ => panic!("timed out waiting for the Down of {r}"),
    }
}

/// The oldest `Exit` in the mailbox, failing the test after [`WAIT`].
pub(crate) async fn exit_msg<M: Send + 'static>(mb: &mut Mailbox<M>) -> Exit {
    match mb
        .receive_timeout(|m| matches!(m, Message::Exit(_)), WAIT)
        .await
    {
        Some(Message::Exit(e)) => e,
        _ => panic!("timed out waiting for an Exit message"),
    }
}

/// Assert that no message at all arrives within [`QUIET`].
pub(crate) async fn assert_quiet<M: Send + Debug + 'static>(mb: &mut Mailbox<M>) {
    if let Some(m) = mb.recv_any_timeout(QUIET).await {
        panic!("expected no message, got {m:?}");
    }
}

/// Wait (sleeping in small steps) until `cond` holds, failing the test after [`WAIT`].
pub(crate) async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < WAIT, "timed out waiting until {what}");
        ember_rt::sleep(Duration::from_millis(1)).await;
    }
}

/// A process that waits for one message and then ends with `normal`.
pub(crate) fn spawn_idle() -> Pid<()> {
    ember_rt::spawn(|mut mb: Mailbox<()>| async move {
        mb.recv().await;
    })
}

/// Like [`spawn_idle`], monitored by the caller.
pub(crate) fn spawn_idle_monitor() -> (Pid<()>, Ref) {
    ember_rt::spawn_monitor(|mut mb: Mailbox<()>| async move {
        mb.recv().await;
    })
}
