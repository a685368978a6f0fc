//! Starting a server: options, `start`/`start_link`, and the child spec for supervisors.
//!
//! A start is synchronous (otp-semantics F1): the new process registers its name (if any)
//! *before* `init` runs, runs `init`, and acknowledges; the starter waits for that
//! acknowledgement, or the process's death, or the start timeout. With a link, the link exists
//! from the spawn on (atomic), so an `init` that stops with a reason other than `Normal` kills a
//! starter that does not trap exits, as in OTP ≤ 25.

use std::time::Duration;

use tokio::sync::oneshot;

use ember_rt::{ExitReason, Mailbox, Name, Pid, RegisterError, SpawnError, SpawnOpts};

use super::engine::{self, Ack};
use super::{Envelope, GenServer, Server, StartError};
use crate::child::{ChildSpec, Started};

/// Options of a start (Erlang `gen_server:start_link(Name, Mod, Args, Opts)`): link, name,
/// timeout.
///
/// ```
/// use ember_otp::gen_server::StartOpts;
/// use std::time::Duration;
/// // Erlang: gen_server:start_link({local, limiter}, limiter, Arg, [{timeout, 1000}])
/// let opts = StartOpts::new().link().name("limiter").timeout(Duration::from_secs(1));
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default)]
pub struct StartOpts {
    link: bool,
    name: Option<Name>,
    timeout: Option<Duration>,
}

impl StartOpts {
    /// No link, no name, no timeout (wait for `init` as long as it takes, like OTP's default
    /// `infinity`).
    ///
    /// ```
    /// let _ = ember_otp::gen_server::StartOpts::new();
    /// ```
    pub fn new() -> StartOpts {
        StartOpts::default()
    }

    /// Link the server to the caller, which becomes its parent (`start_link`).
    ///
    /// ```
    /// let _ = ember_otp::gen_server::StartOpts::new().link();
    /// ```
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Register the server under `name` before `init` runs (Erlang `{local, Name}`). If the
    /// name is taken, the start returns [`StartError::AlreadyStarted`] with its owner.
    ///
    /// ```
    /// let _ = ember_otp::gen_server::StartOpts::new().name("limiter");
    /// ```
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Give `init` at most this long: after it, the half-started server is unlinked and killed
    /// and the start returns [`StartError::Timeout`] (Erlang `{timeout, T}`).
    ///
    /// ```
    /// let _ = ember_otp::gen_server::StartOpts::new().timeout(std::time::Duration::from_secs(5));
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// Start a server without a link (Erlang `gen_server:start/3`); returns after `init`.
///
/// ```
/// # use ember_otp::gen_server::{Context, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
/// assert!(server.is_alive());
/// # }).unwrap();
/// ```
pub async fn start<S: GenServer>(arg: S::Arg) -> Result<Server<S>, StartError> {
    start_opts::<S>(arg, StartOpts::new()).await
}

/// Start a server linked to the caller (Erlang `gen_server:start_link/3`, Elixir
/// `GenServer.start_link(Mod, arg)`); returns after `init`.
///
/// ```
/// # use ember_otp::gen_server::{Context, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let server = ember_otp::gen_server::start_link::<S>(()).await.unwrap();
/// let me = ember_rt::process_info(ember_rt::self_pid()).unwrap();
/// assert!(me.links.contains(&server.pid()));
/// # }).unwrap();
/// ```
pub async fn start_link<S: GenServer>(arg: S::Arg) -> Result<Server<S>, StartError> {
    start_opts::<S>(arg, StartOpts::new().link()).await
}

/// Start a server with options (Erlang `gen_server:start_link/4` and friends; Elixir
/// `GenServer.start_link(Mod, arg, name: ..., timeout: ...)`). Must be called from inside a
/// process ([`StartError::NotInProcess`] otherwise).
///
/// ```
/// # use ember_otp::gen_server::{self, Context, GenServer, Init, StartError, StartOpts};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let first = gen_server::start_opts::<S>((), StartOpts::new().link().name("limiter")).await.unwrap();
/// let again = gen_server::start_opts::<S>((), StartOpts::new().link().name("limiter")).await;
/// assert_eq!(again.unwrap_err(), StartError::AlreadyStarted(first.pid()));
/// # }).unwrap();
/// ```
pub async fn start_opts<S: GenServer>(
    arg: S::Arg,
    opts: StartOpts,
) -> Result<Server<S>, StartError> {
    let Some(me) = ember_rt::try_self_pid() else {
        return Err(StartError::NotInProcess);
    };
    let parent = opts.link.then_some(me);
    let mut spawn = SpawnOpts::new();
    if opts.link {
        spawn = spawn.link();
    }
    if let Some(name) = &opts.name {
        spawn = spawn.name(name.clone());
    }
    let (ack_tx, ack_rx) = oneshot::channel::<Ack>();
    let name = opts.name.clone();
    let spawned = ember_rt::spawn_opt(spawn, move |mb: Mailbox<Envelope<S>>| {
        engine::run::<S>(mb, arg, ack_tx, parent, name)
    })
    .map_err(|e| match e {
        SpawnError::Register(RegisterError::NameTaken { owner, .. }) => {
            StartError::AlreadyStarted(owner)
        }
        other => StartError::Spawn(other),
    })?;
    let pid = spawned.pid;
    let mut watch = ember_rt::watch(pid);
    let wait = async {
        tokio::select! {
            biased;
            ack = ack_rx => match ack {
                Ok(ack) => ack,
                // The process died without acknowledging (killed during init).
                Err(_) => Err(StartError::Exit((&mut watch).await)),
            },
            reason = &mut watch => Err(StartError::Exit(reason)),
        }
    };
    let acked = match opts.timeout {
        None => wait.await,
        Some(t) => match tokio::time::timeout(t, wait).await {
            Ok(acked) => acked,
            Err(_) => {
                give_up(pid.untyped(), opts.link);
                return Err(StartError::Timeout);
            }
        },
    };
    acked.map(|()| Server::from_typed(pid))
}

/// A start timed out: unlink (so the kill does not reach the caller), then kill.
fn give_up(pid: Pid, linked: bool) {
    if linked {
        ember_rt::unlink(pid);
    }
    ember_rt::exit(pid, ExitReason::Kill);
}

/// A child spec that starts `S` with `arg` through `start_link` (Elixir: the `child_spec/1`
/// that `use GenServer` defines, `%{id: Mod, start: {Mod, :start_link, [arg]}}`).
///
/// The id is the type's name (`std::any::type_name::<S>()`); change it with
/// [`ChildSpec::with_id`], and the restart and shutdown with the spec's builder methods. The
/// start function gives [`Started::Pid`], [`Started::Ignore`] for [`Init::Ignore`](super::Init::Ignore),
/// or the failure as an exit reason (see [`StartError`]'s conversion).
///
/// ```
/// # use ember_otp::gen_server::{self, Context, GenServer, Init};
/// # struct Limiter;
/// # impl GenServer for Limiter {
/// #   type Arg = u32; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: u32, _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Limiter) }
/// # }
/// use ember_otp::child::{Restart, Started};
/// let spec = gen_server::child_spec::<Limiter>(10).restart(Restart::Transient);
/// assert!(spec.id().ends_with("Limiter"));
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async move {
/// assert!(matches!(spec.start_child().await, Ok(Started::Pid(_))));
/// # }).unwrap();
/// ```
pub fn child_spec<S: GenServer>(arg: S::Arg) -> ChildSpec
where
    S::Arg: Clone + Sync,
{
    child_spec_opts::<S>(arg, StartOpts::new())
}

/// [`child_spec`] with start options (a name, a start timeout); the start always links.
///
/// ```
/// # use ember_otp::gen_server::{self, Context, GenServer, Init, StartOpts};
/// # struct Limiter;
/// # impl GenServer for Limiter {
/// #   type Arg = u32; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: u32, _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Limiter) }
/// # }
/// // Elixir: {Limiter, 10} with `name: :limiter` passed to start_link
/// let spec = gen_server::child_spec_opts::<Limiter>(10, StartOpts::new().name("limiter")).with_id("limiter");
/// assert_eq!(spec.id(), "limiter");
/// ```
pub fn child_spec_opts<S: GenServer>(arg: S::Arg, opts: StartOpts) -> ChildSpec
where
    S::Arg: Clone + Sync,
{
    let opts = opts.link();
    ChildSpec::new(std::any::type_name::<S>(), move || {
        let arg = arg.clone();
        let opts = opts.clone();
        async move {
            match start_opts::<S>(arg, opts).await {
                Ok(server) => Ok(Started::Pid(server.pid())),
                Err(StartError::Ignored) => Ok(Started::Ignore),
                Err(e) => Err(ExitReason::from(e)),
            }
        }
    })
}
