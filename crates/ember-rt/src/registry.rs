//! Local process names (Erlang `register/2`, `whereis/1`, `unregister/1`, `registered/0`).
//!
//! Invariants:
//! - A name maps to at most one process and a process has at most one name; both sides are
//!   changed together, with the process's state lock held, so `register` of a dying process
//!   either fails with `NoProc` or is undone by its exit.
//! - A process's name is removed while it exits, *before* its monitors fire: once a `Down` has
//!   been received, `whereis` no longer returns the dead process and the name can be reused.

use std::fmt;
use std::sync::Arc;

use dashmap::DashMap;
use dashmap::mapref::entry::Entry;

use crate::pid::RawPid;
use crate::process::Pcb;
use crate::{Pid, RegisterError};

/// A registered process name (Erlang: an atom).
///
/// ```
/// let n = ember_rt::Name::new("db");
/// assert_eq!(n.as_str(), "db");
/// assert_eq!(n, ember_rt::Name::from("db"));
/// ```
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Name(Arc<str>);

impl Name {
    /// A name from text.
    ///
    /// ```
    /// // Erlang: the atom `db`
    /// let n = ember_rt::Name::new("db");
    /// assert_eq!(n.to_string(), "db");
    /// assert_eq!(n, ember_rt::Name::from(String::from("db")));
    /// ```
    pub fn new(name: &str) -> Name {
        Name(Arc::from(name))
    }

    /// The name as text.
    ///
    /// ```
    /// // Erlang: atom_to_list(logger)
    /// assert_eq!(ember_rt::Name::new("logger").as_str(), "logger");
    /// ```
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Name {
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<String> for Name {
    fn from(s: String) -> Name {
        Name(Arc::from(s))
    }
}

impl From<&Name> for Name {
    fn from(n: &Name) -> Name {
        n.clone()
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", &*self.0)
    }
}

/// The name table of one runtime.
#[derive(Default)]
pub(crate) struct Registry {
    map: DashMap<Name, RawPid>,
}

impl Registry {
    pub(crate) fn register(&self, name: Name, pcb: &Pcb) -> Result<(), RegisterError> {
        if name.as_str().is_empty() || name.as_str() == "undefined" {
            return Err(RegisterError::InvalidName(name));
        }
        let mut st = pcb.state.lock();
        if !pcb.is_alive() {
            return Err(RegisterError::NoProc(Pid::from_raw(pcb.pid)));
        }
        if let Some(current) = &st.name {
            return Err(RegisterError::AlreadyNamed {
                pid: Pid::from_raw(pcb.pid),
                current: current.clone(),
            });
        }
        match self.map.entry(name.clone()) {
            Entry::Occupied(e) => Err(RegisterError::NameTaken {
                name,
                owner: Pid::from_raw(*e.get()),
            }),
            Entry::Vacant(v) => {
                v.insert(pcb.pid);
                st.name = Some(name);
                Ok(())
            }
        }
    }

    /// Remove `name`; returns the process it belonged to.
    pub(crate) fn unregister(&self, name: &Name) -> Option<RawPid> {
        self.map.remove(name).map(|(_, pid)| pid)
    }

    /// Remove `name` only if it still belongs to `pid` (used at exit).
    pub(crate) fn remove_if_owner(&self, name: &Name, pid: RawPid) {
        self.map.remove_if(name, |_, owner| *owner == pid);
    }

    pub(crate) fn whereis(&self, name: &Name) -> Option<RawPid> {
        self.map.get(name).map(|e| *e.value())
    }

    pub(crate) fn names(&self) -> Vec<Name> {
        self.map.iter().map(|e| e.key().clone()).collect()
    }
}
