//! Child specifications: how a supervisor starts, restarts and stops one child.
//!
//! Erlang: the child spec map `#{id, start, restart, shutdown, type, significant}`. The start
//! function runs *inside the supervisor's process* and must start a process **linked to the
//! caller** (e.g. with `spawn_link` or a behaviour's `start_link`), returning its pid, or
//! [`Started::Ignore`] (Erlang `ignore`), or an error reason (Erlang `{error, R}`).

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use ember_rt::{ExitReason, Pid};

/// What a child's start function produced.
///
/// ```
/// use ember_otp::child::Started;
/// assert_ne!(Started::Ignore, Started::Pid(ember_rt::Pid::SYSTEM));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Started {
    /// The child runs (Erlang `{ok, Pid}`).
    Pid(Pid),
    /// The child chose not to start (Erlang `ignore`); it is listed with no pid.
    Ignore,
}

/// A boxed start future.
///
/// ```
/// let f: ember_otp::child::StartFuture = Box::pin(async { Ok(ember_otp::child::Started::Ignore) });
/// # drop(f);
/// ```
pub type StartFuture = Pin<Box<dyn Future<Output = Result<Started, ExitReason>> + Send + 'static>>;

/// A child's start function (called again on every restart).
///
/// ```
/// use ember_otp::child::{StartFn, StartFuture, Started};
/// let f: StartFn = std::sync::Arc::new(|| Box::pin(async { Ok(Started::Ignore) }) as StartFuture);
/// # drop(f);
/// ```
pub type StartFn = Arc<dyn Fn() -> StartFuture + Send + Sync + 'static>;

/// When a child is restarted (Erlang `restart`).
///
/// ```
/// assert_eq!(ember_otp::child::Restart::default(), ember_otp::child::Restart::Permanent);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Restart {
    /// Always restarted (the default).
    #[default]
    Permanent,
    /// Restarted only after an abnormal exit (not `Normal`, `Shutdown` or `ShutdownWith`).
    Transient,
    /// Never restarted; its spec is removed once it ends.
    Temporary,
}

/// How a child is stopped (Erlang `shutdown`).
///
/// ```
/// use ember_otp::child::Shutdown;
/// let s = Shutdown::Timeout(std::time::Duration::from_secs(5)); // Erlang: shutdown => 5000
/// assert_ne!(s, Shutdown::BrutalKill);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// `exit(Child, kill)` at once; `terminate` never runs.
    BrutalKill,
    /// `exit(Child, shutdown)`, then kill after this long.
    Timeout(Duration),
    /// `exit(Child, shutdown)` and wait for as long as it takes.
    Infinity,
}

/// Whether a child is a worker or a supervisor (Erlang `type`).
///
/// ```
/// assert_eq!(ember_otp::child::ChildType::default(), ember_otp::child::ChildType::Worker);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildType {
    /// A worker (the default; default shutdown 5 s).
    #[default]
    Worker,
    /// A supervisor (default shutdown `Infinity`).
    Supervisor,
}

/// How one child is started and treated (Erlang child spec).
///
/// ```
/// use ember_otp::child::{ChildSpec, Restart, Shutdown, Started};
/// let spec = ChildSpec::new("worker", || async {
///     let pid = ember_rt::spawn_link(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
///     Ok(Started::Pid(pid.untyped()))
/// })
/// .restart(Restart::Transient)
/// .shutdown(Shutdown::BrutalKill);
/// assert_eq!(spec.id(), "worker");
/// ```
#[derive(Clone)]
pub struct ChildSpec {
    pub(crate) id: Arc<str>,
    pub(crate) start: StartFn,
    pub(crate) restart: Restart,
    pub(crate) shutdown: Option<Shutdown>,
    pub(crate) child_type: ChildType,
    pub(crate) significant: bool,
}

impl ChildSpec {
    /// A permanent worker with the default shutdown, started by `start`.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// // Erlang: #{id => w, start => {M, F, A}}
    /// let spec = ChildSpec::new("w", || async { Ok(Started::Ignore) });
    /// assert_eq!(spec.restart_type(), Restart::Permanent);
    /// ```
    pub fn new<F, Fut>(id: impl Into<Arc<str>>, start: F) -> ChildSpec
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Started, ExitReason>> + Send + 'static,
    {
        ChildSpec {
            id: id.into(),
            start: Arc::new(move || Box::pin(start()) as StartFuture),
            restart: Restart::default(),
            shutdown: None,
            child_type: ChildType::default(),
            significant: false,
        }
    }

    /// The child's id.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().id(), "w");
    /// ```
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Replace the id (Elixir `Supervisor.child_spec(spec, id: ...)`).
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().with_id("w2").id(), "w2");
    /// ```
    pub fn with_id(mut self, id: impl Into<Arc<str>>) -> Self {
        self.id = id.into();
        self
    }

    /// Set the restart type.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().restart(Restart::Temporary).restart_type(), Restart::Temporary);
    /// ```
    pub fn restart(mut self, restart: Restart) -> Self {
        self.restart = restart;
        self
    }

    /// Set the shutdown mode.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().shutdown(Shutdown::BrutalKill).shutdown_mode(), Shutdown::BrutalKill);
    /// ```
    pub fn shutdown(mut self, shutdown: Shutdown) -> Self {
        self.shutdown = Some(shutdown);
        self
    }

    /// Mark the child as a supervisor (its default shutdown becomes `Infinity`).
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// let s = worker().supervisor();
    /// assert_eq!((s.child_type(), s.shutdown_mode()), (ChildType::Supervisor, Shutdown::Infinity));
    /// ```
    pub fn supervisor(mut self) -> Self {
        self.child_type = ChildType::Supervisor;
        self
    }

    /// Mark the child significant for `auto_shutdown`.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert!(worker().restart(Restart::Transient).significant(true).is_significant());
    /// ```
    pub fn significant(mut self, significant: bool) -> Self {
        self.significant = significant;
        self
    }

    /// The restart type.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().restart_type(), Restart::Permanent);
    /// ```
    pub fn restart_type(&self) -> Restart {
        self.restart
    }

    /// The child type.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().child_type(), ChildType::Worker);
    /// ```
    pub fn child_type(&self) -> ChildType {
        self.child_type
    }

    /// Whether the child is significant.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert!(!worker().is_significant());
    /// ```
    pub fn is_significant(&self) -> bool {
        self.significant
    }

    /// The effective shutdown: as set, or 5 s for a worker and `Infinity` for a supervisor.
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// assert_eq!(worker().shutdown_mode(), Shutdown::Timeout(std::time::Duration::from_secs(5)));
    /// ```
    pub fn shutdown_mode(&self) -> Shutdown {
        self.shutdown.unwrap_or(match self.child_type {
            ChildType::Worker => Shutdown::Timeout(Duration::from_secs(5)),
            ChildType::Supervisor => Shutdown::Infinity,
        })
    }

    /// Run the start function (from inside the supervisor's process).
    ///
    /// ```
    /// # use ember_otp::child::*;
    /// # fn worker() -> ChildSpec { ChildSpec::new("w", || async { Ok(Started::Ignore) }) }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// let started = rt.block_on(worker().start_child()).unwrap();
    /// assert_eq!(started, Ok(Started::Ignore));
    /// ```
    pub fn start_child(&self) -> StartFuture {
        (self.start)()
    }
}

impl fmt::Debug for ChildSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildSpec")
            .field("id", &self.id)
            .field("restart", &self.restart)
            .field("shutdown", &self.shutdown_mode())
            .field("type", &self.child_type)
            .field("significant", &self.significant)
            .finish()
    }
}
