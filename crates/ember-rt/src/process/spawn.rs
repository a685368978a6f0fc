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
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{Mailbox, SpawnOpts};
    /// // Erlang: spawn_opt(Fun, [])
    /// let s = ember_rt::spawn_opt(SpawnOpts::new(), |_: Mailbox<()>| async {}).unwrap();
    /// assert!(s.monitor.is_none() && s.watch.is_none());
    /// # }).unwrap();
    /// ```
    pub fn new() -> SpawnOpts {
        SpawnOpts::default()
    }

    /// Link the new process to the caller (atomic, like `spawn_link`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{Mailbox, SpawnOpts};
    /// // Erlang: spawn_opt(Fun, [link])
    /// let opts = SpawnOpts::new().link();
    /// let s = ember_rt::spawn_opt(opts, |mut mb: Mailbox<()>| async move { mb.recv().await });
    /// let s = s.unwrap();
    /// let me = ember_rt::process_info(ember_rt::self_pid()).unwrap();
    /// assert!(me.links.contains(&s.pid.untyped()));
    /// # }).unwrap();
    /// ```
    pub fn link(mut self) -> Self {
        self.link = true;
        self
    }

    /// Monitor the new process from the caller (atomic, like `spawn_monitor`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::{Mailbox, Message, SpawnOpts};
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     // Erlang: {Pid, MRef} = spawn_opt(Fun, [monitor])
    ///     let opts = SpawnOpts::new().monitor();
    ///     let s = ember_rt::spawn_opt(opts, |_: Mailbox<()>| async {}).unwrap();
    ///     let Message::Down(d) = mb.recv_any().await else { panic!("expected a Down") };
    ///     assert_eq!(Some(d.reference), s.monitor);
    /// }).unwrap();
    /// ```
    pub fn monitor(mut self) -> Self {
        self.monitor = true;
        self
    }

    /// Watch the new process atomically: [`Spawned::watch`] resolves with its exit reason,
    /// even if it dies before `spawn_opt` returns (see [`watch`](crate::watch)).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{ExitReason, Mailbox, SpawnOpts};
    /// let opts = SpawnOpts::new().watch();
    /// let body = |_: Mailbox<()>| async { ExitReason::atom("done") };
    /// let s = ember_rt::spawn_opt(opts, body).unwrap();
    /// assert_eq!(s.watch.unwrap().await, ExitReason::atom("done"));
    /// # }).unwrap();
    /// ```
    pub fn watch(mut self) -> Self {
        self.watch = true;
        self
    }

    /// Start with this priority.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{Mailbox, Priority, SpawnOpts};
    /// // Erlang: spawn_opt(Fun, [{priority, low}])
    /// let opts = SpawnOpts::new().priority(Priority::Low);
    /// let s = ember_rt::spawn_opt(opts, |mut mb: Mailbox<()>| async move { mb.recv().await });
    /// let s = s.unwrap();
    /// assert_eq!(ember_rt::process_info(s.pid).unwrap().priority, Priority::Low);
    /// # }).unwrap();
    /// ```
    pub fn priority(mut self, p: Priority) -> Self {
        self.priority = p;
        self
    }

    /// Start trapping exits (flags are otherwise not inherited from the parent).
    ///
    /// Set it here rather than with [`trap_exit`](crate::trap_exit) in the body when the
    /// process must trap from its first instant: an exit signal sent right after the spawn
    /// (a supervisor shutting down a child it just started) can arrive before the body runs.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{ExitReason, Mailbox, SpawnOpts};
    /// // Erlang: process_flag(trap_exit, true) as the body's first line, minus the race
    /// let opts = SpawnOpts::new().trap_exit(true);
    /// let s = ember_rt::spawn_opt(opts, |mut mb: Mailbox<()>| async move { mb.recv().await });
    /// let s = s.unwrap();
    /// ember_rt::exit(s.pid, ExitReason::Shutdown); // becomes a message, not a death
    /// assert!(s.pid.is_alive());
    /// assert!(ember_rt::process_info(s.pid).unwrap().trap_exit);
    /// # }).unwrap();
    /// ```
    pub fn trap_exit(mut self, on: bool) -> Self {
        self.trap_exit = on;
        self
    }

    /// Register the new process under `name` before it runs.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_rt::{Mailbox, SpawnOpts};
    /// // Erlang: Pid = spawn(Fun), register(cache, Pid) -- but atomically
    /// let opts = SpawnOpts::new().name("cache");
    /// let s = ember_rt::spawn_opt(opts, |mut mb: Mailbox<()>| async move { mb.recv().await });
    /// let s = s.unwrap();
    /// let info = ember_rt::process_info(s.pid).unwrap();
    /// assert_eq!(info.registered_name, Some("cache".into()));
    /// # }).unwrap();
    /// ```
    pub fn name(mut self, name: impl Into<Name>) -> Self {
        self.name = Some(name.into());
        self
    }
}

/// The result of [`spawn_opt`](crate::spawn_opt).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{ExitReason, Mailbox, SpawnOpts, Spawned};
/// let opts = SpawnOpts::new().monitor().watch();
/// // Erlang: {Pid, MRef} = spawn_opt(Fun, [monitor])
/// let spawned = ember_rt::spawn_opt(opts, |_: Mailbox<()>| async {}).unwrap();
/// let Spawned { pid, monitor, watch } = spawned;
/// assert!(monitor.is_some());
/// assert_eq!(watch.unwrap().await, ExitReason::Normal);
/// assert!(!pid.is_alive());
/// # }).unwrap();
/// ```
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
