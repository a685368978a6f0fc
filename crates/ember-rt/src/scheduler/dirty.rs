//! Dirty pools: run known-heavy synchronous work off the workers.
//!
//! - [`spawn_blocking`](crate::spawn_blocking) runs a closure that may block (file IO, a
//!   synchronous client, `std::thread::sleep`) on the IO driver's blocking pool (tokio's,
//!   capped by `Builder::max_blocking_threads`).
//! - [`spawn_dirty_cpu`](crate::spawn_dirty_cpu) runs a CPU-heavy closure on the dirty CPU
//!   pool: a fixed set of threads (default: one per worker), fed from one queue.
//!
//! Both return a future of the closure's result; a process awaits it like any other runtime
//! await (and can forward it as a message). If the awaiting process is killed, the closure
//! still runs to its end — native code cannot be interrupted, exactly like a dirty NIF on the
//! BEAM — and its result is dropped.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::runtime::expect_rt;
use crate::scheduler::budget;
use crate::sync::{Mutex, mpsc};

/// The dirty work panicked.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::DirtyError;
/// let r = ember_rt::spawn_dirty_cpu(|| -> u64 { panic!("overflow") }).await;
/// assert!(matches!(r, Err(DirtyError::Panicked(msg)) if msg.contains("overflow")));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirtyError {
    /// The closure panicked with this message.
    #[error("dirty work panicked: {0}")]
    Panicked(String),
    /// The runtime shut down before the work ran.
    #[error("the runtime shut down before the work ran")]
    ShutDown,
}

type Job = Box<dyn FnOnce() + Send + 'static>;

/// The dirty CPU thread pool.
pub(crate) struct DirtyPool {
    tx: Mutex<Option<mpsc::Sender<Job>>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl DirtyPool {
    pub(crate) fn start(threads: usize, name: &str) -> std::io::Result<DirtyPool> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = std::sync::Arc::new(Mutex::new(rx));
        let mut handles = Vec::with_capacity(threads);
        for i in 0..threads {
            let rx = rx.clone();
            handles.push(
                std::thread::Builder::new()
                    .name(format!("{name}-dirty-cpu-{i}"))
                    .spawn(move || {
                        loop {
                            let job = rx.lock().recv();
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    })?,
            );
        }
        Ok(DirtyPool {
            tx: Mutex::new(Some(tx)),
            threads: Mutex::new(handles),
        })
    }

    fn submit(&self, job: Job) -> bool {
        match &*self.tx.lock() {
            Some(tx) => tx.send(job).is_ok(),
            None => false,
        }
    }

    /// Stop accepting work and join the threads (after running what was queued).
    pub(crate) fn stop(&self) {
        self.tx.lock().take();
        for t in std::mem::take(&mut *self.threads.lock()) {
            let _ = t.join();
        }
    }
}

/// The result of dirty work, as a future.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // Erlang: a call into a dirty IO NIF; here the process awaits the handle.
/// let handle: ember_rt::DirtyHandle<u32> = ember_rt::spawn_blocking(|| 6 * 7);
/// assert_eq!(handle.await, Ok(42));
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct DirtyHandle<T> {
    rx: oneshot::Receiver<Result<T, DirtyError>>,
}

impl<T> Future for DirtyHandle<T> {
    type Output = Result<T, DirtyError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.rx)
            .poll(cx)
            .map(|r| r.unwrap_or(Err(DirtyError::ShutDown)))
    }
}

fn wrap<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> (Job, DirtyHandle<T>) {
    let (tx, rx) = oneshot::channel();
    let job: Job = Box::new(move || {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
            .map_err(|p| DirtyError::Panicked(crate::panic::reason_from_payload(p).to_string()));
        let _ = tx.send(r);
    });
    (job, DirtyHandle { rx })
}

/// Run CPU-heavy `f` on the dirty CPU pool (Erlang: a dirty CPU NIF).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let sum = ember_rt::spawn_dirty_cpu(|| (0..1_000_000u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 499_999_500_000);
/// # }).unwrap();
/// ```
pub fn spawn_dirty_cpu<T: Send + 'static>(
    f: impl FnOnce() -> T + Send + 'static,
) -> DirtyHandle<T> {
    budget::charge(5);
    let rt = expect_rt("spawn_dirty_cpu");
    let (job, handle) = wrap(f);
    rt.dirty.submit(job);
    handle
}

/// Run blocking `f` on the blocking pool (Erlang: a dirty IO NIF).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let r = ember_rt::spawn_blocking(|| { std::thread::sleep(std::time::Duration::from_millis(5)); 7 }).await;
/// assert_eq!(r, Ok(7));
/// # }).unwrap();
/// ```
pub fn spawn_blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> DirtyHandle<T> {
    budget::charge(5);
    let rt = expect_rt("spawn_blocking");
    let (job, handle) = wrap(f);
    drop(rt.driver.spawn_blocking(job));
    handle
}
