//! # Task.Supervisor: a supervisor of tasks
//!
//! Elixir `Task.Supervisor` (otp-semantics H5): a [`DynamicSupervisor`] (one_for_one, by
//! default 3 restarts in 5 s) whose children are **temporary** task processes.
//! [`TaskSupervisor::start_child`] starts a fire-and-forget task;
//! [`TaskSupervisor::async_nolink`] starts a task whose result the caller awaits, **without a
//! link**: a crash never reaches the caller, it is the await's `Err(TaskError::Exit(reason))`.
//!
//! ```
//! use ember_otp::dynamic_supervisor::DynamicOptions;
//! use ember_otp::task::TaskError;
//! use ember_otp::task_supervisor::TaskSupervisor;
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     // Elixir: {:ok, sup} = Task.Supervisor.start_link()
//!     let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
//!     // task = Task.Supervisor.async_nolink(sup, fn -> 6 * 7 end); Task.await(task)
//!     let task = sup.async_nolink(async { 6 * 7 }).await.unwrap();
//!     assert_eq!(task.await, Ok(42));
//!     // A crash is a value, not an exit signal: the caller lives on.
//!     let task = sup.async_nolink(async { if true { panic!("boom") } }).await.unwrap();
//!     assert!(matches!(task.await, Err(TaskError::Exit(_))));
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - **Supervision.** Every task is a child of the supervisor: linked to it, started by it,
//!   with restart `temporary` (never restarted, forgotten once it ends) and shutdown 5 s
//!   (Elixir's defaults). When the supervisor stops, so do its tasks.
//! - **`async_nolink`.** The caller (the task's *owner*) monitors the task before the task's
//!   future is first polled (the task waits for the owner's go, as Elixir's `Task.Supervised`
//!   waits for its owner's reference), and the task process is watched atomically at spawn.
//!   So the monitor's `Down` and the await both carry the real exit reason, even for a task that
//!   crashes at once. There is **no link**: a crash never kills the owner.
//! - **Exactly one report.** A task's end reaches the owner once: as the outcome of the await,
//!   yield or shutdown running at that moment, or else as a [`Down`](ember_rt::Down) with
//!   [`Task::monitor_ref`] (Elixir: `{:DOWN, ref, ...}` when nobody awaits). The value of a task
//!   that ended while nobody awaited stays in its handle: a later yield returns it (Elixir's
//!   `{ref, result}` message). See the [`task`](crate::task) module for the await rules.
//!
//! ## Elixir → ember
//! | Elixir | ember |
//! |---|---|
//! | `Task.Supervisor.start_link(max_children: 10)` | `TaskSupervisor::start_link(DynamicOptions::new().max_children(10))` |
//! | `{Task.Supervisor, name: MyApp.Tasks}` in a children list | `TaskSupervisor::child_spec("tasks", DynamicOptions::new().name("tasks"))` |
//! | `Task.Supervisor.start_child(sup, fun)` | `sup.start_child(fut)` |
//! | `Task.Supervisor.async_nolink(sup, fun)` | `sup.async_nolink(fut)` → [`Task`] |
//! | `Task.Supervisor.children(sup)` | `sup.children()` |
//! | `Task.Supervisor.terminate_child(sup, pid)` | `sup.terminate_child(pid)` |
//!
//! Not implemented: `Task.Supervisor.async` (linked), `async_stream`, and per-task `restart:`
//! / `shutdown:` options (tasks are always temporary with a 5 s shutdown).

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use ember_rt::{ExitReason, IntoExitReason, Mailbox, Name, Pid, SpawnOpts, TypeError, Watch};
use tokio::sync::oneshot;

use crate::child::{ChildSpec, Restart, Started};
use crate::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use crate::supervisor::{CallError, StartChildError, StartError, TerminateChildError};
use crate::task::{Task, run_task};

/// The id of every task child (Elixir shows `:undefined`).
const TASK_ID: &str = "task";

/// A task could not be started.
///
/// ```
/// use ember_otp::supervisor::StartChildError;
/// use ember_otp::task_supervisor::TaskStartError;
/// // Elixir: Task.Supervisor.start_child(sup, fun) #=> {:error, :max_children}
/// let e = TaskStartError::from(StartChildError::MaxChildren);
/// assert_eq!(e.to_string(), "max_children reached");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TaskStartError {
    /// `async_nolink` needs an owner: it must be called from an ember process.
    #[error("async_nolink must be called from an ember process")]
    NotInProcess,
    /// The supervisor did not start it ([`StartChildError::MaxChildren`], or the supervisor
    /// is not alive: [`StartChildError::Call`]).
    #[error(transparent)]
    Start(#[from] StartChildError),
}

/// A handle on a running task supervisor (a typed pid; cheap to copy).
///
/// ```
/// use ember_otp::dynamic_supervisor::DynamicOptions;
/// use ember_otp::task_supervisor::TaskSupervisor;
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// // Elixir: Task.Supervisor.start_link(name: :tasks)
/// let sup = TaskSupervisor::start_link(DynamicOptions::new().name("tasks")).await.unwrap();
/// assert_eq!(TaskSupervisor::whereis("tasks"), Some(sup));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskSupervisor {
    ds: DynamicSupervisor<()>,
}

impl TaskSupervisor {
    /// Start a task supervisor linked to the caller (Elixir `Task.Supervisor.start_link/1`):
    /// a one_for_one [`DynamicSupervisor`] with these options (defaults: 3 restarts in 5 s,
    /// no `max_children`). Must be called from an ember process.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// // Elixir: {:ok, sup} = Task.Supervisor.start_link(max_children: 100)
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new().max_children(100)).await.unwrap();
    /// assert!(sup.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub async fn start_link(opts: DynamicOptions) -> Result<TaskSupervisor, StartError> {
        DynamicSupervisor::start_link(opts)
            .await
            .map(|ds| TaskSupervisor { ds })
    }

    /// A child spec that starts a task supervisor (type supervisor), for a supervision tree.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::supervisor::{Flags, Supervisor};
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// // Elixir: Supervisor.start_link([{Task.Supervisor, name: :tasks}], strategy: :one_for_one)
    /// let tasks = TaskSupervisor::child_spec("tasks", DynamicOptions::new().name("tasks"));
    /// let _root = Supervisor::start_link(Flags::one_for_one(), [tasks]).await.unwrap();
    /// let sup = TaskSupervisor::whereis("tasks").unwrap();
    /// assert_eq!(sup.async_nolink(async { 1 }).await.unwrap().await, Ok(1));
    /// # }).unwrap();
    /// ```
    pub fn child_spec(id: impl Into<Arc<str>>, opts: DynamicOptions) -> ChildSpec {
        DynamicSupervisor::child_spec(id, opts)
    }

    /// The task supervisor running as `pid` (checked: it must be a `DynamicSupervisor<()>`,
    /// which is what a task supervisor is).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_eq!(TaskSupervisor::from_pid(sup.pid()), Ok(sup));
    /// assert!(TaskSupervisor::from_pid(ember_rt::self_pid()).is_err());
    /// # }).unwrap();
    /// ```
    pub fn from_pid(pid: Pid) -> Result<TaskSupervisor, TypeError> {
        DynamicSupervisor::from_pid(pid).map(|ds| TaskSupervisor { ds })
    }

    /// The task supervisor registered as `name`; `None` outside an ember process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// // Elixir: Process.whereis(:tasks)
    /// assert!(ember_otp::task_supervisor::TaskSupervisor::whereis("tasks").is_none());
    /// # }).unwrap();
    /// ```
    pub fn whereis(name: impl Into<Name>) -> Option<TaskSupervisor> {
        DynamicSupervisor::whereis(name).map(|ds| TaskSupervisor { ds })
    }

    /// The supervisor's pid.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_ne!(sup.pid(), ember_rt::self_pid());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.ds.pid()
    }

    /// The underlying dynamic supervisor, for `count_children`, `restart_count`, `stop`, ...
    /// (Elixir calls `DynamicSupervisor` functions on a `Task.Supervisor` the same way).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// // Elixir: DynamicSupervisor.count_children(sup)
    /// assert_eq!(sup.as_dynamic().count_children().await.unwrap().active, 0);
    /// # }).unwrap();
    /// ```
    pub fn as_dynamic(&self) -> DynamicSupervisor<()> {
        self.ds
    }

    /// Start a fire-and-forget task under the supervisor (Elixir
    /// `Task.Supervisor.start_child(sup, fun)` → `{:ok, pid}`). It is temporary: never
    /// restarted. It exits `normal` when `fut` completes, or with the reason its output gives
    /// (`Err(e)` → an abnormal exit, reported by the supervisor), or with its panic.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// use ember_rt::Mailbox;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: Mailbox<&'static str>| async move {
    ///     let me = mb.pid();
    ///     let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    ///     // Elixir: {:ok, pid} = Task.Supervisor.start_child(sup, fn -> send(me, :sent) end)
    ///     let pid = sup.start_child(async move { me.send("sent") }).await.unwrap();
    ///     assert_eq!(mb.recv().await, "sent");
    ///     // It exits normal and is not restarted (it may be gone already: noproc).
    ///     let reason = ember_rt::watch(pid).await;
    ///     assert!(matches!(reason, ember_rt::ExitReason::Normal | ember_rt::ExitReason::NoProc));
    /// }).unwrap();
    /// ```
    pub async fn start_child<F>(&self, fut: F) -> Result<Pid, TaskStartError>
    where
        F: Future + Send + 'static,
        F::Output: IntoExitReason,
    {
        let spec = task_spec(move || {
            let spawned = ember_rt::spawn_opt(SpawnOpts::new().link(), move |_: Mailbox<()>| fut)
                .map_err(ExitReason::error)?;
            Ok(spawned.pid.untyped())
        });
        started(self.ds.start_child(spec).await)
    }

    /// Start a task under the supervisor whose result the caller awaits, **monitored but not
    /// linked** (Elixir `Task.Supervisor.async_nolink(sup, fun)`). The caller is the task's
    /// owner: only it may await, yield or shut it down.
    ///
    /// - Success: the await (or yield) returns the value.
    /// - A crash: the await returns `Err(TaskError::Exit(reason))` (Elixir `{:exit, reason}`
    ///   from `Task.yield`), and the caller does not exit, trapping or not.
    /// - Nobody awaiting when it ends: a [`Down`](ember_rt::Down) with
    ///   [`Task::monitor_ref`] arrives in the caller's mailbox (Elixir's `{:DOWN, ref, ...}`);
    ///   a later yield still returns the value or the reason (and, unlike Elixir's, leaves the
    ///   `Down` in the mailbox: see [`Task::monitor_ref`]).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task::TaskError;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// use ember_rt::{Mailbox, Message};
    /// use std::time::Duration;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    ///     // Elixir: task = Task.Supervisor.async_nolink(sup, fn -> raise "boom" end)
    ///     let mut task = sup.async_nolink(async { if true { panic!("boom") } }).await.unwrap();
    ///     // receive do {:DOWN, ^ref, :process, _pid, reason} -> reason end
    ///     let Message::Down(down) = mb.recv_any().await else { unreachable!() };
    ///     assert_eq!(Some(down.reference), task.monitor_ref());
    ///     // Task.yield(task, 0) #=> {:exit, reason}
    ///     let yielded = task.yield_timeout(Duration::ZERO).await;
    ///     assert_eq!(yielded, Err(TaskError::Exit(down.reason)));
    /// }).unwrap();
    /// ```
    pub async fn async_nolink<F>(&self, fut: F) -> Result<Task<F::Output>, TaskStartError>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let owner = ember_rt::try_self_pid().ok_or(TaskStartError::NotInProcess)?;
        let (tx, rx) = oneshot::channel();
        let (go_tx, go_rx) = oneshot::channel::<()>();
        let watch: Arc<Mutex<Option<Watch>>> = Arc::default();
        let slot = watch.clone();
        let spec = task_spec(move || {
            let opts = SpawnOpts::new().link().watch();
            let spawned = ember_rt::spawn_opt(opts, move |_: Mailbox<()>| async move {
                // Run once the owner monitors this process (or has given up on it).
                let _ = go_rx.await;
                run_task(fut, tx).await
            })
            .map_err(ExitReason::error)?;
            *slot.lock().unwrap_or_else(PoisonError::into_inner) = spawned.watch;
            Ok(spawned.pid.untyped())
        });
        let pid = started(self.ds.start_child(spec).await)?;
        let watch = watch.lock().unwrap_or_else(PoisonError::into_inner).take();
        let watch = watch.unwrap_or_else(|| ember_rt::watch(pid));
        let monitor = ember_rt::monitor(pid);
        let _ = go_tx.send(());
        Ok(Task::nolink(pid, owner, rx, watch, monitor))
    }

    /// The pids of the running tasks, in no particular order (Elixir
    /// `Task.Supervisor.children/1`).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// let pid = sup.start_child(std::future::pending::<()>()).await.unwrap();
    /// assert_eq!(sup.children().await.unwrap(), vec![pid]);
    /// # }).unwrap();
    /// ```
    pub async fn children(&self) -> Result<Vec<Pid>, CallError> {
        let children = self.ds.which_children().await?;
        Ok(children.iter().filter_map(|c| c.status.pid()).collect())
    }

    /// Stop the task running as `pid` with its shutdown (`shutdown`, then a kill after 5 s)
    /// (Elixir `Task.Supervisor.terminate_child/2`): `Ok` the first time, `NotFound` after.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::DynamicOptions;
    /// use ember_otp::supervisor::TerminateChildError;
    /// use ember_otp::task_supervisor::TaskSupervisor;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = TaskSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// let pid = sup.start_child(std::future::pending::<()>()).await.unwrap();
    /// assert_eq!(sup.terminate_child(pid).await, Ok(()));
    /// assert_eq!(sup.terminate_child(pid).await, Err(TerminateChildError::NotFound));
    /// # }).unwrap();
    /// ```
    pub async fn terminate_child(&self, pid: Pid) -> Result<(), TerminateChildError> {
        self.ds.terminate_child(pid).await
    }
}

/// A temporary worker spec whose start runs `spawn` once, in the supervisor's process (so
/// the task is linked to the supervisor).
fn task_spec<S>(spawn: S) -> ChildSpec
where
    S: FnOnce() -> Result<Pid, ExitReason> + Send + 'static,
{
    let once = Arc::new(Mutex::new(Some(spawn)));
    ChildSpec::new(TASK_ID, move || {
        let once = once.clone();
        async move {
            let spawn = once.lock().unwrap_or_else(PoisonError::into_inner).take();
            // Temporary children are never restarted, so a second start does not happen.
            let spawn = spawn.ok_or_else(|| ExitReason::atom("task_already_started"))?;
            spawn().map(Started::Pid)
        }
    })
    .restart(Restart::Temporary)
}

/// The pid of a started task.
fn started(r: Result<Started, StartChildError>) -> Result<Pid, TaskStartError> {
    match r? {
        Started::Pid(pid) => Ok(pid),
        // A task's start never returns ignore.
        Started::Ignore => Err(StartChildError::StartFailed(ExitReason::atom("ignore")).into()),
    }
}
