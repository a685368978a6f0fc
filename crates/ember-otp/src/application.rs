//! # Application: a supervision tree started and stopped as one unit
//!
//! Erlang `application` / Elixir `Application` (otp-semantics H8). An application is a value
//! implementing [`Application`]: `start` builds the root supervisor, `prep_stop` runs before
//! the tree is shut down, `stop` after it is gone. [`start`] runs it, [`stop`] (or
//! [`AppHandle::stop`]) stops it, and [`run_until_signal`] is the `main` of a service: start,
//! wait for SIGTERM or Ctrl-C, stop in order.
//!
//! ```
//! use ember_otp::application::{self, Application};
//! use ember_otp::supervisor::{Flags, Supervisor};
//! use ember_rt::ExitReason;
//!
//! struct Shop;
//!
//! impl Application for Shop {
//!     type State = ();
//!     fn name(&self) -> &str { "shop" }
//!     // Elixir: def start(_type, _args), do: Supervisor.start_link(children, strategy: :one_for_one)
//!     async fn start(&mut self) -> Result<(Supervisor, ()), ExitReason> {
//!         let sup = Supervisor::start_link(Flags::one_for_one(), []).await?;
//!         Ok((sup, ()))
//!     }
//! }
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let app = application::start(Shop).await.unwrap();          // Application.start(:shop)
//!     assert!(application::start(Shop).await.is_err());           // {:error, {:already_started, :shop}}
//!     assert_eq!(application::which_applications(), ["shop"]);
//!     app.stop().await.unwrap();                                  // Application.stop(:shop)
//!     assert!(application::stop("shop").await.is_err());          // {:error, {:not_started, :shop}}
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - **The application master.** Each running application has one master process, registered
//!   as `application:<name>` (so a name runs at most once per runtime), trapping exits. It
//!   calls `start` (so the root supervisor is linked to it), then waits for a stop request or
//!   for the root supervisor to exit.
//! - **Stop order** (H8): `prep_stop(state)` → the root supervisor is stopped with `shutdown`
//!   (its children get `shutdown`, in reverse start order, one at a time) and awaited →
//!   `stop(state)` → the master exits `normal` and the name is free again.
//! - **The root dies by itself** (e.g. it reached its restart intensity): the application is
//!   stopped — `prep_stop` and `stop` still run — and reported `application_exited`; other
//!   applications and the runtime carry on (Erlang's `temporary` applications).
//!   [`run_until`] returns [`Stopped::Exited`] with the reason, so a `main` can exit
//!   non-zero, which is what `permanent` means on the BEAM (the node halts).
//! - Panics in the callbacks are contained in the master: a panicking `start` is a start
//!   error; a panicking `prep_stop` or `stop` is reported as a `crash` and the stop goes on
//!   (after a panicking `prep_stop`, `stop` is skipped: its state is gone).
//!
//! ## Deviations
//! - `start` gets no start type or arguments: the application value carries its own
//!   configuration (Erlang `Mod:start(normal, Args)`); only `normal` starts exist.
//! - A bad return of `start` is a type error, so `{bad_return, _}` cannot happen.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::Poll;

use ember_rt::{ExitReason, Mailbox, Message, Name, Pid, SpawnOpts};
use tokio::sync::oneshot;

use crate::catch::catch;
use crate::report;
use crate::supervisor::{Supervisor, await_reply};

/// An application's callbacks (Erlang `application` behaviour, Elixir `use Application`).
///
/// Write the methods as `async fn` in the impl; their futures must be `Send`.
///
/// ```
/// use ember_otp::application::Application;
/// use ember_otp::supervisor::{Flags, Supervisor};
/// use ember_rt::ExitReason;
///
/// struct Cache { size: usize }
///
/// impl Application for Cache {
///     type State = usize; // handed from start to prep_stop to stop
///     fn name(&self) -> &str { "cache" }
///     async fn start(&mut self) -> Result<(Supervisor, usize), ExitReason> {
///         let sup = Supervisor::start_link(Flags::default(), []).await?;
///         Ok((sup, self.size))
///     }
///     async fn prep_stop(&mut self, state: usize) -> usize { state } // e.g. stop accepting work
///     async fn stop(&mut self, _state: usize) {}                    // e.g. flush to disk
/// }
/// # let _ = Cache { size: 1 };
/// ```
pub trait Application: Send + 'static {
    /// Data handed from `start` to `prep_stop` and `stop` (Erlang `{ok, Pid, State}`).
    type State: Send + 'static;

    /// The application's name (Erlang: the application atom). A name runs at most once per
    /// runtime.
    fn name(&self) -> &str;

    /// Start the root supervisor, linked to the caller (Erlang `Mod:start/2`, returning
    /// `{ok, Pid, State}`; `Err(R)` is `{error, R}`).
    fn start(
        &mut self,
    ) -> impl Future<Output = Result<(Supervisor, Self::State), ExitReason>> + Send;

    /// Called before the supervision tree is stopped (Erlang `Mod:prep_stop/1`). Default:
    /// returns the state unchanged.
    fn prep_stop(&mut self, state: Self::State) -> impl Future<Output = Self::State> + Send {
        async move { state }
    }

    /// Called after the supervision tree has stopped (Erlang `Mod:stop/1`). Default: nothing.
    fn stop(&mut self, state: Self::State) -> impl Future<Output = ()> + Send {
        async move { drop(state) }
    }
}

/// Starting or stopping an application failed.
///
/// ```
/// use ember_otp::application::ApplicationError;
/// let e = ApplicationError::NotStarted("shop".into());
/// assert_eq!(e.to_string(), "application `shop` is not started");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplicationError {
    /// It runs already (Erlang `{error, {already_started, App}}`).
    #[error("application `{0}` is already started")]
    AlreadyStarted(Arc<str>),
    /// It does not run (Erlang `{error, {not_started, App}}`).
    #[error("application `{0}` is not started")]
    NotStarted(Arc<str>),
    /// Its `start` callback failed or panicked (Erlang `{error, {R, {Mod, start, Args}}}`).
    #[error("application `{name}` failed to start: {reason}")]
    StartFailed {
        /// The application.
        name: Arc<str>,
        /// Why `start` failed.
        reason: ExitReason,
    },
    /// The name cannot be a registered name (empty or `undefined`).
    #[error("`{0}` is not a valid application name")]
    InvalidName(Arc<str>),
    /// Must be called from an ember process.
    #[error("must be called from an ember process")]
    NotInProcess,
    /// The OS signal handlers could not be installed.
    #[error("cannot listen for signals: {0:?}")]
    Signal(std::io::ErrorKind),
}

/// How [`run_until`] ended.
///
/// ```
/// use ember_otp::application::Stopped;
/// assert_ne!(Stopped::Requested, Stopped::Exited(ember_rt::ExitReason::Shutdown));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Stopped {
    /// It was stopped in order because the trigger fired (or someone called `stop`).
    Requested,
    /// The root supervisor exited by itself with this reason; `prep_stop` and `stop` ran.
    Exited(ExitReason),
}

/// The messages an application master receives.
pub(crate) enum AppMsg {
    Stop(oneshot::Sender<()>),
}

/// A running application.
///
/// ```
/// # use ember_otp::application::{self, Application};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let app = application::start(App).await.unwrap();
/// assert_eq!(app.name(), "app");
/// assert!(app.supervisor().pid().is_alive());
/// app.stop().await.unwrap();
/// assert!(!app.is_running());
/// # }).unwrap();
/// ```
#[derive(Debug, Clone)]
pub struct AppHandle {
    name: Arc<str>,
    master: Pid<AppMsg>,
    supervisor: Supervisor,
    exited: Arc<OnceLock<ExitReason>>,
}

impl AppHandle {
    /// The application's name.
    ///
    /// See [`AppHandle`] for an example.
    ///
    /// ```
    /// # use ember_otp::application::{self, Application, ApplicationError};
    /// # use ember_otp::supervisor::{Flags, Supervisor};
    /// # struct App;
    /// # impl Application for App {
    /// #     type State = ();
    /// #     fn name(&self) -> &str { "app" }
    /// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
    /// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
    /// #     }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let app = application::start(App).await.unwrap();
    /// assert_eq!(app.name(), "app"); // Erlang: the application atom, `app`
    /// # app.stop().await.unwrap();
    /// # }).unwrap();
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The root supervisor.
    ///
    /// See [`AppHandle`] for an example.
    ///
    /// ```
    /// # use ember_otp::application::{self, Application, ApplicationError};
    /// # use ember_otp::supervisor::{Flags, Supervisor};
    /// # struct App;
    /// # impl Application for App {
    /// #     type State = ();
    /// #     fn name(&self) -> &str { "app" }
    /// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
    /// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
    /// #     }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// // Elixir: {:ok, sup} = Application.start(:app) gives the root supervisor's pid
    /// let app = application::start(App).await.unwrap();
    /// let sup = app.supervisor().pid();
    /// assert!(sup.is_alive());
    /// app.stop().await.unwrap();
    /// assert!(!sup.is_alive()); // stopping the application stops its tree
    /// # }).unwrap();
    /// ```
    pub fn supervisor(&self) -> Supervisor {
        self.supervisor
    }

    /// Whether it still runs.
    ///
    /// See [`AppHandle`] for an example.
    ///
    /// ```
    /// # use ember_otp::application::{self, Application, ApplicationError};
    /// # use ember_otp::supervisor::{Flags, Supervisor};
    /// # struct App;
    /// # impl Application for App {
    /// #     type State = ();
    /// #     fn name(&self) -> &str { "app" }
    /// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
    /// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
    /// #     }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let app = application::start(App).await.unwrap();
    /// assert!(app.is_running());
    /// application::stop("app").await.unwrap();
    /// assert!(!app.is_running());
    /// # }).unwrap();
    /// ```
    pub fn is_running(&self) -> bool {
        self.master.is_alive()
    }

    /// Stop it in order (see the module docs); returns when `stop` has run.
    ///
    /// See [`AppHandle`] for an example.
    ///
    /// ```
    /// # use ember_otp::application::{self, Application, ApplicationError};
    /// # use ember_otp::supervisor::{Flags, Supervisor};
    /// # struct App;
    /// # impl Application for App {
    /// #     type State = ();
    /// #     fn name(&self) -> &str { "app" }
    /// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
    /// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
    /// #     }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let app = application::start(App).await.unwrap();
    /// app.stop().await.unwrap(); // Application.stop(:app)
    /// assert_eq!(app.stop().await, Err(ApplicationError::NotStarted("app".into())));
    /// # }).unwrap();
    /// ```
    pub async fn stop(&self) -> Result<(), ApplicationError> {
        stop_master(self.master, &self.name).await
    }
}

fn master_name(name: &str) -> Name {
    Name::from(format!("application:{name}"))
}

/// Start `app` (Erlang `application:start/1`, Elixir `Application.start/1`): runs its `start`
/// in a new application master and returns once the root supervisor runs.
///
/// See the module docs for an example.
///
/// ```
/// # use ember_otp::application::{self, Application, ApplicationError};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let app = application::start(App).await.unwrap(); // application:start(app) -> ok
/// // application:start(app) -> {error, {already_started, app}}
/// let again = application::start(App).await;
/// assert!(matches!(again, Err(ApplicationError::AlreadyStarted(name)) if &*name == "app"));
/// # app.stop().await.unwrap();
/// # }).unwrap();
/// ```
pub async fn start<A: Application>(app: A) -> Result<AppHandle, ApplicationError> {
    let name: Arc<str> = Arc::from(app.name());
    if name.is_empty() || &*name == "undefined" {
        return Err(ApplicationError::InvalidName(name));
    }
    if ember_rt::try_self_pid().is_none() {
        return Err(ApplicationError::NotInProcess);
    }
    let (ack_tx, ack_rx) = oneshot::channel();
    let exited = Arc::new(OnceLock::new());
    let opts = SpawnOpts::new().trap_exit(true).name(master_name(&name));
    let (n, e) = (name.clone(), exited.clone());
    let spawned = ember_rt::spawn_opt(opts, move |mb: Mailbox<AppMsg>| {
        master(mb, app, n, ack_tx, e)
    })
    .map_err(|err| match err {
        ember_rt::SpawnError::Register(ember_rt::RegisterError::NameTaken { .. }) => {
            ApplicationError::AlreadyStarted(name.clone())
        }
        _ => ApplicationError::InvalidName(name.clone()),
    })?;
    let master = spawned.pid;
    match await_reply(master, ack_rx).await {
        Ok(Ok(supervisor)) => Ok(AppHandle {
            name,
            master,
            supervisor,
            exited,
        }),
        Ok(Err(reason)) | Err(reason) => Err(ApplicationError::StartFailed { name, reason }),
    }
}

/// Stop the application called `name` in order (Erlang `application:stop/1`). Must be called
/// from an ember process.
///
/// See the module docs for an example.
///
/// ```
/// # use ember_otp::application::{self, Application, ApplicationError};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// application::start(App).await.unwrap();
/// application::stop("app").await.unwrap(); // application:stop(app) -> ok
/// // application:stop(app) -> {error, {not_started, app}}
/// assert_eq!(application::stop("app").await, Err(ApplicationError::NotStarted("app".into())));
/// # }).unwrap();
/// ```
pub async fn stop(name: &str) -> Result<(), ApplicationError> {
    if ember_rt::try_self_pid().is_none() {
        return Err(ApplicationError::NotInProcess);
    }
    let master = ember_rt::whereis(master_name(name)).and_then(|pid| pid.typed::<AppMsg>().ok());
    match master {
        Some(master) => stop_master(master, name).await,
        None => Err(ApplicationError::NotStarted(Arc::from(name))),
    }
}

/// The names of the running applications (Erlang `application:which_applications/0`), sorted.
/// Empty outside an ember process.
///
/// See the module docs for an example.
///
/// ```
/// # use ember_otp::application::{self, Application, ApplicationError};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert!(application::which_applications().is_empty());
/// let app = application::start(App).await.unwrap();
/// assert_eq!(application::which_applications(), ["app"]); // Application.started_applications()
/// app.stop().await.unwrap();
/// assert!(application::which_applications().is_empty());
/// # }).unwrap();
/// ```
pub fn which_applications() -> Vec<String> {
    if ember_rt::try_self_pid().is_none() {
        return Vec::new();
    }
    let mut names: Vec<String> = ember_rt::registered()
        .iter()
        .filter_map(|n| n.as_str().strip_prefix("application:").map(str::to_string))
        .collect();
    names.sort();
    names
}

async fn stop_master(master: Pid<AppMsg>, name: &str) -> Result<(), ApplicationError> {
    if !master.is_alive() {
        return Err(ApplicationError::NotStarted(Arc::from(name)));
    }
    let (tx, rx) = oneshot::channel();
    let watch = ember_rt::watch(master);
    master.send(AppMsg::Stop(tx));
    match await_reply(master, rx).await {
        Ok(()) => {
            watch.await;
            Ok(())
        }
        Err(ExitReason::NoProc) => Err(ApplicationError::NotStarted(Arc::from(name))),
        // It ended meanwhile (stopped by someone else, or its root exited): stopped anyway.
        Err(_) => Ok(()),
    }
}

/// Start `app`, run until `trigger` completes, then stop it in order. Returns early with
/// [`Stopped::Exited`] if the root supervisor exits by itself. The testable core of
/// [`run_until_signal`].
///
/// ```
/// # use ember_otp::application::{self, Application, Stopped};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let trigger = ember_rt::sleep(std::time::Duration::from_millis(10));
/// assert_eq!(application::run_until(App, trigger).await, Ok(Stopped::Requested));
/// # }).unwrap();
/// ```
pub async fn run_until<A, F>(app: A, trigger: F) -> Result<Stopped, ApplicationError>
where
    A: Application,
    F: Future + Send,
{
    let handle = start(app).await?;
    let mut master_exit = ember_rt::watch(handle.master);
    let mut trigger = pin!(trigger);
    let triggered = poll_fn(|cx| {
        if trigger.as_mut().poll(cx).is_ready() {
            return Poll::Ready(true);
        }
        std::pin::Pin::new(&mut master_exit).poll(cx).map(|_| false)
    })
    .await;
    if triggered {
        // Stopped by someone else meanwhile: that is fine too.
        let _ = handle.stop().await;
    }
    Ok(match handle.exited.get() {
        Some(reason) => Stopped::Exited(reason.clone()),
        None => Stopped::Requested,
    })
}

/// Start `app` and stop it in order on SIGTERM or SIGINT (Ctrl-C) — the `main` of a service
/// (what `systemd`/Kubernetes send, and what the BEAM's `init:stop()` does on SIGTERM).
///
/// ```no_run
/// # use ember_otp::application::{self, Application};
/// # use ember_otp::supervisor::{Flags, Supervisor};
/// # struct App;
/// # impl Application for App {
/// #     type State = ();
/// #     fn name(&self) -> &str { "app" }
/// #     async fn start(&mut self) -> Result<(Supervisor, ()), ember_rt::ExitReason> {
/// #         Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
/// #     }
/// # }
/// let rt = ember_rt::Runtime::new().unwrap();
/// let ended = rt.block_on(application::run_until_signal(App)).unwrap();
/// std::process::exit(if ended.is_ok() { 0 } else { 1 });
/// ```
pub async fn run_until_signal<A: Application>(app: A) -> Result<Stopped, ApplicationError> {
    let signal = shutdown_signal()?;
    run_until(app, signal).await
}

/// A future that completes on SIGTERM or SIGINT (on non-unix: Ctrl-C).
fn shutdown_signal() -> Result<impl Future<Output = ()> + Send, ApplicationError> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term =
            signal(SignalKind::terminate()).map_err(|e| ApplicationError::Signal(e.kind()))?;
        let mut int =
            signal(SignalKind::interrupt()).map_err(|e| ApplicationError::Signal(e.kind()))?;
        Ok(async move {
            poll_fn(|cx| {
                if term.poll_recv(cx).is_ready() || int.poll_recv(cx).is_ready() {
                    Poll::Ready(())
                } else {
                    Poll::Pending
                }
            })
            .await
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// The application master process.
async fn master<A: Application>(
    mut mb: Mailbox<AppMsg>,
    mut app: A,
    name: Arc<str>,
    ack: oneshot::Sender<Result<Supervisor, ExitReason>>,
    exited: Arc<OnceLock<ExitReason>>,
) -> ExitReason {
    let (sup, state) = match catch(app.start()).await {
        Ok(Ok(started)) => started,
        Ok(Err(reason)) | Err(reason) => {
            let _ = ack.send(Err(reason));
            return ExitReason::Normal;
        }
    };
    let _ = ack.send(Ok(sup));
    report::application_started(&name, sup.pid());
    loop {
        match mb.recv_any().await {
            Message::User(AppMsg::Stop(reply)) => {
                let state = prep_stop(&mut app, state, &name).await;
                // Whoever its parent is, `stop` shuts the tree down in order and waits.
                let _ = sup.stop(ExitReason::Shutdown).await;
                let _ = mb.try_receive(|m| matches!(m, Message::Exit(e) if e.from == sup.pid()));
                if let Some(state) = state {
                    stop_callback(&mut app, state, &name).await;
                }
                report::application_stopped(&name);
                let _ = reply.send(());
                return ExitReason::Normal;
            }
            Message::Exit(e) if e.from == sup.pid() => {
                report::application_exited(&name, &e.reason);
                let _ = exited.set(e.reason);
                if let Some(state) = prep_stop(&mut app, state, &name).await {
                    stop_callback(&mut app, state, &name).await;
                }
                return ExitReason::Normal;
            }
            Message::Exit(_) | Message::Down(_) => {}
        }
    }
}

/// `prep_stop` with its panic contained (reported as a crash); `None` if it panicked, since
/// the state is then gone and `stop` cannot run.
async fn prep_stop<A: Application>(app: &mut A, state: A::State, name: &str) -> Option<A::State> {
    match catch(app.prep_stop(state)).await {
        Ok(state) => Some(state),
        Err(reason) => {
            report::crash(ember_rt::self_pid(), Some(name), &reason);
            None
        }
    }
}

/// `stop` with its panic contained (reported as a crash).
async fn stop_callback<A: Application>(app: &mut A, state: A::State, name: &str) {
    if let Err(reason) = catch(app.stop(state)).await {
        report::crash(ember_rt::self_pid(), Some(name), &reason);
    }
}
