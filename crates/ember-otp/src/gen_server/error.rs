//! The errors of the client side: starting, calling and stopping a server.
//!
//! Deliberate difference from OTP: a failed `call` makes the *caller exit* in Erlang
//! (`{timeout, {gen_server, call, Args}}` and friends). In ember the caller gets the error as
//! a value and decides; nothing is sent to its mailbox and it keeps running.

use ember_rt::{ExitReason, Pid, SpawnError, Term};

/// Why a call (or a synchronous [`stop`](super::Server::stop)) failed.
///
/// Erlang: the caller exits with `{Reason, {gen_server, call, Args}}`; ember returns the reason.
///
/// ```
/// use ember_otp::gen_server::CallError;
/// use ember_rt::ExitReason;
/// let e = CallError::Exit(ExitReason::Killed);
/// assert_eq!(e.to_string(), "the server exited during the call: killed");
/// assert_eq!(CallError::NoProc.to_string(), "no such server (noproc)");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The server was not alive when the call started, or no process has the name
    /// (Erlang `noproc`). Returned at once, without waiting for the timeout.
    #[error("no such server (noproc)")]
    NoProc,
    /// No reply within the timeout (Erlang `timeout`). The server keeps running and may still
    /// handle the request; its late reply is dropped and never reaches the caller.
    #[error("the call timed out")]
    Timeout,
    /// The server ended before replying, with this reason (Erlang: the caller exits with it).
    #[error("the server exited during the call: {0}")]
    Exit(ExitReason),
    /// A server called itself (Erlang `calling_self`): it would wait for itself forever.
    #[error("a server cannot call itself (calling_self)")]
    CallingSelf,
    /// The process registered under the name runs another server type.
    #[error("the process receives `{expected}`, not `{found}`")]
    WrongType {
        /// The message type of the registered process.
        expected: &'static str,
        /// The message type of the server type that was asked for.
        found: &'static str,
    },
}

impl CallError {
    pub(crate) fn from_exit(reason: ExitReason) -> CallError {
        match reason {
            ExitReason::NoProc => CallError::NoProc,
            other => CallError::Exit(other),
        }
    }

    pub(crate) fn from_type_error(e: ember_rt::TypeError) -> CallError {
        match e {
            ember_rt::TypeError::Mismatch { expected, found } => {
                CallError::WrongType { expected, found }
            }
            _ => CallError::NoProc,
        }
    }
}

/// Why a start did not give a running server.
///
/// Erlang: `{error, {already_started, Pid}}`, `ignore`, `{error, Reason}`, `{error, timeout}`.
///
/// ```
/// use ember_otp::gen_server::StartError;
/// use ember_rt::ExitReason;
/// let e = StartError::Exit(ExitReason::atom("bad_config"));
/// assert_eq!(ExitReason::from(e), ExitReason::atom("bad_config"));
/// assert_eq!(ExitReason::from(StartError::Timeout), ExitReason::atom("timeout"));
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The name is taken by this process (Erlang `{error, {already_started, Pid}}`). No new
    /// process ran.
    #[error("already started: {0}")]
    AlreadyStarted(Pid),
    /// `init` returned [`Init::Ignore`](super::Init::Ignore) (Erlang `ignore`): not a failure,
    /// but there is no server. The process exited `normal`.
    #[error("the server's init returned ignore")]
    Ignored,
    /// The process ended during `init` with this reason: `init` returned
    /// [`Init::Stop`](super::Init::Stop), panicked ([`ExitReason::Panic`]), or was killed
    /// (Erlang `{error, Reason}`). With `start_link`, the same reason reached the caller through
    /// the link, so a caller that does not trap exits is already dead unless it is `Normal`.
    #[error("the server exited during init: {0}")]
    Exit(ExitReason),
    /// `init` did not return within the start timeout; the half-started process was unlinked
    /// and killed (Erlang `{error, timeout}`).
    #[error("the server's init timed out")]
    Timeout,
    /// The process could not be spawned (invalid name, runtime shutting down).
    #[error(transparent)]
    Spawn(SpawnError),
    /// Starting needs a calling process (it is the parent, and the link end for `start_link`).
    #[error("a server must be started from inside an ember process")]
    NotInProcess,
}

impl From<StartError> for ExitReason {
    /// The reason a supervisor records for a failed start: `Exit(R)` is `R`,
    /// `AlreadyStarted(P)` is `{already_started, P}`, `Ignored` is `ignore`, `Timeout` is
    /// `timeout`, the others carry the error.
    fn from(e: StartError) -> ExitReason {
        match e {
            StartError::Exit(r) => r,
            StartError::AlreadyStarted(p) => {
                ExitReason::Term(Term::tuple([Term::atom("already_started"), Term::Pid(p)]))
            }
            StartError::Ignored => ExitReason::atom("ignore"),
            StartError::Timeout => ExitReason::atom("timeout"),
            other => ExitReason::error(other),
        }
    }
}

/// The reason a server stops with when it gets a message for a callback it does not implement
/// (the default `handle_call`, `handle_cast` and `handle_continue`). Elixir raises in these
/// defaults; ember stops the server with this typed reason instead (it is then reported).
///
/// ```
/// use ember_otp::gen_server::Unhandled;
/// let e = Unhandled { callback: "handle_cast", server: "my_app::Limiter" };
/// assert_eq!(e.to_string(), "my_app::Limiter does not implement handle_cast");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{server} does not implement {callback}")]
pub struct Unhandled {
    /// The callback that was needed.
    pub callback: &'static str,
    /// The server type.
    pub server: &'static str,
}
