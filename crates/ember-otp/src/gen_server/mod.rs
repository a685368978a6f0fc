//! GenServer: a process that holds state and serves calls, casts and messages
//! (Erlang `gen_server`, Elixir `GenServer`).
//!
//! A server type implements [`GenServer`]; the type *is* the state (like an Elixir module and
//! its struct). Its associated types name the protocol — what `init` takes, what calls,
//! replies, casts, info messages and continues are — so the compiler checks what Elixir
//! checks at run time. Clients hold a typed, `Copy` [`Server<S>`] handle.
//!
//! ```
//! use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Info, Init};
//! use std::time::Duration;
//!
//! /// A token bucket: `max` requests per refill period.
//! struct Limiter { max: u32, tokens: u32 }
//! struct Refill;
//!
//! impl GenServer for Limiter {
//!     type Arg = u32;          // init(Max)
//!     type Call = ();          // call(Pid, acquire)
//!     type Reply = bool;       // true | false
//!     type Cast = ();
//!     type Info = Refill;      // the timer's message
//!     type Continue = ();
//!
//!     async fn init(max: u32, ctx: &mut Context<Self>) -> Init<Self> {
//!         ctx.server().send_after(Duration::from_secs(1), Refill);
//!         Init::Ok(Limiter { max, tokens: max })
//!     }
//!     async fn handle_call(&mut self, _: (), _from: &mut Caller<bool>, _ctx: &mut Context<Self>) -> CallResult<Self> {
//!         let ok = self.tokens > 0;
//!         if ok { self.tokens -= 1 }
//!         CallResult::Reply(ok)
//!     }
//!     async fn handle_info(&mut self, _: Info<Refill>, ctx: &mut Context<Self>) -> Handled<Self> {
//!         self.tokens = self.max;
//!         ctx.server().send_after(Duration::from_secs(1), Refill);
//!         Handled::NoReply
//!     }
//! }
//!
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let limiter = gen_server::start_link::<Limiter>(2).await.unwrap();
//!     assert_eq!(limiter.call(()).await, Ok(true));
//!     assert_eq!(limiter.call(()).await, Ok(true));
//!     assert_eq!(limiter.call(()).await, Ok(false));
//! }).unwrap();
//! ```
//!
//! Erlang → Rust: `gen_server:start_link(M, A, [])` → [`start_link::<M>(a)`](start_link);
//! `{local, N}` → [`StartOpts::name`]; `gen_server:call(S, R)` → [`Server::call`];
//! `gen_server:cast` → [`Server::cast`]; `Pid ! Msg` → [`Server::send`];
//! `gen_server:reply(From, R)` → [`reply`] / [`ReplyTo::reply`]; `gen_server:stop/3` →
//! [`Server::stop`]; `{reply, R, S}` → [`CallResult::Reply`]; `{noreply, S, {continue, C}}`
//! → [`Handled::NoReplyThen`]`(`[`Next::Continue`]`)`.
//!
//! ## Invariants
//! - **States.** *starting*: the process exists, its name (if any) is registered, `init` runs;
//!   the starter waits. *running*: the loop handles one event at a time. *terminating*:
//!   `terminate` runs, then the process exits with the stop reason. A start returns only once
//!   `init` has finished (or failed, or timed out).
//! - **Ownership.** The server process owns the state (`self`); callbacks get `&mut self` one at
//!   a time, so there is no locking. [`Server<S>`] is a copyable address, not an owner. Each
//!   call owns a one-shot reply channel; whoever holds it (the loop, or a [`ReplyTo`] taken
//!   with [`Caller::defer`]) can reply once.
//! - **Ordering.** A pending `handle_continue` runs before any message, even one queued during
//!   `init`. Messages are handled in arrival order, whatever their kind (calls, casts, infos,
//!   exits, downs, stop requests). A [`Next::Timeout`] fires only if no message at all arrives.
//! - **Parent.** The parent is the process that started the server with a link. An exit signal
//!   from it, while the server traps exits, stops the server with that reason (and runs
//!   `terminate`); from any other process it is just [`Info::Exit`]. A server that does not
//!   trap exits is killed by such a signal without running `terminate`, as in OTP.
//! - **Shutdown.** `terminate` runs when a callback returns a stop, when a callback panics
//!   (reason [`ExitReason::Panic`]), on [`Server::stop`], and on the parent's exit signal
//!   while trapping. It never runs on an untrappable kill. The final exit reason is the stop
//!   reason (or the panic of `terminate` itself). A crash report — a `tracing` error event,
//!   target `ember::gen_server`, fields `pid`, `name`, `server`, `reason`, `last_message` —
//!   is emitted for every reason except `Normal`, `Shutdown` and `ShutdownWith`.
//! - **Calls.** A call uses a [`watch`](ember_rt::watch) (a monitor as a future) and a oneshot
//!   channel, never a link. It ends with the reply, the server's death (at once), or the
//!   timeout; a late reply is dropped and nothing is left in the caller's mailbox. The caller
//!   never exits because of a failed call (OTP makes it exit; ember returns the error).
//!
//! Not implemented (otp-semantics F13): `format_status`, `code_change` and the `sys` debug
//! protocol. Hibernation is accepted and does nothing ([`Next::Hibernate`]).

mod context;
mod engine;
mod error;
mod reply;
mod result;
mod server;
mod start;

pub(crate) use crate::catch::catch;
pub use context::Context;
pub use error::{CallError, StartError, Unhandled};
pub use reply::{Caller, ReplyTo, reply};
pub use result::{CallResult, Handled, Info, Init, Next};
pub use server::{DEFAULT_CALL_TIMEOUT, Envelope, Server, call_name, call_name_timeout, cast_name};
pub use start::{StartOpts, child_spec, child_spec_opts, start, start_link, start_opts};

use std::future::Future;

use ember_rt::ExitReason;

/// A generic server: its type is its state, its associated types are its protocol, and its
/// callbacks say what each kind of message does (Erlang `-behaviour(gen_server)`, Elixir
/// `use GenServer`).
///
/// Only `init` is required. The defaults follow Elixir's `use GenServer`: `handle_call`,
/// `handle_cast` and `handle_continue` stop the server with [`Unhandled`] (Elixir raises);
/// `handle_info` logs the unexpected message and goes on; `terminate` does nothing.
///
/// Implement the callbacks with `async fn`; they must be `Send` (a process is a `Send`
/// future), so do not hold a non-`Send` value across an `.await` in them.
///
/// ```
/// use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Init, Next};
/// use ember_rt::ExitReason;
///
/// /// A key-value store that loads its data after the start has returned.
/// struct Store { data: Vec<(String, String)> }
///
/// enum Request { Get(String), Put(String, String) }
///
/// impl GenServer for Store {
///     type Arg = ();
///     type Call = Request;
///     type Reply = Option<String>;
///     type Cast = ();
///     type Info = ();
///     type Continue = ();
///
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
///         Init::OkThen(Store { data: vec![] }, Next::Continue(())) // {ok, S, {continue, load}}
///     }
///     async fn handle_continue(&mut self, _: (), _ctx: &mut Context<Self>) -> Handled<Self> {
///         self.data.push(("answer".into(), "42".into()));
///         Handled::NoReply
///     }
///     async fn handle_call(&mut self, req: Request, _from: &mut Caller<Option<String>>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///         match req {
///             Request::Get(k) => CallResult::Reply(self.data.iter().find(|(key, _)| *key == k).map(|(_, v)| v.clone())),
///             Request::Put(k, v) => { self.data.push((k, v)); CallResult::Reply(None) }
///         }
///     }
///     async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
///         // flush to disk ...
///     }
/// }
///
/// let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let store = gen_server::start_link::<Store>(()).await.unwrap();
///     assert_eq!(store.call(Request::Get("answer".into())).await, Ok(Some("42".into())));
/// }).unwrap();
/// ```
pub trait GenServer: Sized + Send + 'static {
    /// What `init` takes (Erlang: the `Args` of `start_link(Mod, Args, Opts)`).
    type Arg: Send + 'static;
    /// The requests of calls.
    type Call: Send + 'static;
    /// The replies to calls.
    type Reply: Send + 'static;
    /// The requests of casts.
    type Cast: Send + 'static;
    /// The messages for `handle_info` sent with [`Server::send`] or timers.
    type Info: Send + 'static;
    /// What [`Next::Continue`] carries to `handle_continue`.
    type Continue: Send + 'static;

    /// Build the state (Erlang `init/1`). Runs in the new process, after its name is
    /// registered and before the start returns. See [`Init`] for the outcomes; a panic is
    /// like `Init::Stop` with [`ExitReason::Panic`].
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, Context, GenServer, Init};
    /// struct Pool(usize);
    /// impl GenServer for Pool {
    ///     type Arg = usize; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(size: usize, _ctx: &mut Context<Self>) -> Init<Self> {
    ///         if size == 0 { Init::Ignore } else { Init::Ok(Pool(size)) }
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// assert!(gen_server::start::<Pool>(4).await.is_ok());
    /// assert_eq!(gen_server::start::<Pool>(0).await.unwrap_err(), gen_server::StartError::Ignored);
    /// # }).unwrap();
    /// ```
    fn init(arg: Self::Arg, ctx: &mut Context<Self>) -> impl Future<Output = Init<Self>> + Send;

    /// Handle a call (Erlang `handle_call/3`); see [`CallResult`] and [`Caller`].
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Init};
    /// struct Doubler;
    /// impl GenServer for Doubler {
    ///     type Arg = (); type Call = i64; type Reply = i64; type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Doubler) }
    ///     async fn handle_call(&mut self, n: i64, _from: &mut Caller<i64>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///         CallResult::Reply(2 * n)
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let d = gen_server::start::<Doubler>(()).await.unwrap();
    /// assert_eq!(d.call(21).await, Ok(42));
    /// # }).unwrap();
    /// ```
    fn handle_call(
        &mut self,
        request: Self::Call,
        from: &mut Caller<Self::Reply>,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = CallResult<Self>> + Send {
        let _ = (request, from, ctx);
        async { CallResult::Stop(ExitReason::error(unhandled::<Self>("handle_call"))) }
    }

    /// Handle a cast (Erlang `handle_cast/2`).
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Init};
    /// struct Log(Vec<String>);
    /// impl GenServer for Log {
    ///     type Arg = (); type Call = (); type Reply = usize; type Cast = String; type Info = (); type Continue = ();
    ///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Log(vec![])) }
    ///     async fn handle_cast(&mut self, line: String, _ctx: &mut Context<Self>) -> Handled<Self> {
    ///         self.0.push(line);
    ///         Handled::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _from: &mut Caller<usize>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///         CallResult::Reply(self.0.len())
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let log = gen_server::start::<Log>(()).await.unwrap();
    /// log.cast("hello".into());
    /// assert_eq!(log.call(()).await, Ok(1));
    /// # }).unwrap();
    /// ```
    fn handle_cast(
        &mut self,
        request: Self::Cast,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (request, ctx);
        async { Handled::Stop(ExitReason::error(unhandled::<Self>("handle_cast"))) }
    }

    /// Handle any other message (Erlang `handle_info/2`): see [`Info`]. The default logs a
    /// warning (target `ember::gen_server`, fields `pid`, `name`, `server`, `kind`) and goes on.
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Info, Init};
    /// struct Watcher(Vec<ember_rt::ExitReason>);
    /// impl GenServer for Watcher {
    ///     type Arg = (); type Call = (); type Reply = usize; type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
    ///         let worker = ember_rt::spawn(|_: ember_rt::Mailbox<()>| async {});
    ///         ember_rt::monitor(worker);
    ///         Init::Ok(Watcher(vec![]))
    ///     }
    ///     async fn handle_info(&mut self, info: Info<()>, _ctx: &mut Context<Self>) -> Handled<Self> {
    ///         if let Info::Down(down) = info { self.0.push(down.reason) }
    ///         Handled::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _from: &mut Caller<usize>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///         CallResult::Reply(self.0.len())
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let w = gen_server::start::<Watcher>(()).await.unwrap();
    /// while w.call(()).await != Ok(1) { ember_rt::yield_now().await }
    /// # }).unwrap();
    /// ```
    fn handle_info(
        &mut self,
        info: Info<Self::Info>,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let kind = match &info {
            Info::Msg(_) => "info",
            Info::Exit(_) => "exit",
            Info::Down(_) => "down",
            Info::Timeout => "timeout",
        };
        tracing::warn!(
            target: "ember::gen_server",
            pid = %ctx.pid(),
            name = ctx.name().map_or("", |n| n.as_str()),
            server = std::any::type_name::<Self>(),
            kind,
            "undefined handle_info: message dropped"
        );
        async { Handled::NoReply }
    }

    /// Continue after a callback returned [`Next::Continue`] (Erlang `handle_continue/2`);
    /// runs before any message.
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Handled, Init, Next};
    /// struct Lazy(Option<u32>);
    /// impl GenServer for Lazy {
    ///     type Arg = (); type Call = (); type Reply = Option<u32>; type Cast = (); type Info = (); type Continue = u32;
    ///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
    ///         Init::OkThen(Lazy(None), Next::Continue(7))
    ///     }
    ///     async fn handle_continue(&mut self, n: u32, _ctx: &mut Context<Self>) -> Handled<Self> {
    ///         self.0 = Some(n);
    ///         Handled::NoReply
    ///     }
    ///     async fn handle_call(&mut self, _: (), _from: &mut Caller<Option<u32>>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///         CallResult::Reply(self.0)
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let s = gen_server::start::<Lazy>(()).await.unwrap();
    /// assert_eq!(s.call(()).await, Ok(Some(7)));
    /// # }).unwrap();
    /// ```
    fn handle_continue(
        &mut self,
        cont: Self::Continue,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = Handled<Self>> + Send {
        let _ = (cont, ctx);
        async { Handled::Stop(ExitReason::error(unhandled::<Self>("handle_continue"))) }
    }

    /// Clean up before the server exits with `reason` (Erlang `terminate/2`). See the module
    /// docs for when it runs; it never runs on a kill, nor when the server does not trap exits
    /// and its parent's exit signal kills it.
    ///
    /// ```
    /// # use ember_otp::gen_server::{self, Context, GenServer, Init};
    /// use ember_rt::{ExitReason, Pid};
    /// struct Noisy(Pid<ExitReason>);
    /// impl GenServer for Noisy {
    ///     type Arg = Pid<ExitReason>; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(tell: Pid<ExitReason>, _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Noisy(tell)) }
    ///     async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
    ///         self.0.send(reason.clone());
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: ember_rt::Mailbox<ExitReason>| async move {
    ///     let s = gen_server::start::<Noisy>(mb.pid()).await.unwrap();
    ///     s.stop(ExitReason::Shutdown, ember_rt::Timeout::Infinity).await.unwrap();
    ///     assert_eq!(mb.recv().await, ExitReason::Shutdown);
    /// }).unwrap();
    /// ```
    fn terminate(
        &mut self,
        reason: &ExitReason,
        ctx: &mut Context<Self>,
    ) -> impl Future<Output = ()> + Send {
        let _ = (reason, ctx);
        async {}
    }
}

fn unhandled<S>(callback: &'static str) -> Unhandled {
    Unhandled {
        callback,
        server: std::any::type_name::<S>(),
    }
}
