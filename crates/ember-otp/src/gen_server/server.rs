//! The client side: the typed handle [`Server`], calls, casts, raw sends and `stop`.
//!
//! How a call works (and why it leaves nothing behind): the caller sets up a
//! [`watch`](ember_rt::watch) on the server (a monitor delivered as a future), creates a oneshot
//! reply channel, sends the request with the channel's sender, and waits for the first of: the
//! reply, the server's death, the timeout. Whatever happens, the receiver and the watch are
//! dropped when the call returns, so a late reply is dropped and no `Down` is left in any
//! mailbox (OTP 24+'s alias guarantee). A call allocates the oneshot and the watch, nothing else,
//! and never polls.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::sync::oneshot;

use ember_rt::{ExitReason, Name, Pid, Timeout, TimerRef};

use super::{CallError, GenServer, ReplyTo};

/// The default timeout of [`Server::call`]: 5 seconds, as in OTP.
///
/// ```
/// assert_eq!(ember_otp::gen_server::DEFAULT_CALL_TIMEOUT, std::time::Duration::from_secs(5));
/// ```
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(5);

/// A message in a server's mailbox. Opaque: build the ones you may send yourself with
/// [`Envelope::info`] and [`Envelope::cast`] (calls and stop requests come only from
/// [`Server`]). You need it only to use `ember_rt`'s raw API on [`Server::typed_pid`].
///
/// ```
/// # use ember_otp::gen_server::{Context, Envelope, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = u8; type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
/// // Erlang: erlang:send_after(10, Pid, 3)
/// ember_rt::send_after(std::time::Duration::from_millis(10), server.typed_pid(), Envelope::info(3));
/// # }).unwrap();
/// ```
pub struct Envelope<S: GenServer>(pub(crate) Kind<S>);

/// The kinds of server messages.
pub(crate) enum Kind<S: GenServer> {
    Call(S::Call, ReplyTo<S::Reply>),
    Cast(S::Cast),
    Info(S::Info),
    Stop(ExitReason),
}

impl<S: GenServer> Envelope<S> {
    /// A message for `handle_info` (as [`Info::Msg`](super::Info::Msg)).
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, Envelope, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = u8; type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// let _msg: Envelope<S> = Envelope::info(1);
    /// ```
    pub fn info(msg: S::Info) -> Envelope<S> {
        Envelope(Kind::Info(msg))
    }

    /// A message for `handle_cast`.
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, Envelope, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = u8; type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// let _msg: Envelope<S> = Envelope::cast(1);
    /// ```
    pub fn cast(msg: S::Cast) -> Envelope<S> {
        Envelope(Kind::Cast(msg))
    }

    pub(crate) fn kind(&self) -> &'static str {
        match self.0 {
            Kind::Call(..) => "call",
            Kind::Cast(_) => "cast",
            Kind::Info(_) => "info",
            Kind::Stop(_) => "stop",
        }
    }
}

impl<S: GenServer> fmt::Debug for Envelope<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Envelope::{}", self.kind())
    }
}

/// A typed handle to a running server of type `S`: it accepts exactly `S`'s calls, casts and
/// info messages. `Copy`, cheap, and valid from any process (Erlang: the server's pid).
///
/// ```
/// use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Init};
/// struct Counter(u64);
/// impl GenServer for Counter {
///     type Arg = u64; type Call = (); type Reply = u64; type Cast = u64; type Info = (); type Continue = ();
///     async fn init(start: u64, _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Counter(start)) }
///     async fn handle_call(&mut self, _: (), _from: &mut Caller<u64>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///         CallResult::Reply(self.0)
///     }
///     async fn handle_cast(&mut self, n: u64, _ctx: &mut Context<Self>) -> Handled<Self> {
///         self.0 += n;
///         Handled::NoReply
///     }
/// }
/// let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let counter = gen_server::start_link::<Counter>(40).await.unwrap(); // GenServer.start_link(Counter, 40)
///     counter.cast(2);                                                     // GenServer.cast(pid, 2)
///     assert_eq!(counter.call(()).await, Ok(42));                          // GenServer.call(pid, :get)
/// }).unwrap();
/// ```
pub struct Server<S: GenServer> {
    pid: Pid<Envelope<S>>,
}

impl<S: GenServer> Clone for Server<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: GenServer> Copy for Server<S> {}

impl<S: GenServer> PartialEq for Server<S> {
    fn eq(&self, other: &Self) -> bool {
        self.pid == other.pid
    }
}
impl<S: GenServer> Eq for Server<S> {}

impl<S: GenServer> std::hash::Hash for Server<S> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.pid.hash(state);
    }
}

impl<S: GenServer> fmt::Debug for Server<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Server<{}>({})", std::any::type_name::<S>(), self.pid)
    }
}

impl<S: GenServer> Server<S> {
    pub(crate) fn from_typed(pid: Pid<Envelope<S>>) -> Server<S> {
        Server { pid }
    }

    /// The server's untyped pid: for links, monitors, exit signals and introspection.
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
    /// assert!(server.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.pid.untyped()
    }

    /// The server's typed pid, for `ember_rt`'s raw API (see [`Envelope`]).
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
    /// assert_eq!(server.typed_pid(), server.pid());
    /// # }).unwrap();
    /// ```
    pub fn typed_pid(&self) -> Pid<Envelope<S>> {
        self.pid
    }

    /// A handle from an untyped pid, checked: the process must be alive and run a server of
    /// type `S` ([`CallError::NoProc`] / [`CallError::WrongType`] otherwise).
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallError, Context, GenServer, Init, Server};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// assert_eq!(Server::<S>::from_pid(server.pid()), Ok(server));
    /// assert!(matches!(Server::<S>::from_pid(ember_rt::self_pid()), Err(CallError::WrongType { .. })));
    /// # }).unwrap();
    /// ```
    pub fn from_pid(pid: Pid) -> Result<Server<S>, CallError> {
        pid.typed::<Envelope<S>>()
            .map(Server::from_typed)
            .map_err(CallError::from_type_error)
    }

    /// The server registered as `name` (Erlang `whereis(Name)`), checked like
    /// [`from_pid`](Server::from_pid); [`CallError::NoProc`] if the name is not registered.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallError, Context, GenServer, Init, Server, StartOpts};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start_opts::<S>((), StartOpts::new().name("db")).await.unwrap();
    /// assert_eq!(Server::<S>::whereis("db"), Ok(server));
    /// assert_eq!(Server::<S>::whereis("nobody"), Err(CallError::NoProc));
    /// # }).unwrap();
    /// ```
    pub fn whereis(name: impl Into<Name>) -> Result<Server<S>, CallError> {
        match ember_rt::whereis(name) {
            Some(pid) => Server::from_pid(pid),
            None => Err(CallError::NoProc),
        }
    }

    /// Whether the server is alive right now.
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
    pub fn is_alive(&self) -> bool {
        self.pid.is_alive()
    }

    /// Call with the default timeout of 5 s (Erlang `gen_server:call(S, Req)`).
    ///
    /// Fails with [`CallError::NoProc`] at once if the server is not alive,
    /// [`CallError::Exit`] as soon as it dies before replying, [`CallError::Timeout`] after
    /// 5 s, [`CallError::CallingSelf`] from inside the server. Unlike OTP, the caller does not
    /// exit on these errors: it gets them as values.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallError, CallResult, Caller, Context, GenServer, Init};
    /// # struct Sq;
    /// # impl GenServer for Sq {
    /// #   type Arg = (); type Call = u32; type Reply = u32; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Sq) }
    /// #   async fn handle_call(&mut self, n: u32, _f: &mut Caller<u32>, _ctx: &mut Context<Self>) -> CallResult<Self> { CallResult::Reply(n * n) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let sq = ember_otp::gen_server::start::<Sq>(()).await.unwrap();
    /// assert_eq!(sq.call(7).await, Ok(49));
    /// sq.stop(ember_rt::ExitReason::Normal, ember_rt::Timeout::Infinity).await.unwrap();
    /// assert_eq!(sq.call(7).await, Err(CallError::NoProc));
    /// # }).unwrap();
    /// ```
    pub async fn call(&self, request: S::Call) -> Result<S::Reply, CallError> {
        self.call_timeout(request, DEFAULT_CALL_TIMEOUT).await
    }

    /// Call with an explicit timeout: a [`Duration`] or [`Timeout::Infinity`]
    /// (Erlang `gen_server:call(S, Req, T)`).
    ///
    /// Call from inside an ember process: a finite timeout uses the runtime's timer driver,
    /// which ember processes enter (like [`ember_rt::sleep`]); from a plain thread only
    /// [`Timeout::Infinity`] works.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallError, CallResult, Caller, Context, GenServer, Init};
    /// # struct Mute;
    /// # impl GenServer for Mute {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Mute) }
    /// #   async fn handle_call(&mut self, _: (), from: &mut Caller<()>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    /// #       drop(from.defer()); // never replies
    /// #       CallResult::NoReply
    /// #   }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let mute = ember_otp::gen_server::start::<Mute>(()).await.unwrap();
    /// let r = mute.call_timeout((), std::time::Duration::from_millis(10)).await;
    /// assert_eq!(r, Err(CallError::Timeout));
    /// assert!(mute.is_alive()); // the server keeps running
    /// # }).unwrap();
    /// ```
    pub async fn call_timeout(
        &self,
        request: S::Call,
        timeout: impl Into<Timeout>,
    ) -> Result<S::Reply, CallError> {
        let caller = ember_rt::try_self_pid();
        if caller == Some(self.pid.untyped()) {
            return Err(CallError::CallingSelf);
        }
        let mut watch = ember_rt::watch(self.pid);
        let (tx, mut rx) = oneshot::channel();
        self.pid
            .send(Envelope(Kind::Call(request, ReplyTo::new(tx, caller))));
        let wait = async {
            tokio::select! {
                biased;
                reply = &mut rx => match reply {
                    Ok(reply) => Ok(reply),
                    // The request (and its reply channel) was dropped: the server died with it
                    // in its mailbox, or dropped the channel without replying (then, as in OTP,
                    // only its death or the timeout ends the call).
                    Err(_) => Err(CallError::from_exit((&mut watch).await)),
                },
                reason = &mut watch => match rx.try_recv() {
                    // A reply sent just before the exit (e.g. `StopReply`) wins.
                    Ok(reply) => Ok(reply),
                    Err(_) => Err(CallError::from_exit(reason)),
                },
            }
        };
        with_timeout(timeout.into(), wait).await
    }

    /// Cast: send the request and return at once (Erlang `gen_server:cast/2`, which always
    /// returns `ok` — also to a dead server, where the request is dropped).
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = u8; type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// server.cast(1); // handled by S::handle_cast (the default one stops the server)
    /// # }).unwrap();
    /// ```
    pub fn cast(&self, request: S::Cast) {
        self.pid.send(Envelope(Kind::Cast(request)));
    }

    /// Send a message for `handle_info` (Erlang `Pid ! Msg`). Like every send, it succeeds
    /// even if the server is dead.
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = &'static str; type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// server.send("ping"); // arrives as Info::Msg("ping")
    /// # }).unwrap();
    /// ```
    pub fn send(&self, msg: S::Info) {
        self.pid.send(Envelope(Kind::Info(msg)));
    }

    /// Deliver a message for `handle_info` after `after` (Erlang `erlang:send_after/3`,
    /// Elixir `Process.send_after/3`). The timer dies with the server. For a periodic tick,
    /// arm the next one in `handle_info`, as in Elixir.
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = &'static str; type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// let timer = server.send_after(std::time::Duration::from_secs(60), "refill");
    /// assert!(ember_rt::cancel_timer(&timer).is_some());
    /// # }).unwrap();
    /// ```
    pub fn send_after(&self, after: Duration, msg: S::Info) -> TimerRef {
        ember_rt::send_after(after, self.pid, Envelope(Kind::Info(msg)))
    }

    /// Deliver a clone of `msg` for `handle_info` every `every`, until the timer is cancelled or
    /// the server exits (Erlang `timer:send_interval/3`).
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = &'static str; type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// let timer = server.send_interval(std::time::Duration::from_secs(1), "refill");
    /// assert!(ember_rt::cancel_timer(&timer).is_some());
    /// # }).unwrap();
    /// ```
    pub fn send_interval(&self, every: Duration, msg: S::Info) -> TimerRef
    where
        S::Info: Clone,
    {
        ember_rt::send_interval_with(every, self.pid, move || Envelope(Kind::Info(msg.clone())))
    }

    /// Stop the server and wait until it is gone (Erlang `gen_server:stop(S, Reason, Timeout)`):
    /// `terminate` runs with `reason`, then the process exits with it. The request is handled in
    /// mailbox order, after the messages already queued.
    ///
    /// `Ok(())` once the server exited with `reason`; [`CallError::NoProc`] if it was not
    /// alive; [`CallError::Exit`] if it ended with another reason; [`CallError::Timeout`] if
    /// it was still running at the timeout (it is left running, as in OTP);
    /// [`CallError::CallingSelf`] from inside the server. A reason other than `Normal`,
    /// `Shutdown` and `ShutdownWith` is reported as a crash. Note that a caller linked to the
    /// server (its `start_link` caller) gets the exit signal too, as in OTP.
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
    /// use ember_rt::{ExitReason, Timeout};
    /// let server = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// server.stop(ExitReason::Normal, Timeout::Infinity).await.unwrap(); // GenServer.stop(pid)
    /// assert!(!server.is_alive());
    /// # }).unwrap();
    /// ```
    pub async fn stop(
        &self,
        reason: ExitReason,
        timeout: impl Into<Timeout>,
    ) -> Result<(), CallError> {
        if ember_rt::try_self_pid() == Some(self.pid.untyped()) {
            return Err(CallError::CallingSelf);
        }
        let watch = ember_rt::watch(self.pid);
        self.pid.send(Envelope(Kind::Stop(reason.clone())));
        let exited = with_timeout(timeout.into(), async { Ok(watch.await) }).await?;
        if exited == reason {
            Ok(())
        } else {
            Err(CallError::from_exit(exited))
        }
    }
}

/// Run `fut` with a timeout ([`CallError::Timeout`] when it passes).
async fn with_timeout<T>(
    timeout: Timeout,
    fut: impl Future<Output = Result<T, CallError>>,
) -> Result<T, CallError> {
    match timeout {
        Timeout::After(d) => tokio::time::timeout(d, fut)
            .await
            .unwrap_or(Err(CallError::Timeout)),
        Timeout::Infinity => fut.await,
    }
}

/// Call the server registered as `name` (Erlang `gen_server:call(Name, Req)`), default
/// timeout. The name is resolved once, now: [`CallError::NoProc`] if nobody has it,
/// [`CallError::WrongType`] if the process there is not a server of type `S`.
///
/// ```
/// # use ember_otp::gen_server::{self, CallError, CallResult, Caller, Context, GenServer, Init, StartOpts};
/// # struct Limiter;
/// # impl GenServer for Limiter {
/// #   type Arg = (); type Call = (); type Reply = bool; type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Limiter) }
/// #   async fn handle_call(&mut self, _: (), _f: &mut Caller<bool>, _ctx: &mut Context<Self>) -> CallResult<Self> { CallResult::Reply(true) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// gen_server::start_opts::<Limiter>((), StartOpts::new().name("limiter")).await.unwrap();
/// assert_eq!(gen_server::call_name::<Limiter>("limiter", ()).await, Ok(true));
/// assert_eq!(gen_server::call_name::<Limiter>("nobody", ()).await, Err(CallError::NoProc));
/// # }).unwrap();
/// ```
pub async fn call_name<S: GenServer>(
    name: impl Into<Name>,
    request: S::Call,
) -> Result<S::Reply, CallError> {
    Server::<S>::whereis(name)?.call(request).await
}

/// [`call_name`] with an explicit timeout.
///
/// ```
/// # use ember_otp::gen_server::{self, CallError, Context, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let r = gen_server::call_name_timeout::<S>("nobody", (), std::time::Duration::from_secs(1)).await;
/// assert_eq!(r, Err(CallError::NoProc));
/// # }).unwrap();
/// ```
pub async fn call_name_timeout<S: GenServer>(
    name: impl Into<Name>,
    request: S::Call,
    timeout: impl Into<Timeout>,
) -> Result<S::Reply, CallError> {
    Server::<S>::whereis(name)?
        .call_timeout(request, timeout)
        .await
}

/// Cast to the server registered as `name` (Erlang `gen_server:cast(Name, Req)`). As in OTP
/// an unregistered name is not an error (the request is dropped); the only error is a process
/// of another server type under the name ([`CallError::WrongType`]).
///
/// ```
/// # use ember_otp::gen_server::{self, Context, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert_eq!(gen_server::cast_name::<S>("nobody", ()), Ok(()));
/// # }).unwrap();
/// ```
pub fn cast_name<S: GenServer>(name: impl Into<Name>, request: S::Cast) -> Result<(), CallError> {
    match Server::<S>::whereis(name) {
        Ok(server) => {
            server.cast(request);
            Ok(())
        }
        Err(CallError::NoProc) => Ok(()),
        Err(e) => Err(e),
    }
}
