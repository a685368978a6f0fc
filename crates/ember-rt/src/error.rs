//! Typed errors for misuse of the runtime API. None of them is ever a panic inside the runtime.

use crate::{Name, Pid};

/// A checked conversion from an untyped pid to `Pid<M>` failed.
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
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LinkError {
    /// The target is not alive and the caller does not trap exits (Erlang: `error:noproc`).
    /// A trapping caller instead gets `Exit { from, reason: NoProc }` in its mailbox.
    #[error("no such process: {0}")]
    NoProc(Pid),
}

/// Registering or unregistering a name failed (Erlang: `badarg`).
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("timeout value {millis} ms is out of range (0..=4294967295)")]
pub struct InvalidTimeout {
    /// The rejected value.
    pub millis: i128,
}

/// Building a runtime failed.
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
