//! What callbacks return, and what `handle_info` receives.
//!
//! OTP's callbacks return tuples (`{reply, R, S}`, `{noreply, S, {continue, C}}`, ...). Here the
//! state is `self` (changed in place), so the results only say what happens *next*: reply or
//! not, stop or not, and an optional [`Next`] action (continue, timeout, hibernate).

use std::time::Duration;

use ember_rt::{Down, Exit, ExitReason};

use super::GenServer;

/// What to do before waiting for the next message (the optional last element of OTP's
/// result tuples).
///
/// ```
/// use ember_otp::gen_server::Next;
/// use std::time::Duration;
/// let n: Next<&str> = Next::Timeout(Duration::from_secs(1)); // Erlang: {noreply, S, 1000}
/// assert!(matches!(n, Next::Timeout(_)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next<C> {
    /// Run `handle_continue(C)` before any message, even one already queued
    /// (Erlang `{continue, C}`).
    Continue(C),
    /// If no message at all arrives within this time, `handle_info(Info::Timeout)` runs; any
    /// message (call, cast, info, exit, down, stop) cancels it (Erlang: an integer timeout).
    Timeout(Duration),
    /// Erlang `hibernate`. ember processes have no private heap to compact, so this is accepted
    /// and behaves like no action at all (the server just waits for its next message).
    Hibernate,
}

/// What `init` decided (Erlang's `init/1` results).
///
/// ```
/// use ember_otp::gen_server::{Context, GenServer, Init, Next};
/// struct Cache(Vec<u8>);
/// impl GenServer for Cache {
///     type Arg = bool; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
///     async fn init(warm: bool, _ctx: &mut Context<Self>) -> Init<Self> {
///         if warm {
///             Init::OkThen(Cache(Vec::new()), Next::Continue(())) // load after start returns
///         } else {
///             Init::Ok(Cache(Vec::new()))
///         }
///     }
/// }
/// ```
pub enum Init<S: GenServer> {
    /// Running with this state; the start returns the server (Erlang `{ok, S}`).
    Ok(S),
    /// Running, with an action before the first message (Erlang `{ok, S, Action}`).
    OkThen(S, Next<S::Continue>),
    /// Do not run: the start returns [`StartError::Ignored`](super::StartError::Ignored) and the
    /// process exits `normal` (Erlang `ignore`).
    Ignore,
    /// Fail: the start returns [`StartError::Exit`](super::StartError::Exit) and the process
    /// exits with the reason, which a `start_link` caller gets through the link
    /// (Erlang `{stop, R}`).
    Stop(ExitReason),
}

/// What `handle_call` decided (Erlang's `handle_call/3` results).
///
/// ```
/// use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
/// struct Stack(Vec<u32>);
/// impl GenServer for Stack {
///     type Arg = (); type Call = (); type Reply = Option<u32>; type Cast = (); type Info = (); type Continue = ();
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Stack(vec![])) }
///     async fn handle_call(&mut self, _pop: (), _from: &mut Caller<Option<u32>>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///         CallResult::Reply(self.0.pop()) // Erlang: {reply, Top, S}
///     }
/// }
/// ```
pub enum CallResult<S: GenServer> {
    /// Reply now (Erlang `{reply, R, S}`).
    Reply(S::Reply),
    /// Reply now, then the action (Erlang `{reply, R, S, Action}`).
    ReplyThen(S::Reply, Next<S::Continue>),
    /// No reply now: the handler took the reply handle with [`Caller::defer`](super::Caller::defer)
    /// to reply later from anywhere, or replied already with
    /// [`Caller::reply`](super::Caller::reply) (Erlang `{noreply, S}`). A caller nobody replies
    /// to gets [`CallError::Timeout`](super::CallError::Timeout).
    NoReply,
    /// No reply now, then the action (Erlang `{noreply, S, Action}`).
    NoReplyThen(Next<S::Continue>),
    /// Stop with the reason without replying: `terminate` runs, and the caller gets
    /// [`CallError::Exit`](super::CallError::Exit) with the reason (Erlang `{stop, R, S}`).
    Stop(ExitReason),
    /// Reply, then stop: the reply is sent *before* `terminate` runs
    /// (Erlang `{stop, R, Reply, S}`).
    StopReply(ExitReason, S::Reply),
}

/// What `handle_cast`, `handle_info` and `handle_continue` decided (Erlang `{noreply, ...}` and
/// `{stop, R, S}`).
///
/// ```
/// use ember_otp::gen_server::{Context, GenServer, Handled, Init};
/// use ember_rt::ExitReason;
/// struct Sink(u64);
/// impl GenServer for Sink {
///     type Arg = (); type Call = (); type Reply = (); type Cast = Option<u64>; type Info = (); type Continue = ();
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Sink(0)) }
///     async fn handle_cast(&mut self, n: Option<u64>, _ctx: &mut Context<Self>) -> Handled<Self> {
///         match n {
///             Some(n) => { self.0 += n; Handled::NoReply }        // {noreply, S}
///             None => Handled::Stop(ExitReason::Normal),          // {stop, normal, S}
///         }
///     }
/// }
/// ```
pub enum Handled<S: GenServer> {
    /// Go on (Erlang `{noreply, S}`).
    NoReply,
    /// Go on after the action (Erlang `{noreply, S, Action}`).
    NoReplyThen(Next<S::Continue>),
    /// Stop with the reason; `terminate` runs (Erlang `{stop, R, S}`).
    Stop(ExitReason),
}

/// What `handle_info` receives: every message that is not a call, a cast or a stop request.
///
/// Erlang's `handle_info/2` gets raw terms; ember types them. Exit signals arrive here only
/// while the server traps exits, and only from processes other than its parent (an exit from
/// the parent stops the server and runs `terminate`).
///
/// ```
/// use ember_otp::gen_server::{Context, GenServer, Handled, Info, Init};
/// struct Ticker(u32);
/// impl GenServer for Ticker {
///     type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = &'static str; type Continue = ();
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Ticker(0)) }
///     async fn handle_info(&mut self, info: Info<&'static str>, _ctx: &mut Context<Self>) -> Handled<Self> {
///         match info {
///             Info::Msg("tick") => self.0 += 1,       // handle_info(tick, S)
///             Info::Down(_down) => {}                 // handle_info({'DOWN', ...}, S)
///             Info::Exit(_exit) => {}                 // handle_info({'EXIT', From, R}, S)
///             Info::Timeout => {}                     // handle_info(timeout, S)
///             Info::Msg(_) => {}
///         }
///         Handled::NoReply
///     }
/// }
/// ```
#[derive(Debug)]
pub enum Info<I> {
    /// A message sent with [`Server::send`](super::Server::send) or a timer
    /// ([`Server::send_after`](super::Server::send_after)) — Erlang: a raw `Pid ! Msg`.
    Msg(I),
    /// An exit signal from a process other than the parent, received while trapping exits
    /// (Erlang `{'EXIT', From, Reason}`).
    Exit(Exit),
    /// A monitor the server set up fired (Erlang `{'DOWN', Ref, process, Obj, Reason}`).
    Down(Down),
    /// The timeout of a [`Next::Timeout`] passed with no message (Erlang `timeout`).
    Timeout,
}
