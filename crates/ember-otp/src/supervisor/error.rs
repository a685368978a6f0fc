//! Typed errors of the supervisor API, with their Erlang spellings.
//!
//! Every error a caller can act on is a variant: a bad flag or spec is rejected before any
//! process starts, a failed child start names the child and its reason, and an unreachable
//! supervisor is a [`CallError`] inside each operation's error.

use std::sync::Arc;

use ember_rt::{ExitReason, Pid, SpawnError, Term};

use super::Strategy;

/// Invalid supervisor flags (Erlang `{supervisor_data, E}`).
///
/// ```
/// use ember_otp::supervisor::FlagsError;
/// assert_eq!(FlagsError::InvalidPeriod(0).to_term().to_string(), "{invalid_period,0}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FlagsError {
    /// The period must be at least one second (Erlang `{invalid_period, P}`).
    #[error("invalid period {0}: must be at least 1 second")]
    InvalidPeriod(u64),
    /// The strategy is not supported here, e.g. anything but `one_for_one` for a
    /// `DynamicSupervisor` (Erlang `{invalid_strategy, S}`).
    #[error("invalid strategy {0:?}")]
    InvalidStrategy(Strategy),
}

impl FlagsError {
    /// The Erlang term of the error.
    ///
    /// ```
    /// use ember_otp::supervisor::{FlagsError, Strategy};
    /// let t = FlagsError::InvalidStrategy(Strategy::OneForAll).to_term();
    /// assert_eq!(t.to_string(), "{invalid_strategy,one_for_all}");
    /// ```
    pub fn to_term(&self) -> Term {
        match self {
            FlagsError::InvalidPeriod(p) => {
                Term::tuple([Term::atom("invalid_period"), Term::int(*p as i64)])
            }
            FlagsError::InvalidStrategy(s) => {
                let name = match s {
                    Strategy::OneForOne => "one_for_one",
                    Strategy::OneForAll => "one_for_all",
                    Strategy::RestForOne => "rest_for_one",
                };
                Term::tuple([Term::atom("invalid_strategy"), Term::atom(name)])
            }
        }
    }
}

/// Which rule a `significant` child breaks (Erlang `{bad_combination, ...}`).
///
/// ```
/// use ember_otp::supervisor::BadCombination;
/// assert_ne!(BadCombination::SignificantPermanent, BadCombination::SignificantWithoutAutoShutdown);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BadCombination {
    /// A permanent child cannot be significant: it never ends by itself for good.
    SignificantPermanent,
    /// Significant children need `auto_shutdown` other than `never`.
    SignificantWithoutAutoShutdown,
}

/// An invalid child spec (Erlang `{start_spec, E}`).
///
/// ```
/// use ember_otp::supervisor::SpecError;
/// let e = SpecError::DuplicateChildId("db".into());
/// assert_eq!(e.to_term().to_string(), "{duplicate_child_name,db}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpecError {
    /// Two children have the same id (Erlang `{duplicate_child_name, Id}`).
    #[error("duplicate child id `{0}`")]
    DuplicateChildId(Arc<str>),
    /// A `significant` flag that is not allowed (Erlang `{bad_combination, _}`).
    #[error("child `{id}`: significant flag not allowed here ({problem:?})")]
    BadCombination {
        /// The child.
        id: Arc<str>,
        /// The rule it breaks.
        problem: BadCombination,
    },
}

impl SpecError {
    /// The Erlang term of the error.
    ///
    /// ```
    /// use ember_otp::supervisor::{BadCombination, SpecError};
    /// let e = SpecError::BadCombination { id: "w".into(), problem: BadCombination::SignificantPermanent };
    /// assert_eq!(e.to_term().to_string(), "{bad_combination,[{restart,permanent},{significant,true}]}");
    /// ```
    pub fn to_term(&self) -> Term {
        match self {
            SpecError::DuplicateChildId(id) => {
                Term::tuple([Term::atom("duplicate_child_name"), Term::atom(id)])
            }
            SpecError::BadCombination { problem, .. } => {
                let first = match problem {
                    BadCombination::SignificantPermanent => {
                        Term::tuple([Term::atom("restart"), Term::atom("permanent")])
                    }
                    BadCombination::SignificantWithoutAutoShutdown => {
                        Term::tuple([Term::atom("auto_shutdown"), Term::atom("never")])
                    }
                };
                let sig = Term::tuple([Term::atom("significant"), Term::atom("true")]);
                Term::tuple([Term::atom("bad_combination"), Term::list([first, sig])])
            }
        }
    }
}

/// The supervisor could not answer a request.
///
/// Erlang: the caller of `supervisor:which_children/1` etc. exits with `noproc` or the
/// supervisor's reason; ember returns it.
///
/// ```
/// use ember_otp::supervisor::CallError;
/// assert_eq!(CallError::NoProc.to_string(), "no supervisor process");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    /// The supervisor is not alive (Erlang `noproc`).
    #[error("no supervisor process")]
    NoProc,
    /// The supervisor exited before it replied.
    #[error("the supervisor exited: {0}")]
    Exit(ExitReason),
    /// A supervisor cannot call itself, e.g. from a child's start function (Erlang
    /// `calling_self`).
    #[error("a supervisor cannot call itself")]
    CallingSelf,
}

impl CallError {
    pub(crate) fn from_exit(reason: ExitReason) -> CallError {
        match reason {
            ExitReason::NoProc => CallError::NoProc,
            other => CallError::Exit(other),
        }
    }
}

/// Starting a supervisor failed (the `{error, E}` of `supervisor:start_link`).
///
/// Convert it with [`StartError::to_exit_reason`] (or `ExitReason::from`) to use it as the
/// start error of a child spec.
///
/// ```
/// use ember_otp::supervisor::StartError;
/// use ember_rt::ExitReason;
/// let e = StartError::FailedToStartChild { id: "db".into(), reason: ExitReason::atom("econnrefused") };
/// assert_eq!(e.to_exit_reason().to_string(), "{shutdown,{failed_to_start_child,db,econnrefused}}");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// Invalid flags; no process was started (Erlang `{supervisor_data, E}`).
    #[error("invalid supervisor flags: {0}")]
    InvalidFlags(#[from] FlagsError),
    /// An invalid child spec; no process was started (Erlang `{start_spec, E}`).
    #[error("invalid child spec: {0}")]
    InvalidSpec(#[from] SpecError),
    /// A child failed to start: the children already started were stopped in reverse order
    /// and the supervisor exited with `{shutdown, {failed_to_start_child, Id, R}}` (G13).
    #[error("failed to start child `{id}`: {reason}")]
    FailedToStartChild {
        /// The child's id.
        id: Arc<str>,
        /// Why its start failed.
        reason: ExitReason,
    },
    /// The name is already registered to this process (Erlang `{already_started, Pid}`).
    #[error("already started: {0}")]
    AlreadyStarted(Pid),
    /// The process could not be spawned (invalid name, runtime shutting down).
    #[error(transparent)]
    Spawn(SpawnError),
    /// `start_link` was called outside an ember process: a supervisor needs a parent to link to.
    #[error("start_link must be called from an ember process")]
    NotInProcess,
    /// The supervisor died before it finished starting (e.g. it was killed).
    #[error("the supervisor exited while starting: {0}")]
    Exit(ExitReason),
}

impl StartError {
    /// The reason an Erlang supervisor's `start_link` would give for this error.
    ///
    /// ```
    /// use ember_otp::supervisor::{FlagsError, StartError};
    /// let e = StartError::InvalidFlags(FlagsError::InvalidPeriod(0));
    /// assert_eq!(e.to_exit_reason().to_string(), "{supervisor_data,{invalid_period,0}}");
    /// ```
    pub fn to_exit_reason(&self) -> ExitReason {
        match self {
            StartError::InvalidFlags(e) => {
                ExitReason::Term(Term::tuple([Term::atom("supervisor_data"), e.to_term()]))
            }
            StartError::InvalidSpec(e) => {
                ExitReason::Term(Term::tuple([Term::atom("start_spec"), e.to_term()]))
            }
            StartError::FailedToStartChild { id, reason } => {
                ExitReason::ShutdownWith(failed_to_start_child(id, reason))
            }
            StartError::AlreadyStarted(pid) => ExitReason::Term(Term::tuple([
                Term::atom("already_started"),
                Term::Pid(*pid),
            ])),
            StartError::Spawn(e) => ExitReason::error(e.clone()),
            StartError::NotInProcess => ExitReason::atom("not_in_process"),
            StartError::Exit(r) => r.clone(),
        }
    }
}

impl From<StartError> for ExitReason {
    fn from(e: StartError) -> ExitReason {
        e.to_exit_reason()
    }
}

/// `{failed_to_start_child, Id, R}`.
fn failed_to_start_child(id: &str, reason: &ExitReason) -> Term {
    Term::tuple([
        Term::atom("failed_to_start_child"),
        Term::atom(id),
        reason.to_term(),
    ])
}

/// `start_child` failed (Erlang `{error, E}` of `supervisor:start_child/2`).
///
/// ```
/// use ember_otp::supervisor::StartChildError;
/// assert_eq!(StartChildError::AlreadyPresent.to_string(), "a child with this id exists (not running)");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum StartChildError {
    /// A child with this id runs (Erlang `{already_started, Pid}`).
    #[error("a child with this id runs: {0}")]
    AlreadyStarted(Pid),
    /// A child with this id exists but does not run (Erlang `already_present`).
    #[error("a child with this id exists (not running)")]
    AlreadyPresent,
    /// The start function failed (Erlang `{error, R}`); nothing was added.
    #[error("child start failed: {0}")]
    StartFailed(ExitReason),
    /// The spec is invalid (Erlang `{error, {start_spec, E}}`-like errors).
    #[error("invalid child spec: {0}")]
    InvalidSpec(SpecError),
    /// A `DynamicSupervisor` has reached its `max_children` (Elixir `{:error, :max_children}`).
    #[error("max_children reached")]
    MaxChildren,
    /// The supervisor could not answer.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// `terminate_child` failed (Erlang `{error, not_found}`).
///
/// ```
/// use ember_otp::supervisor::TerminateChildError;
/// assert_eq!(TerminateChildError::NotFound.to_string(), "no such child");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum TerminateChildError {
    /// No child with this id (or pid, for a `DynamicSupervisor`).
    #[error("no such child")]
    NotFound,
    /// The supervisor could not answer.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// `restart_child` failed (Erlang `{error, running | restarting | not_found | R}`).
///
/// ```
/// use ember_otp::supervisor::RestartChildError;
/// assert_eq!(RestartChildError::Running.to_string(), "the child is running");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum RestartChildError {
    /// The child runs already (Erlang `running`).
    #[error("the child is running")]
    Running,
    /// The supervisor is retrying a failed restart of it (Erlang `restarting`).
    #[error("the child is being restarted")]
    Restarting,
    /// No child with this id (Erlang `not_found`).
    #[error("no such child")]
    NotFound,
    /// Its start function failed (Erlang `{error, R}`).
    #[error("child start failed: {0}")]
    StartFailed(ExitReason),
    /// The supervisor could not answer.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// `delete_child` failed (Erlang `{error, running | restarting | not_found}`).
///
/// ```
/// use ember_otp::supervisor::DeleteChildError;
/// assert_eq!(DeleteChildError::NotFound.to_string(), "no such child");
/// ```
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteChildError {
    /// The child runs; terminate it first (Erlang `running`).
    #[error("the child is running")]
    Running,
    /// The supervisor is retrying a failed restart of it (Erlang `restarting`).
    #[error("the child is being restarted")]
    Restarting,
    /// No child with this id (Erlang `not_found`).
    #[error("no such child")]
    NotFound,
    /// The supervisor could not answer.
    #[error(transparent)]
    Call(#[from] CallError),
}
