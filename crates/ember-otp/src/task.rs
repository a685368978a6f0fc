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
//! - **Unlinked tasks.** A task from
//!   [`TaskSupervisor::async_nolink`](crate::task_supervisor::TaskSupervisor::async_nolink) is
//!   not linked to its owner but **monitored** by it (Elixir `Task.Supervisor.async_nolink`).
//!   Its end is reported once, through whichever channel is open when it happens: the await,
//!   yield or shutdown in progress, or else a [`Down`](ember_rt::Down) carrying
//!   [`monitor_ref`](Task::monitor_ref) in the owner's mailbox. An await removes the monitor
//!   while it runs and sets up a new one if it returns with the task still running (a timeout,
//!   or a cancelled await), so a task that ends while awaited leaves nothing in the mailbox.
//!   *Deviation:* a task that ended **before** the await began has sent its `Down` already;
//!   the await still returns the outcome, but cannot remove that `Down` (Elixir's `await`
//!   flushes it; a handle cannot reach a typed mailbox). Keep [`monitor_ref`](Task::monitor_ref)
//!   and call [`Mailbox::demonitor_flush`] with it after the await to drop it. (A task that
//!   ends in the instant between a timeout and the new monitor is reported by a `Down` with
//!   reason `noproc`; a yield still returns its real outcome.)

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use ember_rt::{ExitReason, Mailbox, Pid, Ref, Timeout, Watch};

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
    /// Linked to the owner ([`Task::spawn`] inside a process).
    linked: bool,
    slot: Slot<T>,
    death: Death,
    /// The owner's monitor, for an unlinked (`async_nolink`) task.
    nolink: Option<NoLink>,
}

/// The owner's monitor of an unlinked task: it reports the task's end as a `Down` while
/// nobody awaits the task.
struct NoLink {
    /// The live monitor; `None` while an await runs and once the end was reported.
    monitor: Option<Ref>,
    /// The end was reported (a `Down` was delivered, or an await took the outcome): never
    /// monitor again.
    reported: bool,
}

impl NoLink {
    /// Remove the monitor for the duration of an await (the caller is the owner).
    fn suspend(&mut self) {
        if let Some(reference) = self.monitor.take() {
            if !ember_rt::demonitor(reference) {
                // It had fired: the `Down` is in the mailbox already.
                self.reported = true;
            }
        }
    }

    /// Monitor again after an await that did not take the outcome, if still in the owner.
    fn resume(&mut self, pid: Pid, owner: Option<Pid>) {
        let in_owner = owner.is_some_and(|o| ember_rt::try_self_pid() == Some(o) && o.is_alive());
        if !self.reported && self.monitor.is_none() && in_owner {
            self.monitor = Some(ember_rt::monitor(pid));
        }
    }
}

/// Suspends a [`NoLink`] monitor while an await runs; resumes it on drop unless the await
/// took the outcome (so a cancelled await resumes it too).
struct Suspended<'a> {
    nolink: Option<&'a mut NoLink>,
    pid: Pid,
    owner: Option<Pid>,
}

impl<'a> Suspended<'a> {
    fn new(nolink: Option<&'a mut NoLink>, pid: Pid, owner: Option<Pid>) -> Suspended<'a> {
        let mut nolink = nolink;
        if let Some(n) = nolink.as_deref_mut() {
            n.suspend();
        }
        Suspended { nolink, pid, owner }
    }

    /// The await delivered the task's end: do not monitor again.
    fn reported(&mut self) {
        if let Some(n) = self.nolink.as_deref_mut() {
            n.reported = true;
        }
    }
}

impl Drop for Suspended<'_> {
    fn drop(&mut self) {
        if let Some(n) = self.nolink.as_deref_mut() {
            n.resume(self.pid, self.owner);
        }
    }
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
        let pid =
            ember_rt::spawn_link(move |_: Mailbox<()>| async move { run_task(fut, tx).await })
                .untyped();
        let watch = ember_rt::watch(pid);
        let owner = ember_rt::try_self_pid();
        Task {
            pid,
            owner,
            linked: owner.is_some(),
            slot: Slot::Waiting(rx),
            death: Death {
                watch: Some(watch),
                reason: None,
            },
            nolink: None,
        }
    }

    /// An unlinked task of `owner`, monitored by it with `monitor` (see `async_nolink`).
    pub(crate) fn nolink(
        pid: Pid,
        owner: Pid,
        outcome: oneshot::Receiver<Outcome<T>>,
        watch: Watch,
        monitor: Ref,
    ) -> Task<T> {
        Task {
            pid,
            owner: Some(owner),
            linked: false,
            slot: Slot::Waiting(outcome),
            death: Death {
                watch: Some(watch),
                reason: None,
            },
            nolink: Some(NoLink {
                monitor: Some(monitor),
                reported: false,
            }),
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

    /// The reference of the monitor whose [`Down`](ember_rt::Down) tells the owner that an
    /// unlinked task ended while nobody awaited it (Elixir `task.ref`). `None` for a linked
    /// task ([`Task::spawn`]) and once the task's end has been reported. It changes after an
    /// await that returns with the task still running. An await cannot remove a `Down` that
    /// arrived before it began: keep the reference and flush it with
    /// [`Mailbox::demonitor_flush`] (Elixir's `await` does `Process.demonitor(ref, [:flush])`).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task::Task;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// use ember_rt::{Mailbox, Message};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     assert_eq!(Task::spawn(async {}).monitor_ref(), None);
    ///     let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    ///     // Elixir: %Task{ref: ref} = Task.Supervisor.async_nolink(sup, fn -> :done end)
    ///     let task = sup.async_nolink(async { "done" }).await.unwrap();
    ///     let reference = task.monitor_ref().unwrap();
    ///     // Nobody awaits it: receive {:DOWN, ^ref, :process, _, :normal}
    ///     let Message::Down(down) = mb.recv_any().await else { unreachable!() };
    ///     assert_eq!(down.reference, reference);
    ///     assert!(down.reason.is_normal());
    /// }).unwrap();
    /// ```
    pub fn monitor_ref(&self) -> Option<Ref> {
        self.nolink.as_ref().and_then(|n| n.monitor)
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
        let mut suspended = Suspended::new(self.nolink.as_mut(), self.pid, self.owner);
        let outcome = outcome(&mut self.slot, &mut self.death);
        let got = match timeout.into() {
            Timeout::Infinity => outcome.await.map(Some),
            Timeout::After(d) => match tokio::time::timeout(d, outcome).await {
                Ok(outcome) => outcome.map(Some),
                Err(_) => Ok(None),
            },
        };
        if !matches!(got, Ok(None)) {
            suspended.reported();
        }
        got
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
        if self.linked {
            ember_rt::unlink(self.pid);
        }
        if let Some(n) = self.nolink.as_mut() {
            // Elixir demonitors with :flush; the end is reported by this call alone.
            n.suspend();
            n.reported = true;
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
}

/// Wait (without a timeout) for the outcome of a task; cancel-safe.
async fn outcome<T>(slot: &mut Slot<T>, death: &mut Death) -> Result<T, TaskError> {
    if let Slot::Waiting(rx) = slot {
        let got = tokio::select! {
            biased;
            sent = rx => Some(sent.ok()),
            _ = death.reason() => None,
        };
        let sent = match got {
            Some(sent) => sent,
            // It ended: a value sent just before the exit wins.
            None => match slot {
                Slot::Waiting(rx) => rx.try_recv().ok(),
                _ => None,
            },
        };
        match sent {
            Some(outcome) => {
                *slot = Slot::Taken;
                return outcome.map_err(TaskError::Exit);
            }
            None => *slot = Slot::Lost,
        }
    }
    match slot {
        Slot::Lost => {
            let reason = death.reason().await;
            *slot = Slot::Taken;
            Err(TaskError::Exit(reason))
        }
        _ => Err(TaskError::AlreadyAwaited),
    }
}

/// The body of a task process: compute, send the value (or the panic) to the owner's handle
/// before exiting, and exit with the panic's reason if it panicked.
pub(crate) async fn run_task<F>(
    fut: F,
    tx: oneshot::Sender<Result<F::Output, ExitReason>>,
) -> ExitReason
where
    F: Future,
{
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
