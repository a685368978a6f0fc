//! Spawning processes: options, and the one place a PCB is created.
//!
//! A spawn is atomic: the name is registered, the link or monitor to the parent is set up and
//! the trap flag is set *before* the new process can run, so a child that dies at once still
//! delivers its real exit reason (otp-semantics B8). The body closure itself is called inside
//! the new process's first poll, so even a panic while building the future is contained.

use std::future::Future;
use std::sync::Arc;

use super::message::{ErasedInbox, Inbox};
use super::pcb::{BoxFuture, Pcb};
use super::{Mailbox, signals};
use crate::runtime::RtInner;
use crate::scheduler::budget;
use crate::{IntoExitReason, Name, Pid, Ref, SpawnError};

/// Scheduling priority (Erlang `process_flag(priority, P)`).
///
/// `Max` and `High` are strict: while such a process is runnable, `Normal` ones wait. `Low`
/// shares the normal queue's time at about one slice in eight.
///
/// ```
/// assert_eq!(ember_rt::Priority::default(), ember_rt::Priority::Normal);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[repr(u8)]
pub enum Priority {
    /// Runs when nothing else is runnable, and every 8th slice otherwise.
    Low = 0,
    /// The default.
    #[default]
    Normal = 1,
    /// Strictly before normal processes.
    High = 2,
    /// For system processes; scheduled like `High`.
    Max = 3,
}

impl Priority {
    pub(crate) fn from_u8(v: u8) -> Priority {
        match v {
            0 => Priority::Low,
            2 => Priority::High,
            3 => Priority::Max,
            _ => Priority::Normal,
        }
    }
}

/// Options for [`spawn_opt`](crate::spawn_opt) (Erlang `spawn_opt/2`).
///
/// ```
/// use ember_rt::{Priority, SpawnOpts};
/// let opts = SpawnOpts::new().link().priority(Priority::High).trap_exit(true).name("worker");
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default)]
pub struct SpawnOpts {
    pub(crate) link: bool,
    pub(crate) monitor: bool,
    pub(crate) priority: Priority,
    pub(crate) trap_exit: bool,
    pub(crate) name: Option<Name>,
    pub(crate) watch: bool,
}

impl SpawnOpts {
    /// No link, no monitor, normal priority, not trapping, no name.
    pub fn new() -> SpawnOpts {
        SpawnOpts::default()
    }

    /// Link the new process to the caller (atomic, like `spawn_link`).
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Monitor the new process from the caller (atomic, like `spawn_monitor`).
    pub fn monitor(mut self) -> Self {
        self.monitor = true;
        self
    }

    /// Watch the new process atomically: [`Spawned::watch`] resolves with its exit reason,
    /// even if it dies before `spawn_opt` returns (see [`watch`](crate::watch)).
    pub fn watch(mut self) -> Self {
        self.watch = true;
        self
    }

    /// Start with this priority.
    pub fn priority(mut self, p: Priority) -> Self {
        self.priority = p;
        self
    }

    /// Start trapping exits (flags are otherwise not inherited from the parent).
    ///
    /// Set it here rather than with [`trap_exit`](crate::trap_exit) in the body when the
    /// process must trap from its first instant: an exit signal sent right after the spawn
    /// (a supervisor shutting down a child it just started) can arrive before the body runs.
    pub fn trap_exit(mut self, on: bool) -> Self {
        self.trap_exit = on;
        self
    }

    /// Register the new process under `name` before it runs.
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// The result of [`spawn_opt`](crate::spawn_opt).
#[derive(Debug)]
pub struct Spawned<M> {
    /// The new process.
    pub pid: Pid<M>,
    /// The monitor reference, when [`SpawnOpts::monitor`] was set.
    pub monitor: Option<Ref>,
    /// The watch, when [`SpawnOpts::watch`] was set.
    pub watch: Option<super::Watch>,
}

/// Create, wire up and schedule a process.
pub(crate) fn spawn_in<M, F, Fut>(
    rt: &Arc<RtInner>,
    parent: Option<&Arc<Pcb>>,
    opts: SpawnOpts,
    on_exit: Option<super::pcb::ExitHook>,
    f: F,
) -> Result<Spawned<M>, SpawnError>
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    if rt.is_closing() {
        return Err(SpawnError::ShuttingDown);
    }
    if parent.is_none() && (opts.link || opts.monitor) {
        return Err(SpawnError::NotInProcess);
    }
    if parent.is_some_and(|p| !p.is_alive()) {
        // A process killed while running spawns nothing (design note G3).
        return Err(SpawnError::CallerExiting);
    }
    budget::charge(10);
    let pid = rt.new_pid();
    let inbox: Arc<Inbox<M>> = Arc::new(Inbox::new());
    let mailbox = Mailbox::new(pid, inbox.clone());
    let body = async move { f(mailbox).await.into_exit_reason() };
    let future_size = std::mem::size_of_val(&body);
    let future: BoxFuture = Box::pin(body);
    let erased: Arc<dyn ErasedInbox> = inbox;
    let parent_pid = parent.map_or(Pid::SYSTEM.raw, |p| p.pid);
    let pcb = Arc::new(Pcb::new(
        pid,
        parent_pid,
        rt.clone(),
        erased,
        future,
        future_size,
        opts.priority,
        super::pcb::msg_type_of::<M>,
    ));
    {
        let mut st = pcb.state.lock();
        st.trap_exit = opts.trap_exit;
        if on_exit.is_some() {
            st.on_exit = on_exit;
        }
    }
    rt.table.insert(pid.serial, pcb.clone());
    if let Some(name) = opts.name {
        if let Err(e) = rt.registry.register(name, &pcb) {
            rt.remove_process(pid);
            return Err(e.into());
        }
    }
    let watch = opts.watch.then(|| super::watch::watch_new(&pcb));
    let mut monitor = None;
    if let Some(parent) = parent {
        if opts.link {
            signals::link_new(parent, &pcb);
        }
        if opts.monitor {
            monitor = Some(signals::monitor_new(parent, &pcb));
        }
    }
    pcb.schedule();
    Ok(Spawned {
        pid: Pid::from_raw(pid),
        monitor,
        watch,
    })
}
