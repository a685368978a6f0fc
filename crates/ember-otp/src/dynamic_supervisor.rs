//! # DynamicSupervisor: children started on demand
//!
//! Elixir `DynamicSupervisor` (otp-semantics H2); Erlang's `simple_one_for_one` plays the same
//! role (G12). It starts with no children; [`DynamicSupervisor::start_child`] adds one at a
//! time; children are addressed by pid.
//!
//! ```
//! use ember_otp::child::{ChildSpec, Started};
//! use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
//! use ember_rt::Mailbox;
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     // Elixir: DynamicSupervisor.start_link(strategy: :one_for_one, max_children: 2)
//!     let ds = DynamicSupervisor::start_link(DynamicOptions::new().max_children(2)).await.unwrap();
//!     let conn = || ChildSpec::new("conn", || async {
//!         let pid = ember_rt::spawn_link(|mut mb: Mailbox<()>| async move { mb.recv().await });
//!         Ok(Started::Pid(pid.untyped()))
//!     });
//!     let Started::Pid(first) = ds.start_child(conn()).await.unwrap() else { unreachable!() };
//!     ds.start_child(conn()).await.unwrap();
//!     assert!(ds.start_child(conn()).await.is_err()); // max_children
//!     ds.terminate_child(first).await.unwrap();
//!     assert_eq!(ds.count_children().await.unwrap().active, 1);
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - The process traps exits, is linked to its parent and to each running child, and owns its
//!   child table (keyed by pid). A child is `Running(pid)` or, while a failed restart is
//!   retried, `Restarting` (keyed by its last pid). A child that ends without restart is
//!   removed at once (Elixir keeps no stopped children).
//! - Strategy: `one_for_one` only; anything else is [`FlagsError::InvalidStrategy`] and no
//!   process starts. Restart types and the intensity window are the supervisor's (G7-G10),
//!   defaults 3 restarts in 5 s.
//! - Shutdown (parent exit, [`stop`](DynamicSupervisor::stop), giving up): all children are
//!   sent their shutdown signal **at once** and awaited each until its own deadline, in no
//!   particular order (Elixir `terminate_children`, Erlang sofo G12); then the process exits
//!   with the parent's reason (or `shutdown` on giving up).
//!
//! ## `extra_arguments`
//! Elixir prepends `extra_arguments` to the arguments of every child's start function. ember
//! keeps them as one typed value `A` inside the supervisor
//! ([`DynamicOptions::extra_arguments`]) and hands it to a closure that builds the spec, in
//! the supervisor, at [`DynamicSupervisor::start_child_with`]:
//!
//! | Elixir | ember |
//! |---|---|
//! | `DynamicSupervisor.start_link(extra_arguments: [pool])` | `DynamicSupervisor::start_link(DynamicOptions::new().extra_arguments(pool))` |
//! | `DynamicSupervisor.start_child(ds, {Worker, arg})` → `Worker.start_link(pool, arg)` | `ds.start_child_with(move \|pool\| Worker::child_spec(pool.clone(), arg))` |
//!
//! The spec built once is what restarts use, exactly like the stored MFA in Elixir.

use std::collections::BTreeMap;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::ControlFlow;
use std::sync::Arc;

use ember_rt::{ExitReason, Mailbox, Message, Name, Pid, SpawnOpts, TypeError};
use tokio::sync::oneshot;

use crate::child::{ChildSpec, ChildType, Restart, Started};
use crate::report;
use crate::supervisor::intensity::{RestartWindow, now_secs};
use crate::supervisor::shutdown::{self, Stopping};
use crate::supervisor::start::start_child;
use crate::supervisor::{
    CallError, ChildCounts, ChildInfo, ChildStatus, FlagsError, StartChildError, StartError,
    Strategy, TerminateChildError, call, spawn_error, stop,
};

/// The options of a dynamic supervisor (Elixir `DynamicSupervisor.init/1` options). `A` is
/// the type of the extra arguments (`()` when there are none).
///
/// ```
/// use ember_otp::dynamic_supervisor::DynamicOptions;
/// let opts = DynamicOptions::new().max_children(10).intensity(5).period(1).extra_arguments(42u32);
/// assert_eq!((opts.max_children, opts.intensity, opts.period, opts.extra_arguments), (Some(10), 5, 1, 42));
/// ```
#[derive(Debug, Clone)]
pub struct DynamicOptions<A = ()> {
    /// Must be `OneForOne` (the default).
    pub strategy: Strategy,
    /// Maximum restarts within the period (Elixir `max_restarts`, default 3).
    pub intensity: u32,
    /// The period in seconds (Elixir `max_seconds`, default 5).
    pub period: u64,
    /// At most this many children (Elixir `max_children`, default `:infinity` = `None`).
    pub max_children: Option<usize>,
    /// Given to every [`start_child_with`](DynamicSupervisor::start_child_with) closure
    /// (Elixir `extra_arguments`).
    pub extra_arguments: A,
    /// Register the supervisor under this name.
    pub name: Option<Name>,
}

impl Default for DynamicOptions<()> {
    fn default() -> Self {
        DynamicOptions::new()
    }
}

impl DynamicOptions<()> {
    /// `one_for_one`, 3 restarts in 5 s, no limit, no extra arguments.
    ///
    /// ```
    /// let o = ember_otp::dynamic_supervisor::DynamicOptions::new();
    /// assert_eq!((o.intensity, o.period, o.max_children), (3, 5, None));
    /// ```
    pub fn new() -> DynamicOptions<()> {
        DynamicOptions {
            strategy: Strategy::OneForOne,
            intensity: 3,
            period: 5,
            max_children: None,
            extra_arguments: (),
            name: None,
        }
    }
}

impl<A> DynamicOptions<A> {
    /// Set the strategy (only `OneForOne` is accepted by `start_link`).
    ///
    /// ```
    /// use ember_otp::supervisor::Strategy;
    /// let o = ember_otp::dynamic_supervisor::DynamicOptions::new().strategy(Strategy::OneForAll);
    /// assert_eq!(o.strategy, Strategy::OneForAll);
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Self {
        self.strategy = strategy;
        self
    }

    /// Set the maximum restarts within the period.
    ///
    /// ```
    /// assert_eq!(ember_otp::dynamic_supervisor::DynamicOptions::new().intensity(0).intensity, 0);
    /// ```
    pub fn intensity(mut self, max_restarts: u32) -> Self {
        self.intensity = max_restarts;
        self
    }

    /// Set the period in seconds.
    ///
    /// ```
    /// assert_eq!(ember_otp::dynamic_supervisor::DynamicOptions::new().period(1).period, 1);
    /// ```
    pub fn period(mut self, seconds: u64) -> Self {
        self.period = seconds;
        self
    }

    /// Limit the number of children.
    ///
    /// ```
    /// assert_eq!(ember_otp::dynamic_supervisor::DynamicOptions::new().max_children(1).max_children, Some(1));
    /// ```
    pub fn max_children(mut self, max: usize) -> Self {
        self.max_children = Some(max);
        self
    }

    /// Register the supervisor under `name`.
    ///
    /// ```
    /// let o = ember_otp::dynamic_supervisor::DynamicOptions::new().name("conns");
    /// assert_eq!(o.name.unwrap().as_str(), "conns");
    /// ```
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Set the extra arguments handed to every `start_child_with` closure.
    ///
    /// ```
    /// let o = ember_otp::dynamic_supervisor::DynamicOptions::new().extra_arguments(("pool", 3));
    /// assert_eq!(o.extra_arguments, ("pool", 3));
    /// ```
    pub fn extra_arguments<B>(self, extra: B) -> DynamicOptions<B> {
        DynamicOptions {
            strategy: self.strategy,
            intensity: self.intensity,
            period: self.period,
            max_children: self.max_children,
            extra_arguments: extra,
            name: self.name,
        }
    }

    fn validate(&self) -> Result<(), FlagsError> {
        if self.strategy != Strategy::OneForOne {
            return Err(FlagsError::InvalidStrategy(self.strategy));
        }
        if self.period == 0 {
            return Err(FlagsError::InvalidPeriod(self.period));
        }
        Ok(())
    }
}

type Reply<T> = oneshot::Sender<T>;
type MakeSpec<A> = Box<dyn FnOnce(&A) -> ChildSpec + Send>;

/// The messages a dynamic supervisor receives.
pub(crate) enum DynRequest<A> {
    StartChild(MakeSpec<A>, Reply<Result<Started, StartChildError>>),
    TerminateChild(Pid, Reply<Result<(), TerminateChildError>>),
    WhichChildren(Reply<Vec<ChildInfo>>),
    CountChildren(Reply<ChildCounts>),
    RestartCount(Reply<u64>),
    Stop(ExitReason),
    TryAgainRestart(Pid, ExitReason),
}

/// A handle on a running dynamic supervisor whose extra arguments are `A`.
///
/// ```
/// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let ds = DynamicSupervisor::start_link(DynamicOptions::new().name("ds")).await.unwrap();
/// assert_eq!(DynamicSupervisor::<()>::whereis("ds"), Some(ds));
/// # }).unwrap();
/// ```
pub struct DynamicSupervisor<A = ()> {
    pid: Pid<DynRequest<A>>,
}

impl<A> Clone for DynamicSupervisor<A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<A> Copy for DynamicSupervisor<A> {}
impl<A> PartialEq for DynamicSupervisor<A> {
    fn eq(&self, other: &Self) -> bool {
        self.pid == other.pid
    }
}
impl<A> Eq for DynamicSupervisor<A> {}
impl<A> Hash for DynamicSupervisor<A> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.pid.hash(state);
    }
}
impl<A> fmt::Debug for DynamicSupervisor<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("DynamicSupervisor").field(&self.pid).finish()
    }
}

impl<A: Send + Sync + 'static> DynamicSupervisor<A> {
    /// Start a dynamic supervisor linked to the calling process (Elixir
    /// `DynamicSupervisor.start_link/1`). Must be called from an ember process.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// use ember_otp::supervisor::{FlagsError, StartError, Strategy};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let bad = DynamicSupervisor::start_link(DynamicOptions::new().strategy(Strategy::OneForAll)).await;
    /// assert_eq!(bad, Err(StartError::InvalidFlags(FlagsError::InvalidStrategy(Strategy::OneForAll))));
    /// # }).unwrap();
    /// ```
    pub async fn start_link(opts: DynamicOptions<A>) -> Result<DynamicSupervisor<A>, StartError> {
        opts.validate()?;
        let parent = ember_rt::try_self_pid().ok_or(StartError::NotInProcess)?;
        let mut spawn = SpawnOpts::new().link().trap_exit(true);
        if let Some(name) = &opts.name {
            spawn = spawn.name(name.clone());
        }
        let spawned = ember_rt::spawn_opt(spawn, move |mb: Mailbox<DynRequest<A>>| {
            run(mb, parent, opts)
        })
        .map_err(spawn_error)?;
        Ok(DynamicSupervisor { pid: spawned.pid })
    }

    /// A child spec that starts a dynamic supervisor with these options (type supervisor).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let spec = DynamicSupervisor::child_spec("conns", DynamicOptions::new());
    /// assert_eq!(spec.child_type(), ember_otp::child::ChildType::Supervisor);
    /// ```
    pub fn child_spec(id: impl Into<Arc<str>>, opts: DynamicOptions<A>) -> ChildSpec
    where
        A: Clone,
    {
        ChildSpec::new(id, move || {
            let opts = opts.clone();
            async move {
                let ds = DynamicSupervisor::start_link(opts)
                    .await
                    .map_err(ExitReason::from)?;
                Ok(Started::Pid(ds.pid()))
            }
        })
        .supervisor()
    }

    /// The dynamic supervisor running as `pid` (checked, including the type `A`).
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_eq!(DynamicSupervisor::<()>::from_pid(ds.pid()), Ok(ds));
    /// assert!(DynamicSupervisor::<u8>::from_pid(ds.pid()).is_err());
    /// # }).unwrap();
    /// ```
    pub fn from_pid(pid: Pid) -> Result<DynamicSupervisor<A>, TypeError> {
        pid.typed::<DynRequest<A>>()
            .map(|pid| DynamicSupervisor { pid })
    }

    /// The dynamic supervisor registered as `name` (with extra arguments of type `A`); `None`
    /// outside an ember process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// assert!(ember_otp::dynamic_supervisor::DynamicSupervisor::<()>::whereis("none").is_none());
    /// # }).unwrap();
    /// ```
    pub fn whereis(name: impl Into<Name>) -> Option<DynamicSupervisor<A>> {
        ember_rt::try_self_pid()?;
        ember_rt::whereis(name).and_then(|pid| DynamicSupervisor::from_pid(pid).ok())
    }

    /// The supervisor's pid.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert!(ds.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.pid.untyped()
    }

    /// Start a child from `spec` (Elixir `DynamicSupervisor.start_child/2`): `Ok(Pid)`,
    /// `Ok(Ignore)` (nothing kept), [`StartChildError::MaxChildren`], or
    /// [`StartChildError::StartFailed`].
    ///
    /// ```
    /// use ember_otp::child::{ChildSpec, Started};
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// let r = ds.start_child(ChildSpec::new("i", || async { Ok(Started::Ignore) })).await;
    /// assert_eq!(r, Ok(Started::Ignore));
    /// # }).unwrap();
    /// ```
    pub async fn start_child(&self, spec: ChildSpec) -> Result<Started, StartChildError> {
        self.start_child_with(move |_: &A| spec).await
    }

    /// Start a child whose spec is built from the extra arguments, inside the supervisor
    /// (Elixir `extra_arguments`, prepended to the child's arguments).
    ///
    /// ```
    /// use ember_otp::child::{ChildSpec, Started};
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// use ember_rt::Mailbox;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: Mailbox<(u32, u32)>| async move {
    ///     let me = mb.pid();
    ///     let ds = DynamicSupervisor::start_link(DynamicOptions::new().extra_arguments(7u32)).await.unwrap();
    ///     ds.start_child_with(move |pool: &u32| {
    ///         let pool = *pool;
    ///         ChildSpec::new("w", move || async move {
    ///             me.send((pool, 1)); // Worker.start_link(pool, 1)
    ///             Ok(Started::Ignore)
    ///         })
    ///     }).await.unwrap();
    ///     assert_eq!(mb.recv().await, (7, 1));
    /// }).unwrap();
    /// ```
    pub async fn start_child_with(
        &self,
        make_spec: impl FnOnce(&A) -> ChildSpec + Send + 'static,
    ) -> Result<Started, StartChildError> {
        let make: MakeSpec<A> = Box::new(make_spec);
        call(self.pid, |tx| DynRequest::StartChild(make, tx)).await?
    }

    /// Stop the child running as `pid` and forget it (Elixir
    /// `DynamicSupervisor.terminate_child/2`): `Ok` the first time, `NotFound` afterwards.
    ///
    /// ```
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// use ember_otp::supervisor::TerminateChildError;
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_eq!(ds.terminate_child(ember_rt::self_pid()).await, Err(TerminateChildError::NotFound));
    /// # }).unwrap();
    /// ```
    pub async fn terminate_child(&self, pid: Pid) -> Result<(), TerminateChildError> {
        call(self.pid, |tx| DynRequest::TerminateChild(pid, tx)).await?
    }

    /// The children (Elixir `which_children/1`; the id is the spec's id, Elixir shows
    /// `:undefined`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert!(ds.which_children().await.unwrap().is_empty());
    /// # }).unwrap();
    /// ```
    pub async fn which_children(&self) -> Result<Vec<ChildInfo>, CallError> {
        call(self.pid, DynRequest::WhichChildren).await
    }

    /// Count the children (Elixir `count_children/1`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_eq!(ds.count_children().await.unwrap().active, 0);
    /// # }).unwrap();
    /// ```
    pub async fn count_children(&self) -> Result<ChildCounts, CallError> {
        call(self.pid, DynRequest::CountChildren).await
    }

    /// How many restarts it has performed (every attempt counts).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// assert_eq!(ds.restart_count().await.unwrap(), 0);
    /// # }).unwrap();
    /// ```
    pub async fn restart_count(&self) -> Result<u64, CallError> {
        call(self.pid, DynRequest::RestartCount).await
    }

    /// Stop all children (concurrently), then exit with `reason`; returns once it has exited.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
    /// let ds = DynamicSupervisor::start_link(DynamicOptions::new()).await.unwrap();
    /// ds.stop(ember_rt::ExitReason::Normal).await.unwrap();
    /// assert!(!ds.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub async fn stop(&self, reason: ExitReason) -> Result<(), CallError> {
        let exited = stop(self.pid, DynRequest::Stop(reason.clone())).await?;
        if exited == reason {
            Ok(())
        } else {
            Err(CallError::Exit(exited))
        }
    }
}

struct DynChild {
    spec: ChildSpec,
    status: ChildStatus,
}

struct DynSup<A> {
    me: Pid<DynRequest<A>>,
    parent: Pid,
    opts: DynamicOptions<A>,
    /// By pid, i.e. in start order (pids grow): `which_children` lists them so, as Elixir does.
    children: BTreeMap<Pid, DynChild>,
    window: RestartWindow,
    restarts: u64,
}

type Flow = ControlFlow<ExitReason>;

async fn run<A: Send + Sync + 'static>(
    mut mb: Mailbox<DynRequest<A>>,
    parent: Pid,
    opts: DynamicOptions<A>,
) -> ExitReason {
    let window = RestartWindow::new(opts.intensity, opts.period);
    let mut sup = DynSup {
        me: mb.pid(),
        parent,
        opts,
        children: BTreeMap::new(),
        window,
        restarts: 0,
    };
    loop {
        let flow = match mb.recv_any().await {
            Message::User(req) => sup.handle_request(&mut mb, req).await,
            Message::Exit(e) if e.from == sup.parent => {
                sup.terminate_all(&mut mb).await;
                Flow::Break(e.reason)
            }
            Message::Exit(e) => sup.child_exited(&mut mb, e.from, e.reason).await,
            Message::Down(_) => Flow::Continue(()),
        };
        if let Flow::Break(reason) = flow {
            return reason;
        }
    }
}

impl<A: Send + Sync + 'static> DynSup<A> {
    fn pid(&self) -> Pid {
        self.me.untyped()
    }

    async fn handle_request(
        &mut self,
        mb: &mut Mailbox<DynRequest<A>>,
        req: DynRequest<A>,
    ) -> Flow {
        match req {
            DynRequest::StartChild(make, reply) => {
                let r = self.start_new(make).await;
                let _ = reply.send(r);
            }
            DynRequest::TerminateChild(pid, reply) => {
                let r = match self.children.remove(&pid) {
                    None => Err(TerminateChildError::NotFound),
                    Some(child) => {
                        if let ChildStatus::Running(pid) = child.status {
                            let s = stopping(&child.spec, pid);
                            shutdown::stop_child(mb, self.pid(), s).await;
                        }
                        Ok(())
                    }
                };
                let _ = reply.send(r);
            }
            DynRequest::WhichChildren(reply) => {
                let list = self
                    .children
                    .values()
                    .map(|c| ChildInfo::of(&c.spec, c.status))
                    .collect();
                let _ = reply.send(list);
            }
            DynRequest::CountChildren(reply) => {
                let mut c = ChildCounts {
                    specs: self.children.len(),
                    ..ChildCounts::default()
                };
                for child in self.children.values() {
                    c.active += usize::from(child.status.is_running());
                    match child.spec.child_type {
                        ChildType::Worker => c.workers += 1,
                        ChildType::Supervisor => c.supervisors += 1,
                    }
                }
                let _ = reply.send(c);
            }
            DynRequest::RestartCount(reply) => {
                let _ = reply.send(self.restarts);
            }
            DynRequest::Stop(reason) => {
                self.terminate_all(mb).await;
                return Flow::Break(reason);
            }
            DynRequest::TryAgainRestart(key, reason) => {
                if self
                    .children
                    .get(&key)
                    .is_some_and(|c| c.status == ChildStatus::Restarting)
                {
                    return self.restart(mb, key, reason).await;
                }
            }
        }
        Flow::Continue(())
    }

    async fn start_new(&mut self, make: MakeSpec<A>) -> Result<Started, StartChildError> {
        if self
            .opts
            .max_children
            .is_some_and(|max| self.children.len() >= max)
        {
            return Err(StartChildError::MaxChildren);
        }
        let spec = make(&self.opts.extra_arguments);
        match start_child(&spec).await {
            Ok(Started::Pid(pid)) => {
                report::child_started(self.pid(), spec.id(), pid);
                self.children.insert(
                    pid,
                    DynChild {
                        spec,
                        status: ChildStatus::Running(pid),
                    },
                );
                Ok(Started::Pid(pid))
            }
            Ok(Started::Ignore) => Ok(Started::Ignore),
            Err(reason) => {
                report::start_error(self.pid(), spec.id(), &reason);
                Err(StartChildError::StartFailed(reason))
            }
        }
    }

    async fn child_exited(
        &mut self,
        mb: &mut Mailbox<DynRequest<A>>,
        pid: Pid,
        reason: ExitReason,
    ) -> Flow {
        let Some(child) = self
            .children
            .get(&pid)
            .filter(|c| c.status == ChildStatus::Running(pid))
        else {
            return Flow::Continue(());
        };
        let restart_type = child.spec.restart;
        if restart_type == Restart::Permanent || !reason.is_clean() {
            report::child_terminated(self.pid(), child.spec.id(), pid, &reason);
        }
        let restart = match restart_type {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_clean(),
            Restart::Temporary => false,
        };
        if restart {
            self.restart(mb, pid, reason).await
        } else {
            self.children.remove(&pid);
            Flow::Continue(())
        }
    }

    /// Restart the child keyed `key` (its last pid).
    async fn restart(
        &mut self,
        mb: &mut Mailbox<DynRequest<A>>,
        key: Pid,
        reason: ExitReason,
    ) -> Flow {
        self.restarts += 1;
        if !self.window.add(now_secs()) {
            if let Some(child) = self.children.remove(&key) {
                report::reached_max_restart_intensity(
                    self.pid(),
                    child.spec.id(),
                    &reason,
                    self.restarts,
                );
            }
            self.terminate_all(mb).await;
            return Flow::Break(ExitReason::Shutdown);
        }
        let Some(child) = self.children.get_mut(&key) else {
            return Flow::Continue(());
        };
        let spec = child.spec.clone();
        match start_child(&spec).await {
            Ok(Started::Pid(pid)) => {
                self.children.remove(&key);
                report::child_started(self.pid(), spec.id(), pid);
                report::child_restarted(self.pid(), spec.id(), pid, self.restarts);
                self.children.insert(
                    pid,
                    DynChild {
                        spec,
                        status: ChildStatus::Running(pid),
                    },
                );
            }
            Ok(Started::Ignore) => {
                self.children.remove(&key);
            }
            Err(reason) => {
                report::start_error(self.pid(), spec.id(), &reason);
                if let Some(child) = self.children.get_mut(&key) {
                    child.status = ChildStatus::Restarting;
                }
                self.me.send(DynRequest::TryAgainRestart(key, reason));
            }
        }
        Flow::Continue(())
    }

    async fn terminate_all(&mut self, mb: &mut Mailbox<DynRequest<A>>) {
        let children = std::mem::take(&mut self.children);
        let stops: Vec<Stopping<'_>> = children
            .values()
            .filter_map(|c| c.status.pid().map(|pid| stopping(&c.spec, pid)))
            .collect();
        shutdown::stop_all_concurrently(mb, self.pid(), stops).await;
    }
}

fn stopping(spec: &ChildSpec, pid: Pid) -> Stopping<'_> {
    Stopping {
        id: spec.id(),
        pid,
        mode: spec.shutdown_mode(),
        restart: spec.restart,
    }
}
