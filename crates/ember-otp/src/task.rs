//! Task: run one computation in its own process and collect its result (Elixir `Task`).
//!
//! ```
//! use ember_otp::task::Task;
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let task = Task::spawn(async { 6 * 7 });     // Task.async(fn -> 6 * 7 end)
//!     assert_eq!(task.await, Ok(42));              // Task.await(task)
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - **Ownership.** [`Task::spawn`] starts a process **linked** to the caller (its *owner*) and
//!   watches it. Only the owner may await, yield or shut it down; from any other process these
//!   return [`TaskError::NotOwner`] (Elixir raises `ArgumentError`).
//! - **Result.** The task sends its value — or, if it panicked, its panic reason — through a
//!   one-shot channel *before* it exits, so a finished task's value is never lost to the race
//!   with its exit. The outcome is delivered once; afterwards [`TaskError::AlreadyAwaited`].
//! - **Failure.** A task that panics exits with [`ExitReason::Panic`]; through the link, an
//!   owner that does not trap exits dies with the same reason (Elixir's behaviour). A trapping
//!   owner gets an `Exit` message *and* [`TaskError::Exit`] from the await.
//! - **Monitor.** The watch on the task is a future, not a message: when the await returns, it
//!   is dropped and no `Down` is left in the owner's mailbox (Elixir flushes the monitor).
//! - **Timeouts.** Unlike Elixir, a timed-out await does not make the owner exit: it returns
//!   [`TaskError::Timeout`], the task keeps running (still linked), and the owner may await
//!   again, or [`shutdown`](Task::shutdown) it.
//! - **Shutdown.** [`Task::shutdown`] unlinks first (so the task's end cannot reach the owner),
//!   then sends `shutdown` (or kills at once for [`Shutdown::BrutalKill`]), waits, and kills
//!   after the timeout.
//!
//! Not implemented yet: `Task.Supervisor` (`async_nolink`), which needs the supervisor.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use ember_rt::{ExitReason, Mailbox, Pid, Timeout, Watch};

use crate::child::Shutdown;
use crate::gen_server::catch;

/// The default timeout of awaiting a task (`task.await`): 5 seconds, as Elixir's `Task.await/1`.
///
/// ```
/// assert_eq!(ember_otp::task::DEFAULT_AWAIT_TIMEOUT, std::time::Duration::from_secs(5));
/// ```
pub const DEFAULT_AWAIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Why a task gave no value.
///
/// ```
/// use ember_otp::task::TaskError;
/// assert_eq!(TaskError::Timeout.to_string(), "the task did not finish in time");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// No result within the timeout; the task keeps running (Elixir: the caller exits with
    /// `{:timeout, {Task, :await, ...}}`).
    #[error("the task did not finish in time")]
    Timeout,
    /// The task ended without a value, with this reason (a panic, a kill, an exit signal).
    #[error("the task exited: {0}")]
    Exit(ExitReason),
    /// Only the process that spawned the task may await it.
    #[error("only the owner {owner:?} may await this task, not {caller:?}")]
    NotOwner {
        /// The owner (`None` if the task was spawned outside any process).
        owner: Option<Pid>,
        /// Who tried.
        caller: Option<Pid>,
    },
    /// The task's outcome was already delivered by an earlier await, yield or shutdown.
    #[error("the task's result was already taken")]
    AlreadyAwaited,
}

type Outcome<T> = Result<T, ExitReason>;

/// Where the task's outcome is.
enum Slot<T> {
    /// Not received yet.
    Waiting(oneshot::Receiver<Outcome<T>>),
    /// The task ended without sending (it was killed); its exit reason is the outcome.
    Lost,
    /// Delivered.
    Taken,
}

/// The task's death, as seen by its watch (cached once seen, so the watch is polled to
/// completion at most once).
struct Death {
    watch: Option<Watch>,
    reason: Option<ExitReason>,
}

impl Death {
    async fn reason(&mut self) -> ExitReason {
        if let Some(r) = &self.reason {
            return r.clone();
        }
        let r = match self.watch.as_mut() {
            Some(w) => w.await,
            None => ExitReason::NoProc,
        };
        self.watch = None;
        self.reason = Some(r.clone());
        r
    }
}

/// A running task: a process computing one value for its owner (Elixir `%Task{}`).
///
/// `.await` on it waits at most [`DEFAULT_AWAIT_TIMEOUT`] (like Elixir's `Task.await/1`);
/// use [`await_timeout`](Task::await_timeout) for another timeout.
///
/// ```
/// use ember_otp::task::{Task, TaskError};
/// use std::time::Duration;
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let mut slow = Task::spawn(async {
///         ember_rt::sleep(Duration::from_millis(50)).await;
///         "done"
///     });
///     assert_eq!(slow.yield_timeout(Duration::ZERO).await, Ok(None)); // still running
///     assert_eq!(slow.await_timeout(Duration::from_secs(5)).await, Ok("done"));
///     assert_eq!(slow.await_timeout(Duration::from_secs(5)).await, Err(TaskError::AlreadyAwaited));
/// }).unwrap();
/// ```
pub struct Task<T> {
    pid: Pid,
    owner: Option<Pid>,
    slot: Slot<T>,
    death: Death,
}

impl<T: Send + 'static> Task<T> {
    /// Run `fut` in a new process linked to the caller and watched by it (Elixir
    /// `Task.async/1`). Called outside any process, the task has no owner and no link.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = ember_otp::task::Task::spawn(async { 1 + 1 });
    /// assert!(ember_rt::process_info(ember_rt::self_pid()).unwrap().links.contains(&task.pid())
    ///     || !task.pid().is_alive());
    /// assert_eq!(task.await, Ok(2));
    /// # }).unwrap();
    /// ```
    pub fn spawn<F>(fut: F) -> Task<T>
    where
        F: Future<Output = T> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel::<Outcome<T>>();
        let pid = ember_rt::spawn_link(move |_: Mailbox<()>| async move {
            match catch(fut).await {
                Ok(value) => {
                    let _ = tx.send(Ok(value));
                    ExitReason::Normal
                }
                Err(reason) => {
                    let _ = tx.send(Err(reason.clone()));
                    reason
                }
            }
        })
        .untyped();
        let watch = ember_rt::watch(pid);
        Task {
            pid,
            owner: ember_rt::try_self_pid(),
            slot: Slot::Waiting(rx),
            death: Death {
                watch: Some(watch),
                reason: None,
            },
        }
    }

    /// The task's process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = ember_otp::task::Task::spawn(async {});
    /// assert_ne!(task.pid(), ember_rt::self_pid());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The process that spawned the task and alone may await it.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let task = ember_otp::task::Task::spawn(async {});
    /// assert_eq!(task.owner(), Some(ember_rt::self_pid()));
    /// # }).unwrap();
    /// ```
    pub fn owner(&self) -> Option<Pid> {
        self.owner
    }

    /// Wait for the result at most `timeout` (Elixir `Task.await(task, ms)`). On
    /// [`TaskError::Timeout`] the task keeps running and may be awaited again.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::task::{Task, TaskError};
    /// let mut never = Task::spawn(std::future::pending::<()>());
    /// assert_eq!(never.await_timeout(std::time::Duration::from_millis(5)).await, Err(TaskError::Timeout));
    /// # }).unwrap();
    /// ```
    pub async fn await_timeout(&mut self, timeout: impl Into<Timeout>) -> Result<T, TaskError> {
        match self.yield_timeout(timeout).await {
            Ok(Some(value)) => Ok(value),
            Ok(None) => Err(TaskError::Timeout),
            Err(e) => Err(e),
        }
    }

    /// Wait for the result at most `timeout` (Elixir `Task.yield(task, ms)`): `Ok(Some(v))` if
    /// it finished, `Ok(None)` if it is still running (it keeps running), `Err(Exit(r))` if it
    /// ended without a value.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mut task = ember_otp::task::Task::spawn(async { 3 });
    /// assert_eq!(task.yield_timeout(ember_rt::Timeout::Infinity).await, Ok(Some(3)));
    /// # }).unwrap();
    /// ```
    pub async fn yield_timeout(
        &mut self,
        timeout: impl Into<Timeout>,
    ) -> Result<Option<T>, TaskError> {
        self.check_owner()?;
        match timeout.into() {
            Timeout::Infinity => self.outcome().await.map(Some),
            Timeout::After(d) => match tokio::time::timeout(d, self.outcome()).await {
                Ok(outcome) => outcome.map(Some),
                Err(_) => Ok(None),
            },
        }
    }

    /// Stop the task and collect what it produced (Elixir `Task.shutdown(task, how)`): unlink,
    /// then `BrutalKill` kills at once; `Timeout(t)` sends `shutdown`, waits `t`, then kills;
    /// `Infinity` sends `shutdown` and waits.
    ///
    /// `Ok(Some(v))` if the task had finished meanwhile, `Ok(None)` once it is stopped,
    /// `Err(Exit(r))` if it had ended for another reason.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::{child::Shutdown, task::Task};
    /// let task = Task::spawn(std::future::pending::<()>());
    /// assert_eq!(task.shutdown(Shutdown::BrutalKill).await, Ok(None));
    /// # }).unwrap();
    /// ```
    pub async fn shutdown(mut self, how: Shutdown) -> Result<Option<T>, TaskError> {
        self.check_owner()?;
        if matches!(self.slot, Slot::Taken) {
            return Err(TaskError::AlreadyAwaited);
        }
        if self.owner.is_some() {
            ember_rt::unlink(self.pid);
        }
        let reason = match how {
            Shutdown::BrutalKill => {
                ember_rt::exit(self.pid, ExitReason::Kill);
                self.death.reason().await
            }
            Shutdown::Infinity => {
                ember_rt::exit(self.pid, ExitReason::Shutdown);
                self.death.reason().await
            }
            Shutdown::Timeout(t) => {
                ember_rt::exit(self.pid, ExitReason::Shutdown);
                match tokio::time::timeout(t, self.death.reason()).await {
                    Ok(reason) => reason,
                    Err(_) => {
                        ember_rt::exit(self.pid, ExitReason::Kill);
                        self.death.reason().await
                    }
                }
            }
        };
        let sent = match &mut self.slot {
            Slot::Waiting(rx) => rx.try_recv().ok(),
            _ => None,
        };
        self.slot = Slot::Taken;
        match sent {
            Some(Ok(value)) => Ok(Some(value)),
            Some(Err(r)) => Err(TaskError::Exit(r)),
            None => match reason {
                ExitReason::Shutdown | ExitReason::Killed => Ok(None),
                other => Err(TaskError::Exit(other)),
            },
        }
    }

    /// Wait for several tasks until all have finished or `timeout` has passed (Elixir
    /// `Task.yield_many(tasks, ms)`); one entry per task, in order, as from
    /// [`yield_timeout`](Task::yield_timeout). Tasks still running keep running.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::task::Task;
    /// let mut tasks = vec![Task::spawn(async { 1 }), Task::spawn(async { 2 })];
    /// let results = Task::yield_many(&mut tasks, std::time::Duration::from_secs(5)).await;
    /// assert_eq!(results, vec![Ok(Some(1)), Ok(Some(2))]);
    /// # }).unwrap();
    /// ```
    pub async fn yield_many(
        tasks: &mut [Task<T>],
        timeout: Duration,
    ) -> Vec<Result<Option<T>, TaskError>> {
        let deadline = Instant::now().checked_add(timeout);
        let mut out = Vec::with_capacity(tasks.len());
        for task in tasks.iter_mut() {
            let left = match deadline {
                Some(d) => Timeout::After(d.saturating_duration_since(Instant::now())),
                None => Timeout::Infinity,
            };
            out.push(task.yield_timeout(left).await);
        }
        out
    }

    /// Await several tasks within one `timeout` (Elixir `Task.await_many(tasks, ms)`): all
    /// values in order, or the first error.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::task::Task;
    /// let tasks = (1..=3).map(|n| Task::spawn(async move { n * 10 })).collect();
    /// assert_eq!(Task::await_many(tasks, std::time::Duration::from_secs(5)).await, Ok(vec![10, 20, 30]));
    /// # }).unwrap();
    /// ```
    pub async fn await_many(
        mut tasks: Vec<Task<T>>,
        timeout: Duration,
    ) -> Result<Vec<T>, TaskError> {
        Task::yield_many(&mut tasks, timeout)
            .await
            .into_iter()
            .map(|r| r.and_then(|v| v.ok_or(TaskError::Timeout)))
            .collect()
    }

    fn check_owner(&self) -> Result<(), TaskError> {
        let caller = ember_rt::try_self_pid();
        if caller == self.owner {
            Ok(())
        } else {
            Err(TaskError::NotOwner {
                owner: self.owner,
                caller,
            })
        }
    }

    /// Wait (without a timeout) for the outcome; cancel-safe.
    async fn outcome(&mut self) -> Result<T, TaskError> {
        if let Slot::Waiting(rx) = &mut self.slot {
            let got = tokio::select! {
                biased;
                sent = rx => Some(sent.ok()),
                _ = self.death.reason() => None,
            };
            let sent = match got {
                Some(sent) => sent,
                // It ended: a value sent just before the exit wins.
                None => match &mut self.slot {
                    Slot::Waiting(rx) => rx.try_recv().ok(),
                    _ => None,
                },
            };
            match sent {
                Some(outcome) => {
                    self.slot = Slot::Taken;
                    return outcome.map_err(TaskError::Exit);
                }
                None => self.slot = Slot::Lost,
            }
        }
        match self.slot {
            Slot::Lost => {
                let reason = self.death.reason().await;
                self.slot = Slot::Taken;
                Err(TaskError::Exit(reason))
            }
            _ => Err(TaskError::AlreadyAwaited),
        }
    }
}

impl<T: Send + 'static> IntoFuture for Task<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<T, TaskError>> + Send>>;

    /// `task.await`: [`await_timeout`](Task::await_timeout) with [`DEFAULT_AWAIT_TIMEOUT`]
    /// (Elixir `Task.await(task)`).
    fn into_future(mut self) -> Self::IntoFuture {
        Box::pin(async move { self.await_timeout(DEFAULT_AWAIT_TIMEOUT).await })
    }
}

impl<T> std::fmt::Debug for Task<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Task")
            .field("pid", &self.pid)
            .field("owner", &self.owner)
            .finish()
    }
}
