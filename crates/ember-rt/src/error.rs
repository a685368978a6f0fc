//! Typed errors for misuse of the runtime API. None of them is ever a panic inside the runtime.

use crate::{Name, Pid};

/// A checked conversion from an untyped pid to `Pid<M>` failed.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{Mailbox, TypeError};
/// let p = ember_rt::spawn(|mut mb: Mailbox<u8>| async move { mb.recv().await; }).untyped();
/// let err = p.typed::<String>().unwrap_err();
/// assert!(matches!(err, TypeError::Mismatch { expected: "u8", .. }));
/// ember_rt::exit(p, ember_rt::ExitReason::Kill);
/// assert_eq!(p.typed::<u8>().unwrap_err(), TypeError::NoProc);
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TypeError {
    /// The process is not alive.
    #[error("no such process")]
    NoProc,
    /// The process receives another message type.
    #[error("the process receives `{expected}`, not `{found}`")]
    Mismatch {
        /// The process's message type.
        expected: &'static str,
        /// The type that was asked for.
        found: &'static str,
    },
}

/// A dynamic send (by name, or through an untyped pid) failed. Sending to a dead pid is not an
/// error: as in Erlang it succeeds and the message is dropped.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::SendError;
/// // Erlang: `nobody ! hello` raises `badarg`.
/// let err = ember_rt::send_named("nobody", "hello").unwrap_err();
/// assert_eq!(err, SendError::NotRegistered("nobody".into()));
/// assert_eq!(err.to_string(), "no process is registered as `nobody`");
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// No process is registered under the name (Erlang: `badarg`).
    #[error("no process is registered as `{0}`")]
    NotRegistered(Name),
    /// The receiving process does not take this message type.
    #[error("the process receives `{expected}`, not `{found}`")]
    TypeMismatch {
        /// The receiver's message type.
        expected: &'static str,
        /// The type that was sent.
        found: &'static str,
    },
}

/// `link` failed.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p = ember_rt::spawn(|_: ember_rt::Mailbox<()>| async {});
/// ember_rt::watch(p).await; // wait until it has ended
/// // Erlang: link(DeadPid) raises `noproc` when not trapping exits.
/// assert_eq!(ember_rt::link(p), Err(ember_rt::LinkError::NoProc(p.untyped())));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The target is not alive and the caller does not trap exits (Erlang: `error:noproc`).
    /// A trapping caller instead gets `Exit { from, reason: NoProc }` in its mailbox.
    #[error("no such process: {0}")]
    NoProc(Pid),
}

/// Registering or unregistering a name failed (Erlang: `badarg`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::RegisterError;
/// let me = ember_rt::self_pid();
/// ember_rt::register("db", me).unwrap();
/// let other = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// // Erlang: register(db, Other) raises `badarg` while `db` is taken.
/// let err = ember_rt::register("db", other).unwrap_err();
/// assert_eq!(err, RegisterError::NameTaken { name: "db".into(), owner: me });
/// assert!(matches!(ember_rt::register("undefined", other), Err(RegisterError::InvalidName(_))));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// The name already belongs to another process.
    #[error("the name `{name}` is already registered to {owner}")]
    NameTaken {
        /// The name asked for.
        name: Name,
        /// Its current owner.
        owner: Pid,
    },
    /// The process already has a name (a process has at most one).
    #[error("{pid} is already registered as `{current}`")]
    AlreadyNamed {
        /// The process.
        pid: Pid,
        /// Its current name.
        current: Name,
    },
    /// The process is not alive.
    #[error("no such process: {0}")]
    NoProc(Pid),
    /// The name is not registered (for `unregister`).
    #[error("no process is registered as `{0}`")]
    NotRegistered(Name),
    /// The name is not valid (empty, or `undefined`).
    #[error("`{0}` is not a valid process name")]
    InvalidName(Name),
}

/// Spawning a process with options failed; no process was started.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{Mailbox, RegisterError, SpawnError, SpawnOpts};
/// ember_rt::register("worker", ember_rt::self_pid()).unwrap();
/// let opts = SpawnOpts::new().name("worker");
/// let err = ember_rt::spawn_opt(opts, |_: Mailbox<()>| async {}).unwrap_err();
/// assert!(matches!(err, SpawnError::Register(RegisterError::NameTaken { .. })));
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SpawnError {
    /// The requested name could not be registered.
    #[error(transparent)]
    Register(#[from] RegisterError),
    /// The runtime is shutting down.
    #[error("the runtime is shutting down")]
    ShuttingDown,
    /// The calling process is already dead (it was killed while running): it spawns nothing.
    #[error("the calling process is exiting")]
    CallerExiting,
    /// A link or monitor to the caller was asked for outside of a process.
    #[error("link or monitor requested outside of an ember process")]
    NotInProcess,
}

/// A timeout value outside the range Erlang accepts (`0..=4294967295` ms).
///
/// ```
/// // Erlang: `receive after -1 -> ok end` fails with `timeout_value`.
/// let err = ember_rt::Timeout::millis(-1).unwrap_err();
/// assert_eq!(err, ember_rt::InvalidTimeout { millis: -1 });
/// assert_eq!(err.to_string(), "timeout value -1 ms is out of range (0..=4294967295)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timeout value {millis} ms is out of range (0..=4294967295)")]
pub struct InvalidTimeout {
    /// The rejected value.
    pub millis: i128,
}

/// Building a runtime failed.
///
/// ```
/// use ember_rt::{BuildError, Runtime};
/// let Err(err) = Runtime::builder().workers(0).build() else { panic!("zero workers") };
/// assert!(matches!(err, BuildError::Config(_)));
/// assert_eq!(err.to_string(), "invalid runtime configuration: workers must be at least 1");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// A configuration value is invalid.
    #[error("invalid runtime configuration: {0}")]
    Config(&'static str),
    /// An OS thread could not be started.
    #[error("could not start a runtime thread: {0}")]
    Thread(#[from] std::io::Error),
}
