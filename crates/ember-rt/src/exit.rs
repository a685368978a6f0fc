//! Exit reasons.
//!
//! Every process ends with an [`ExitReason`]. The vocabulary is OTP's, spelled the Rust way:
//! `normal` is [`ExitReason::Normal`], `{shutdown, T}` is [`ExitReason::ShutdownWith`], and a
//! panic is [`ExitReason::Panic`] carrying the panic message. User-defined reasons are
//! structured [`Term`]s or typed errors, never bare strings.
//!
//! How a reason acts on a receiver of an exit signal is fixed by OTP (see `signals`):
//! `Normal` is ignored by a non-trapping receiver, `Kill` sent directly is untrappable and
//! becomes `Killed`, everything else kills a non-trapping receiver with the same reason.

use std::fmt;
use std::sync::Arc;

use crate::Term;

/// Why a process ended (Erlang: the exit reason term).
///
/// ```
/// use ember_rt::ExitReason;
/// assert!(ExitReason::Shutdown.is_clean());
/// assert!(!ExitReason::Killed.is_clean());
/// assert_eq!(ExitReason::Killed.to_string(), "killed");
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub enum ExitReason {
    /// `normal`: the process finished its work. Not a failure.
    Normal,
    /// `shutdown`: an orderly stop, usually asked for by a supervisor.
    Shutdown,
    /// `{shutdown, Term}`: an orderly stop with detail.
    ShutdownWith(Term),
    /// `kill`: as a signal sent with [`exit`](crate::exit), untrappable. As the reason of a process
    /// that ended itself with it, an ordinary (trappable) reason for its links.
    Kill,
    /// `killed`: the process was killed by an untrappable `kill` signal.
    Killed,
    /// `noproc`: the target process did not exist.
    NoProc,
    /// `noconnection`: the node of the target process is unreachable.
    NoConnection,
    /// The process panicked; the panic message and, when known, its source location.
    Panic {
        /// The panic message.
        message: Arc<str>,
        /// `file:line:column` of the panic, when the runtime's panic hook captured it.
        location: Option<Arc<str>>,
    },
    /// A user-defined reason as an Erlang-style term, e.g. `{bad_input, 3}`.
    Term(Term),
    /// A user-defined reason carrying a typed error.
    Error(Arc<dyn std::error::Error + Send + Sync>),
}

impl ExitReason {
    /// A user-defined reason that is an atom, e.g. `ExitReason::atom("bad_request")`.
    ///
    /// ```
    /// assert_eq!(ember_rt::ExitReason::atom("foo").to_string(), "foo");
    /// ```
    pub fn atom(name: &str) -> ExitReason {
        ExitReason::Term(Term::atom(name))
    }

    /// A user-defined reason carrying an error value.
    ///
    /// ```
    /// let r = ember_rt::ExitReason::error(std::io::Error::other("disk full"));
    /// assert_eq!(r.to_string(), "disk full");
    /// ```
    pub fn error(err: impl std::error::Error + Send + Sync + 'static) -> ExitReason {
        ExitReason::Error(Arc::new(err))
    }

    /// The reason for a panic caught with [`std::panic::catch_unwind`] inside a process: the
    /// panic message and, when the runtime's panic hook saw it, its location. Behaviours that
    /// catch panics themselves (to run cleanup code) use this to exit like the runtime would.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let caught = std::panic::catch_unwind(|| panic!("bad input")).unwrap_err();
    /// let reason = ember_rt::ExitReason::from_panic(caught);
    /// assert!(matches!(reason, ember_rt::ExitReason::Panic { ref message, .. } if &**message == "bad input"));
    /// # }).unwrap();
    /// ```
    pub fn from_panic(payload: Box<dyn std::any::Any + Send>) -> ExitReason {
        crate::panic::reason_from_payload(payload)
    }

    /// `normal`, `shutdown` or `{shutdown, _}`: the reasons supervisors, `transient` restarts
    /// and crash reports treat as a clean stop. (Links do not: only `Normal` is ignored by a
    /// non-trapping linked process.)
    ///
    /// ```
    /// use ember_rt::{ExitReason, Term};
    /// assert!(ExitReason::ShutdownWith(Term::atom("x")).is_clean());
    /// assert!(!ExitReason::Kill.is_clean());
    /// ```
    pub fn is_clean(&self) -> bool {
        matches!(
            self,
            ExitReason::Normal | ExitReason::Shutdown | ExitReason::ShutdownWith(_)
        )
    }

    /// Whether this is `normal`.
    ///
    /// ```
    /// assert!(ember_rt::ExitReason::Normal.is_normal());
    /// ```
    pub fn is_normal(&self) -> bool {
        matches!(self, ExitReason::Normal)
    }

    /// The reason as an Erlang-style term (panics and errors become `{panic, <<"msg">>}` and
    /// `{error, <<"msg">>}`).
    ///
    /// ```
    /// use ember_rt::{ExitReason, Term};
    /// assert_eq!(ExitReason::Shutdown.to_term(), Term::atom("shutdown"));
    /// ```
    pub fn to_term(&self) -> Term {
        match self {
            ExitReason::Normal => Term::atom("normal"),
            ExitReason::Shutdown => Term::atom("shutdown"),
            ExitReason::ShutdownWith(t) => Term::tuple([Term::atom("shutdown"), t.clone()]),
            ExitReason::Kill => Term::atom("kill"),
            ExitReason::Killed => Term::atom("killed"),
            ExitReason::NoProc => Term::atom("noproc"),
            ExitReason::NoConnection => Term::atom("noconnection"),
            ExitReason::Panic { message, .. } => {
                Term::tuple([Term::atom("panic"), Term::binary(message)])
            }
            ExitReason::Term(t) => t.clone(),
            ExitReason::Error(e) => {
                Term::tuple([Term::atom("error"), Term::binary(&e.to_string())])
            }
        }
    }
}

impl PartialEq for ExitReason {
    fn eq(&self, other: &Self) -> bool {
        use ExitReason::*;
        match (self, other) {
            (Normal, Normal)
            | (Shutdown, Shutdown)
            | (Kill, Kill)
            | (Killed, Killed)
            | (NoProc, NoProc)
            | (NoConnection, NoConnection) => true,
            (ShutdownWith(a), ShutdownWith(b)) | (Term(a), Term(b)) => a == b,
            (Panic { message: a, .. }, Panic { message: b, .. }) => a == b,
            (Error(a), Error(b)) => Arc::ptr_eq(a, b) || a.to_string() == b.to_string(),
            _ => false,
        }
    }
}

impl fmt::Display for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Panic {
                message,
                location: Some(loc),
            } => {
                write!(f, "panic at {loc}: {message}")
            }
            ExitReason::Panic {
                message,
                location: None,
            } => write!(f, "panic: {message}"),
            ExitReason::Error(e) => write!(f, "{e}"),
            other => write!(f, "{}", other.to_term()),
        }
    }
}

impl fmt::Debug for ExitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExitReason::Panic { message, location } => f
                .debug_struct("Panic")
                .field("message", message)
                .field("location", location)
                .finish(),
            ExitReason::Error(e) => f.debug_tuple("Error").field(&e.to_string()).finish(),
            other => write!(f, "{}", other.to_term()),
        }
    }
}

impl From<Term> for ExitReason {
    fn from(t: Term) -> ExitReason {
        ExitReason::Term(t)
    }
}

/// What a process body may return; it becomes the process's exit reason.
///
/// `()` is `normal`; an [`ExitReason`] is itself; `Result<(), E>` is `normal` or `E`'s reason.
///
/// ```
/// use ember_rt::{ExitReason, IntoExitReason};
/// assert_eq!(().into_exit_reason(), ExitReason::Normal);
/// let r: Result<(), ExitReason> = Err(ExitReason::Shutdown);
/// assert_eq!(r.into_exit_reason(), ExitReason::Shutdown);
/// ```
pub trait IntoExitReason {
    /// Convert into the exit reason.
    fn into_exit_reason(self) -> ExitReason;
}

impl IntoExitReason for () {
    fn into_exit_reason(self) -> ExitReason {
        ExitReason::Normal
    }
}

impl IntoExitReason for ExitReason {
    fn into_exit_reason(self) -> ExitReason {
        self
    }
}

impl<E: Into<ExitReason>> IntoExitReason for Result<(), E> {
    fn into_exit_reason(self) -> ExitReason {
        match self {
            Ok(()) => ExitReason::Normal,
            Err(e) => e.into(),
        }
    }
}
