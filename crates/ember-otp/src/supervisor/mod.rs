//! # Supervisor: a process that starts, watches and restarts children
//!
//! Erlang `supervisor`, Elixir `Supervisor`. A supervisor is an ember process that traps exits
//! and is linked to its parent and to each running child. It is started with its flags and
//! child specs ([`Supervisor::start_link`]) and driven through a [`Supervisor`] handle.
//!
//! ```
//! use ember_otp::child::{ChildSpec, Started};
//! use ember_otp::supervisor::{Flags, Supervisor};
//! use ember_rt::{ExitReason, Mailbox};
//!
//! // A worker that runs until told to exit.
//! fn worker(id: &str) -> ChildSpec {
//!     ChildSpec::new(id, || async {
//!         let pid = ember_rt::spawn_link(|mut mb: Mailbox<ExitReason>| async move { mb.recv().await });
//!         Ok(Started::Pid(pid.untyped()))
//!     })
//! }
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     // Elixir: Supervisor.start_link([A, B], strategy: :one_for_one)
//!     let sup = Supervisor::start_link(Flags::one_for_one(), [worker("a"), worker("b")]).await.unwrap();
//!     let a = sup.which_children().await.unwrap()[1].status.pid().unwrap();
//!     ember_rt::exit(a, ExitReason::Kill); // let it crash...
//!     // The EXIT reached the supervisor before this request: the answer shows the restart.
//!     let a2 = sup.which_children().await.unwrap()[1].status.pid().unwrap();
//!     assert!(a2 != a && a2.is_alive()); // ...and it was restarted
//!     assert_eq!(sup.restart_count().await.unwrap(), 1);
//!     sup.stop(ExitReason::Normal).await.unwrap();
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - **Ownership.** The supervisor process owns its child list; nobody else reads or writes
//!   it. The API sends a request message and awaits the reply on a oneshot channel, watching
//!   the supervisor (`ember_rt::watch`) so a dead supervisor is an error, not a hang.
//! - **Order.** Children are started one at a time in list order; new children
//!   (`start_child`) go to the end. They are stopped one at a time in **reverse** start order,
//!   and `which_children` lists them in reverse start order, as Erlang does (G3, G4).
//! - **States of a child.** `Running(pid)` → (ends) → restarted, or `Stopped` (transient after
//!   a clean exit, terminated, ignored), or removed (temporary). `Restarting` while a failed
//!   restart is retried. Only `Running` children are linked.
//! - **Requests are ordered with exits.** The supervisor handles its mailbox in order, and
//!   ember delivers a child's `Exit` when the child dies. So a request sent after a child was
//!   seen dead (killed with `exit(pid, Kill)`, or its `watch` resolved) is answered after the
//!   supervisor has handled that death, restart included: no polling needed in tests/demos.
//! - **Messages.** An `Exit` from the parent stops the supervisor: children are stopped in
//!   reverse order, each always with its own shutdown mode (they get `shutdown` or `kill`,
//!   never the parent's reason), then the supervisor exits with the parent's reason. `Exit`s
//!   from processes that are not running children are ignored (G4). A stopped child's `Exit`
//!   is taken out of the mailbox, so it is never seen as a crash.
//! - **Restarts.** Restart types and the intensity algorithm are exactly G7-G10 (see
//!   `restart` and `intensity`); on giving up, the supervisor stops all children in reverse
//!   order and exits with `ExitReason::Shutdown`.
//! - **Start failure** during `start_link` (G13): the children already started are stopped in
//!   reverse order, `start_link` returns [`StartError::FailedToStartChild`], and the process
//!   exits with `{shutdown, {failed_to_start_child, Id, R}}`, so a linked caller that does not
//!   trap exits dies too.
//! - **Reports** are `tracing` events with fixed fields (see [`crate::report`]).
//!
//! ## Erlang → ember
//! | Erlang / Elixir | ember |
//! |---|---|
//! | `supervisor:start_link(Mod, Arg)` / `Supervisor.start_link(children, opts)` | [`Supervisor::start_link`]`(flags, specs)` |
//! | `#{strategy => one_for_all, intensity => 1, period => 5}` | [`Flags::one_for_all()`](Flags::one_for_all)`.intensity(1).period(5)` |
//! | `start_child/2`, `terminate_child/2`, `restart_child/2`, `delete_child/2` | the methods of the same names |
//! | `which_children/1`, `count_children/1` | [`Supervisor::which_children`], [`Supervisor::count_children`] |
//! | `Supervisor.stop(sup, reason)` | [`Supervisor::stop`] |
//! | `Supervisor.child_spec(...)`, `type => supervisor` | [`Supervisor::child_spec`] |
//!
//! ## Deviations
//! - Flags and specs are checked *before* the process is spawned: errors are returned and no
//!   process exits (Erlang's supervisor exits with `{start_spec, E}` and kills a linked
//!   caller). A failed *child start* still behaves exactly as in Erlang (G13).
//! - `simple_one_for_one` is not a strategy here; use
//!   [`DynamicSupervisor`](crate::dynamic_supervisor::DynamicSupervisor), as Elixir does.
//! - The start function must link the child to the caller (the supervisor), as in Erlang; an
//!   unlinked child's exits are not seen.

mod call;
mod error;
mod flags;
mod info;
pub(crate) mod intensity;
mod restart;
mod server;
pub(crate) mod shutdown;
pub(crate) mod start;

use std::collections::HashSet;
use std::sync::Arc;

use ember_rt::{ExitReason, Mailbox, Name, Pid, RegisterError, SpawnError, SpawnOpts, TypeError};
use tokio::sync::oneshot;

pub(crate) use call::{await_reply, call, stop};
pub use error::{
    BadCombination, CallError, DeleteChildError, FlagsError, RestartChildError, SpecError,
    StartChildError, StartError, TerminateChildError,
};
pub use flags::{AutoShutdown, Flags, Strategy};
pub use info::{ChildCounts, ChildInfo, ChildStatus};
use server::Request;

use crate::child::{ChildSpec, Restart, Started};

/// A handle on a running supervisor (a typed pid). Cheap to copy; usable from any process or
/// thread.
///
/// ```
/// use ember_otp::supervisor::{Flags, Supervisor};
/// let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let sup = Supervisor::start_link(Flags::default().name("root"), []).await.unwrap();
///     assert_eq!(Supervisor::whereis("root"), Some(sup));
///     assert_eq!(sup.count_children().await.unwrap().specs, 0);
/// }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Supervisor {
    pid: Pid<Request>,
}

/// Check a child spec against the flags (Erlang `{start_spec, E}`).
pub(crate) fn validate_spec(flags: &Flags, spec: &ChildSpec) -> Result<(), SpecError> {
    if spec.significant {
        let problem = if spec.restart == Restart::Permanent {
            Some(BadCombination::SignificantPermanent)
        } else if flags.auto_shutdown == AutoShutdown::Never {
            Some(BadCombination::SignificantWithoutAutoShutdown)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(SpecError::BadCombination {
                id: spec.id.clone(),
                problem,
            });
        }
    }
    Ok(())
}

fn validate_specs(flags: &Flags, specs: &[ChildSpec]) -> Result<(), SpecError> {
    let mut seen = HashSet::new();
    for spec in specs {
        if !seen.insert(spec.id()) {
            return Err(SpecError::DuplicateChildId(spec.id.clone()));
        }
        validate_spec(flags, spec)?;
    }
    Ok(())
}

/// Map a spawn failure of a named process (Erlang `{already_started, Pid}`).
pub(crate) fn spawn_error(e: SpawnError) -> StartError {
    match e {
        SpawnError::Register(RegisterError::NameTaken { owner, .. }) => {
            StartError::AlreadyStarted(owner)
        }
        other => StartError::Spawn(other),
    }
}

impl Supervisor {
    /// Start a supervisor linked to the calling process, start its children in order, and
    /// return once all have started (Erlang `supervisor:start_link/2`, Elixir
    /// `Supervisor.start_link(children, opts)`).
    ///
    /// Must be called from an ember process (the parent). If a child fails to start, the
    /// children already started are stopped in reverse order, this returns
    /// [`StartError::FailedToStartChild`], and the supervisor exits with
    /// `{shutdown, {failed_to_start_child, Id, R}}` (G13).
    ///
    /// ```
    /// use ember_otp::child::ChildSpec;
    /// use ember_otp::supervisor::{Flags, StartError, Supervisor};
    /// use ember_rt::ExitReason;
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     ember_rt::trap_exit(true); // survive the failed supervisor's exit
    ///     let bad = ChildSpec::new("db", || async { Err(ExitReason::atom("econnrefused")) });
    ///     let err = Supervisor::start_link(Flags::default(), [bad]).await.unwrap_err();
    ///     assert!(matches!(err, StartError::FailedToStartChild { ref id, .. } if &**id == "db"));
    /// }).unwrap();
    /// ```
    pub async fn start_link(
        flags: Flags,
        children: impl IntoIterator<Item = ChildSpec>,
    ) -> Result<Supervisor, StartError> {
        let specs: Vec<ChildSpec> = children.into_iter().collect();
        flags.validate()?;
        validate_specs(&flags, &specs)?;
        let parent = ember_rt::try_self_pid().ok_or(StartError::NotInProcess)?;
        let (ack_tx, ack_rx) = oneshot::channel();
        let mut opts = SpawnOpts::new().link().trap_exit(true);
        if let Some(name) = &flags.name {
            opts = opts.name(name.clone());
        }
        let spawned = ember_rt::spawn_opt(opts, move |mb: Mailbox<Request>| {
            server::run(mb, parent, flags, specs, ack_tx)
        })
        .map_err(spawn_error)?;
        let pid = spawned.pid;
        match await_reply(pid, ack_rx).await {
            Ok(Ok(())) => Ok(Supervisor { pid }),
            Ok(Err(e)) => Err(e),
            Err(reason) => Err(StartError::Exit(reason)),
        }
    }

    /// A child spec that starts a supervisor with these flags and children, of type
    /// supervisor (default shutdown `Infinity`): a supervision tree.
    ///
    /// ```
    /// use ember_otp::child::ChildType;
    /// use ember_otp::supervisor::{Flags, Supervisor};
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     let inner = Supervisor::child_spec("inner", Flags::one_for_all(), vec![]);
    ///     let root = Supervisor::start_link(Flags::default(), [inner]).await.unwrap();
    ///     let kids = root.which_children().await.unwrap();
    ///     assert_eq!(kids[0].child_type, ChildType::Supervisor);
    ///     let inner = Supervisor::from_pid(kids[0].status.pid().unwrap()).unwrap();
    ///     assert_eq!(inner.count_children().await.unwrap().specs, 0);
    /// }).unwrap();
    /// ```
    pub fn child_spec(
        id: impl Into<Arc<str>>,
        flags: Flags,
        children: Vec<ChildSpec>,
    ) -> ChildSpec {
        ChildSpec::new(id, move || {
            let flags = flags.clone();
            let children = children.clone();
            async move {
                let sup = Supervisor::start_link(flags, children)
                    .await
                    .map_err(ExitReason::from)?;
                Ok(Started::Pid(sup.pid()))
            }
        })
        .supervisor()
    }

    /// The supervisor's pid.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = ember_otp::supervisor::Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert!(sup.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.pid.untyped()
    }

    /// The supervisor running as `pid`, checked: fails if it is not alive or not a supervisor.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::supervisor::Supervisor;
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(Supervisor::from_pid(sup.pid()), Ok(sup));
    /// assert!(Supervisor::from_pid(ember_rt::self_pid()).is_err());
    /// # }).unwrap();
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Supervisor, TypeError> {
        pid.typed::<Request>().map(|pid| Supervisor { pid })
    }

    /// The supervisor registered as `name`, if any (Erlang `whereis/1` on a supervisor name).
    /// `None` outside an ember process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// assert_eq!(ember_otp::supervisor::Supervisor::whereis("nobody"), None);
    /// # }).unwrap();
    /// ```
    pub fn whereis(name: impl Into<Name>) -> Option<Supervisor> {
        ember_rt::try_self_pid()?;
        ember_rt::whereis(name).and_then(|pid| Supervisor::from_pid(pid).ok())
    }

    /// Add a child and start it (Erlang `supervisor:start_child/2`).
    ///
    /// `Ok(Started::Ignore)` if its start returned ignore (the spec is kept unless the child
    /// is temporary); [`StartChildError::AlreadyStarted`] / [`StartChildError::AlreadyPresent`]
    /// if the id exists; [`StartChildError::StartFailed`] if the start failed (nothing added).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::child::{ChildSpec, Started};
    /// use ember_otp::supervisor::{StartChildError, Supervisor};
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// let spec = ChildSpec::new("w", || async {
    ///     let pid = ember_rt::spawn_link(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
    ///     Ok(Started::Pid(pid.untyped()))
    /// });
    /// let Started::Pid(pid) = sup.start_child(spec.clone()).await.unwrap() else { panic!() };
    /// assert_eq!(sup.start_child(spec).await, Err(StartChildError::AlreadyStarted(pid)));
    /// # }).unwrap();
    /// ```
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Started, StartChildError> {
        call(self.pid, |tx| Request::StartChild(spec, tx)).await?
    }

    /// Stop a child, keeping its spec unless it is temporary (Erlang
    /// `supervisor:terminate_child/2`). `Ok` also when it was already stopped.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::supervisor::{Supervisor, TerminateChildError};
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.terminate_child("nope").await, Err(TerminateChildError::NotFound));
    /// # }).unwrap();
    /// ```
    pub async fn terminate_child(&self, id: &str) -> Result<(), TerminateChildError> {
        let id: Arc<str> = Arc::from(id);
        call(self.pid, |tx| Request::TerminateChild(id, tx)).await?
    }

    /// Start a stopped child again (Erlang `supervisor:restart_child/2`). Does not count
    /// toward the restart intensity.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::supervisor::{RestartChildError, Supervisor};
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.restart_child("nope").await, Err(RestartChildError::NotFound));
    /// # }).unwrap();
    /// ```
    pub async fn restart_child(&self, id: &str) -> Result<Started, RestartChildError> {
        let id: Arc<str> = Arc::from(id);
        call(self.pid, |tx| Request::RestartChild(id, tx)).await?
    }

    /// Remove a stopped child's spec (Erlang `supervisor:delete_child/2`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::supervisor::{DeleteChildError, Supervisor};
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.delete_child("nope").await, Err(DeleteChildError::NotFound));
    /// # }).unwrap();
    /// ```
    pub async fn delete_child(&self, id: &str) -> Result<(), DeleteChildError> {
        let id: Arc<str> = Arc::from(id);
        call(self.pid, |tx| Request::DeleteChild(id, tx)).await?
    }

    /// The children, in reverse start order (Erlang `supervisor:which_children/1`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = ember_otp::supervisor::Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert!(sup.which_children().await.unwrap().is_empty());
    /// # }).unwrap();
    /// ```
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        call(self.pid, Request::WhichChildren).await
    }

    /// Count the children (Erlang `supervisor:count_children/1`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = ember_otp::supervisor::Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.count_children().await.unwrap(), Default::default());
    /// # }).unwrap();
    /// ```
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        call(self.pid, Request::CountChildren).await
    }

    /// How many restarts this supervisor has performed since it started (every attempt counts,
    /// as for the intensity; `restart_child` does not). Not in OTP; for tests, demos and
    /// dashboards.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sup = ember_otp::supervisor::Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.restart_count().await.unwrap(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn restart_count(&self) -> Result<u64, CallError> {
        call(self.pid, Request::RestartCount).await
    }

    /// Stop the supervisor: its children are stopped in reverse start order, then it exits
    /// with `reason`; returns once it has exited (Elixir `Supervisor.stop(sup, reason)`).
    /// A linked caller that does not trap exits dies too unless `reason` is `Normal`.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::supervisor::{CallError, Supervisor};
    /// use ember_rt::ExitReason;
    /// let sup = Supervisor::start_link(Default::default(), []).await.unwrap();
    /// assert_eq!(sup.stop(ExitReason::Normal).await, Ok(()));
    /// assert_eq!(sup.stop(ExitReason::Normal).await, Err(CallError::NoProc));
    /// # }).unwrap();
    /// ```
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        let exited = stop(self.pid, Request::Stop(reason.clone())).await?;
        if exited == reason {
            Ok(())
        } else {
            Err(CallError::Exit(exited))
        }
    }
}
