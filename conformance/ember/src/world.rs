//! Per-scenario shared state: the director's address and the interpreter's handle tables.
//!
//! Scenario values are [`ember_rt::Term`]s, but some of the things the scenarios pass around
//! are not terms in ember: a timer ([`TimerRef`]), the reply handle of a deferred call
//! ([`ReplyTo`]), a running [`Task`], an [`Agent`] handle, a [`Registry`] handle. Each lives
//! here, and the term that stands for it is a reference (`#Ref`) naming the table entry —
//! for timers ember's own timer reference, for the others a fresh one. Registries are found
//! by their Elixir name, agents by their pid.
//!
//! The tables are reset at the start of every scenario; the lock is never held across an
//! await.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use ember_otp::agent::Agent;
use ember_otp::gen_server::ReplyTo;
use ember_otp::registry::Registry;
use ember_otp::task::Task;
use ember_rt::{Pid, Ref, Term, TimerRef};

use crate::director::DirMsg;

/// A timer the scenario started.
#[derive(Clone)]
pub(crate) enum Timer {
    /// An ember timer.
    Ember(TimerRef),
    /// A timer aimed at a process that was already dead: it never fires (Erlang: the
    /// timer exists, and `read_timer`/`cancel_timer` give `false`).
    Dead,
}

/// The shared state of one scenario run.
#[derive(Default)]
pub(crate) struct World {
    /// The director of the running scenario.
    pub(crate) director: Option<Pid<DirMsg>>,
    /// Timers by reference.
    pub(crate) timers: HashMap<Ref, Timer>,
    /// Deferred-call reply handles (`From`).
    pub(crate) froms: HashMap<Ref, ReplyTo<Term>>,
    /// Tasks by handle.
    pub(crate) tasks: HashMap<Ref, Task<Term>>,
    /// Agents by pid.
    pub(crate) agents: HashMap<Pid, Agent<Term>>,
    /// Registries by name, with their partition process.
    pub(crate) registries: HashMap<String, (Registry<Term, Term>, Pid)>,
    /// Starts per label, for `init_seq`.
    pub(crate) starts: HashMap<String, usize>,
    /// The callback module of each child id (for `which_children`).
    pub(crate) modules: HashMap<String, &'static str>,
}

static WORLD: Mutex<Option<World>> = Mutex::new(None);

/// Run `f` on the world (created on first use).
pub(crate) fn with_world<R>(f: impl FnOnce(&mut World) -> R) -> R {
    let mut guard: MutexGuard<'_, Option<World>> =
        WORLD.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(World::default))
}

/// Start a new scenario with empty tables.
pub(crate) fn reset() {
    *WORLD.lock().unwrap_or_else(PoisonError::into_inner) = Some(World::default());
}

/// The director of the running scenario.
pub(crate) fn director() -> Option<Pid<DirMsg>> {
    with_world(|w| w.director)
}

/// Count one more start of `label`; returns the count (1 for the first).
pub(crate) fn count_start(label: &str) -> usize {
    with_world(|w| {
        let n = w.starts.entry(label.to_string()).or_insert(0);
        *n += 1;
        *n
    })
}
