//! What `which_children` and `count_children` return.

use std::sync::Arc;

use ember_rt::Pid;

use crate::child::ChildType;

/// The state of one child as the supervisor sees it (the `Pid | undefined | restarting` of
/// Erlang's `which_children`).
///
/// ```
/// use ember_otp::supervisor::ChildStatus;
/// assert_eq!(ChildStatus::Stopped.pid(), None);
/// assert!(!ChildStatus::Restarting.is_running());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChildStatus {
    /// The child runs as this process.
    Running(Pid),
    /// A restart failed and the supervisor is retrying (Erlang `restarting`).
    Restarting,
    /// The child does not run: it was terminated, ended without restart, or its start
    /// returned `ignore` (Erlang `undefined`).
    Stopped,
}

impl ChildStatus {
    /// The child's pid when it runs.
    ///
    /// ```
    /// use ember_otp::supervisor::ChildStatus;
    /// assert_eq!(ChildStatus::Running(ember_rt::Pid::SYSTEM).pid(), Some(ember_rt::Pid::SYSTEM));
    /// ```
    pub fn pid(&self) -> Option<Pid> {
        match self {
            ChildStatus::Running(p) => Some(*p),
            _ => None,
        }
    }

    /// Whether the child runs.
    ///
    /// ```
    /// use ember_otp::supervisor::ChildStatus;
    /// assert!(ChildStatus::Running(ember_rt::Pid::SYSTEM).is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        matches!(self, ChildStatus::Running(_))
    }
}

/// One entry of `which_children` (Erlang `{Id, Child, Type, Modules}`).
///
/// ```
/// use ember_otp::child::ChildType;
/// use ember_otp::supervisor::{ChildInfo, ChildStatus};
/// let c = ChildInfo { id: "db".into(), status: ChildStatus::Stopped, child_type: ChildType::Worker };
/// assert_eq!(&*c.id, "db");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildInfo {
    /// The child's id.
    pub id: Arc<str>,
    /// Whether and as which process it runs.
    pub status: ChildStatus,
    /// Worker or supervisor.
    pub child_type: ChildType,
}

impl ChildInfo {
    /// The row of a child started from `spec`, now in `status`.
    pub(crate) fn of(spec: &crate::child::ChildSpec, status: ChildStatus) -> ChildInfo {
        ChildInfo {
            id: spec.id.clone(),
            status,
            child_type: spec.child_type,
        }
    }
}

/// The result of `count_children` (Erlang `[{specs,_},{active,_},{supervisors,_},{workers,_}]`,
/// Elixir a map with the same keys).
///
/// ```
/// let c = ember_otp::supervisor::ChildCounts::default();
/// assert_eq!((c.specs, c.active, c.supervisors, c.workers), (0, 0, 0, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ChildCounts {
    /// All children, running or not.
    pub specs: usize,
    /// Children that run (an `ignore`d child counts in `specs` only).
    pub active: usize,
    /// Children of type supervisor, running or not.
    pub supervisors: usize,
    /// Children of type worker, running or not.
    pub workers: usize,
}
