//! The process API: the Rust spelling of Erlang's process BIFs.
//!
//! Functions that act *as* the calling process (`self_pid`, `link`, `trap_exit`, `monitor`,
//! ...) must be called from inside a process; outside one they panic with a clear message, as
//! `tokio::spawn` does outside a runtime. Sending and exit signals (`Pid::send`, `exit`) work
//! from any thread. Registry lookups (`whereis`, `registered`, `send_named`) and `spawn` need
//! the current runtime: from a thread that is not the runtime's use
//! [`Runtime::whereis`](crate::Runtime::whereis) and [`Runtime::spawn`](crate::Runtime::spawn).
//!
//! A process killed while it runs is logically dead at once: from then on its sends, exit
//! signals, links, monitors and spawns have no effect (design note G3).

use std::future::{Future, poll_fn};
use std::task::Poll;

use super::message::Inbox;
use super::{Mailbox, Message, SpawnOpts, Spawned, context, signals, spawn_in};
use crate::runtime::{expect_rt, lookup, with_pcb};
use crate::scheduler::budget;
use crate::{
    ExitReason, IntoExitReason, LinkError, Name, Pid, Priority, Ref, RegisterError, SendError,
    SpawnError,
};

/// The calling process's pid (Erlang `self()`). Panics outside a process.
///
/// ```
/// let rt = ember_rt::Runtime::new().unwrap();
/// let me = rt.block_on(async { ember_rt::self_pid() }).unwrap();
/// assert!(me.to_string().starts_with("<0."));
/// ```
pub fn self_pid() -> Pid {
    Pid::from_raw(
        context::with_current(|c| c.map(|p| p.pid))
            .unwrap_or_else(|| panic!("ember_rt::self_pid called outside of an ember process")),
    )
}

/// The calling process's pid, or `None` outside a process.
///
/// ```
/// assert!(ember_rt::try_self_pid().is_none());
/// ```
pub fn try_self_pid() -> Option<Pid> {
    context::with_current(|c| c.map(|p| Pid::from_raw(p.pid)))
}

impl Pid {
    /// `<0.0.0>`: the sender of exit signals sent from outside any process.
    pub const SYSTEM: Pid = Pid::from_raw(crate::pid::RawPid {
        node: 0,
        creation: 0,
        serial: 0,
    });
}

fn spawn_here<M, F, Fut>(opts: SpawnOpts, f: F) -> Result<Spawned<M>, SpawnError>
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    let parent = context::current();
    let rt = match &parent {
        Some(p) => p.rt.clone(),
        None => expect_rt("spawn"),
    };
    spawn_in(&rt, parent.as_ref(), opts, None, f)
}

/// Start a process running `f(mailbox)` (Erlang `spawn/1`). Never fails because of what the
/// body will do; a body that panics just exits with [`ExitReason::Panic`].
///
/// Call it from inside a process (or a runtime thread); use [`Runtime::spawn`](crate::Runtime::spawn)
/// from outside.
///
/// The body's output must be `()`, an [`ExitReason`] or a `Result<(), E>`. A body that never
/// returns (`loop { .. }` with no `break`) has type `!`, which Rust 2024 does not turn into
/// `()`: give the loop an exit (`break` on a stop message) or end the block with an explicit
/// reason.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let pid = ember_rt::spawn(|mut mb: ember_rt::Mailbox<String>| async move {
///     println!("got {}", mb.recv().await);
/// });
/// pid.send("hi".to_string());
/// # }).unwrap();
/// ```
pub fn spawn<M, F, Fut>(f: F) -> Pid<M>
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    match spawn_here(SpawnOpts::new(), f) {
        Ok(s) => s.pid,
        Err(e) => dead_pid(e),
    }
}

/// A spawn refused because the runtime is shutting down: give back a pid that is already
/// dead, so the caller sees what it would see had the process died at once. Link and monitor
/// requests outside a process are programming errors, reported like `self_pid`'s.
fn dead_pid<M>(e: SpawnError) -> Pid<M> {
    if e == SpawnError::NotInProcess {
        panic!("ember_rt::spawn_link/spawn_monitor called outside of an ember process");
    }
    let rt = expect_rt("spawn");
    Pid::from_raw(rt.new_pid())
}

/// Start a process linked to the caller, atomically (Erlang `spawn_link/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<()>| async move {
///     ember_rt::trap_exit(true);
///     let child = ember_rt::spawn_link(|_: ember_rt::Mailbox<()>| async { ember_rt::ExitReason::atom("boom") });
///     match mb.recv_any().await {
///         ember_rt::Message::Exit(e) => { assert_eq!(e.from, child); assert_eq!(e.reason, ember_rt::ExitReason::atom("boom")); }
///         other => panic!("{other:?}"),
///     }
/// }).unwrap();
/// ```
pub fn spawn_link<M, F, Fut>(f: F) -> Pid<M>
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    match spawn_here(SpawnOpts::new().link(), f) {
        Ok(s) => s.pid,
        Err(e) => dead_pid(e),
    }
}

/// Start a process monitored by the caller, atomically (Erlang `spawn_monitor/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<()>| async move {
///     let (pid, mref) = ember_rt::spawn_monitor(|_: ember_rt::Mailbox<()>| async {});
///     let ember_rt::Message::Down(d) = mb.recv_any().await else { panic!() };
///     assert_eq!((d.reference, d.object, d.reason),
///                (mref, ember_rt::Monitored::Pid(pid.untyped()), ember_rt::ExitReason::Normal));
/// }).unwrap();
/// ```
pub fn spawn_monitor<M, F, Fut>(f: F) -> (Pid<M>, Ref)
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    match spawn_here(SpawnOpts::new().monitor(), f) {
        Ok(s) => (s.pid, s.monitor.unwrap_or_else(Ref::new)),
        Err(e) => (dead_pid(e), Ref::new()),
    }
}

/// Start a process with options (Erlang `spawn_opt/2`). Fails only if the name is taken or
/// invalid, or the runtime is shutting down; then no process was started.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{SpawnOpts, Mailbox};
/// let s = ember_rt::spawn_opt(SpawnOpts::new().name("logger"), |mut mb: Mailbox<String>| async move {
///     mb.recv().await;
/// }).unwrap();
/// assert_eq!(ember_rt::whereis("logger"), Some(s.pid.untyped()));
/// assert!(ember_rt::spawn_opt(SpawnOpts::new().name("logger"), |_: Mailbox<()>| async {}).is_err());
/// # }).unwrap();
/// ```
pub fn spawn_opt<M, F, Fut>(opts: SpawnOpts, f: F) -> Result<Spawned<M>, SpawnError>
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: IntoExitReason,
{
    spawn_here(opts, f)
}

impl<M: Send + 'static> Pid<M> {
    /// Send a message (Erlang `Pid ! Msg`). Sending to a dead process succeeds and drops the
    /// message. Messages from one sender to one receiver arrive in the order sent. Works from
    /// any thread. Charges one reduction.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: ember_rt::Mailbox<&'static str>| async move {
    ///     mb.pid().send("one");
    ///     mb.pid().send("two");
    ///     assert_eq!(mb.recv().await, "one");
    ///     assert_eq!(mb.recv().await, "two");
    /// }).unwrap();
    /// ```
    pub fn send(&self, msg: M) {
        budget::charge(1);
        // Pushing under the table's read guard: no user code runs there, only the inbox lock.
        // A message refused by a closed inbox is handed out and dropped after the guard, since
        // its destructor is user code.
        let refused = with_pcb(self.raw, |pcb| {
            match pcb.inbox.as_any().downcast_ref::<Inbox<M>>() {
                Some(inbox) => inbox.push_if(Message::User(msg), sender_alive).err(),
                None => None,
            }
        });
        drop(refused);
    }
}

impl<M> Pid<M> {
    /// Send a dynamically typed message, checked against the receiver's message type at run
    /// time. Sending to a dead process succeeds (the message is dropped).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let pid = ember_rt::spawn(|mut mb: ember_rt::Mailbox<u64>| async move { mb.recv().await; }).untyped();
    /// assert!(pid.send_dyn(5u64).is_ok());
    /// assert!(matches!(pid.send_dyn("five"), Err(ember_rt::SendError::TypeMismatch { .. })));
    /// # }).unwrap();
    /// ```
    pub fn send_dyn<T: Send + 'static>(&self, msg: T) -> Result<(), SendError> {
        budget::charge(1);
        match lookup(self.raw) {
            None => Ok(()),
            Some(pcb) => pcb
                .inbox
                .push_dyn(Box::new(msg))
                .map_err(|_| SendError::TypeMismatch {
                    expected: pcb.msg_type_name(),
                    found: std::any::type_name::<T>(),
                }),
        }
    }
}

/// A process killed while running is logically dead at once: its later sends, exit signals,
/// links, monitors and spawns have no effect.
pub(crate) fn sender_alive() -> bool {
    context::with_current(|c| c.is_none_or(|p| p.is_alive()))
}

/// Send to a registered name (Erlang `Name ! Msg`): the name is looked up now; an
/// unregistered name is an error (Erlang `badarg`), as is a message of the wrong type.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert!(matches!(ember_rt::send_named("nobody", 1u8), Err(ember_rt::SendError::NotRegistered(_))));
/// # }).unwrap();
/// ```
pub fn send_named<T: Send + 'static>(name: impl Into<Name>, msg: T) -> Result<(), SendError> {
    let name = name.into();
    let rt = expect_rt("send_named");
    match rt.registry.whereis(&name) {
        Some(pid) => Pid::<T>::from_raw(pid).send_dyn(msg),
        None => Err(SendError::NotRegistered(name)),
    }
}

/// Link the caller and `pid` (Erlang `link/1`). Linking twice is one link; linking to
/// oneself does nothing. A dead `pid` gives `Err(NoProc)` — or, when the caller traps exits,
/// `Ok` and an `Exit { from: pid, reason: NoProc }` message.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// assert!(ember_rt::link(p).is_ok());
/// assert!(ember_rt::process_info(ember_rt::self_pid()).unwrap().links.contains(&p.untyped()));
/// # }).unwrap();
/// ```
pub fn link<M>(pid: Pid<M>) -> Result<(), LinkError> {
    budget::charge(5);
    signals::link(&context::expect_current("link"), pid.raw)
}

/// Remove the link between the caller and `pid`, if any (Erlang `unlink/1`). Once it has
/// returned, the link can no longer affect the caller; an `Exit` already in the mailbox stays.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// ember_rt::link(p).unwrap();
/// ember_rt::unlink(p);
/// ember_rt::unlink(p); // harmless
/// # }).unwrap();
/// ```
pub fn unlink<M>(pid: Pid<M>) {
    budget::charge(5);
    signals::unlink(&context::expect_current("unlink"), pid.raw)
}

/// Send an exit signal to `pid` (Erlang `exit/2`), from the calling process (or from
/// [`Pid::SYSTEM`] outside a process). The receiver reacts by OTP's table: `Kill` kills it
/// untrappably (reason `Killed`); `Normal` is ignored unless it traps, or it is the caller
/// itself; any other reason kills a non-trapping receiver and becomes an `Exit` message for a
/// trapping one.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<()>| async move {
///     let (p, _) = ember_rt::spawn_monitor(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
///     ember_rt::exit(p, ember_rt::ExitReason::Kill);
///     let ember_rt::Message::Down(d) = mb.recv_any().await else { panic!() };
///     assert_eq!(d.reason, ember_rt::ExitReason::Killed);
/// }).unwrap();
/// ```
pub fn exit<M>(pid: Pid<M>, reason: ExitReason) {
    budget::charge(5);
    if !sender_alive() {
        return;
    }
    let from = try_self_pid().unwrap_or(Pid::SYSTEM);
    signals::send_exit(from.raw, pid.raw, reason);
}

/// Set the calling process's `trap_exit` flag; returns the old value (Erlang
/// `process_flag(trap_exit, On)`). While trapping, exit signals (except an untrappable `Kill`)
/// arrive as [`Message::Exit`].
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert!(!ember_rt::trap_exit(true));
/// assert!(ember_rt::trap_exit(false));
/// # }).unwrap();
/// ```
pub fn trap_exit(on: bool) -> bool {
    signals::set_trap_exit(&context::expect_current("trap_exit"), on)
}

/// Set the calling process's priority; returns the old one (Erlang `process_flag(priority, P)`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::Priority;
/// assert_eq!(ember_rt::set_priority(Priority::High), Priority::Normal);
/// # }).unwrap();
/// ```
pub fn set_priority(p: Priority) -> Priority {
    context::expect_current("set_priority").set_priority(p)
}

/// Monitor `pid` (Erlang `monitor(process, Pid)`). When it ends — or at once if it is not
/// alive — a [`Message::Down`] with the returned reference arrives (reason `NoProc` if it was
/// not alive). Monitors stack; monitoring oneself does nothing.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<()>| async move {
///     let p = ember_rt::spawn(|_: ember_rt::Mailbox<()>| async {});
///     ember_rt::sleep(std::time::Duration::from_millis(5)).await;
///     let r = ember_rt::monitor(p);
///     let ember_rt::Message::Down(d) = mb.recv_any().await else { panic!() };
///     assert_eq!((d.reference, d.reason), (r, ember_rt::ExitReason::NoProc));
/// }).unwrap();
/// ```
pub fn monitor<M>(pid: Pid<M>) -> Ref {
    budget::charge(5);
    signals::monitor(&context::expect_current("monitor"), pid.raw, None)
}

/// Monitor the process registered as `name` (resolved once, now). The `Down` names it
/// ([`Monitored::Name`](crate::Monitored::Name)); an unknown name gives a `NoProc` down.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<()>| async move {
///     let r = ember_rt::monitor_name("nobody");
///     let ember_rt::Message::Down(d) = mb.recv_any().await else { panic!() };
///     assert_eq!(d.object, ember_rt::Monitored::Name("nobody".into()));
///     assert_eq!(d.reference, r);
/// }).unwrap();
/// ```
pub fn monitor_name(name: impl Into<Name>) -> Ref {
    budget::charge(5);
    let me = context::expect_current("monitor_name");
    let name = name.into();
    match me.rt.registry.whereis(&name) {
        Some(pid) => signals::monitor(&me, pid, Some(name)),
        None => signals::monitor_unknown_name(&me, name),
    }
}

/// Remove a monitor (Erlang `demonitor(Ref, [info])`): `true` if a live monitor was removed,
/// `false` if it had fired or never existed. A `Down` already delivered stays in the mailbox;
/// use [`Mailbox::demonitor_flush`] to remove it too.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// let r = ember_rt::monitor(p);
/// assert!(ember_rt::demonitor(r));
/// assert!(!ember_rt::demonitor(r));
/// # }).unwrap();
/// ```
pub fn demonitor(reference: Ref) -> bool {
    budget::charge(5);
    signals::demonitor(&context::expect_current("demonitor"), reference)
}

/// Register `pid` under `name` (Erlang `register/2`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let me = ember_rt::self_pid();
/// ember_rt::register("main", me).unwrap();
/// assert_eq!(ember_rt::whereis("main"), Some(me));
/// assert!(ember_rt::register("main", me).is_err());
/// # }).unwrap();
/// ```
pub fn register<M>(name: impl Into<Name>, pid: Pid<M>) -> Result<(), RegisterError> {
    budget::charge(5);
    let name = name.into();
    let Some(pcb) = lookup(pid.raw) else {
        return Err(RegisterError::NoProc(pid.untyped()));
    };
    pcb.rt.registry.register(name, &pcb)
}

/// Remove a registered name (Erlang `unregister/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::register("x", ember_rt::self_pid()).unwrap();
/// ember_rt::unregister("x").unwrap();
/// assert!(ember_rt::unregister("x").is_err());
/// # }).unwrap();
/// ```
pub fn unregister(name: impl Into<Name>) -> Result<(), RegisterError> {
    let name = name.into();
    let rt = expect_rt("unregister");
    match rt.registry.unregister(&name) {
        Some(pid) => {
            if let Some(pcb) = lookup(pid) {
                let mut st = pcb.state.lock();
                if st.name.as_ref() == Some(&name) {
                    st.name = None;
                }
            }
            Ok(())
        }
        None => Err(RegisterError::NotRegistered(name)),
    }
}

/// The process registered as `name`, if any (Erlang `whereis/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert_eq!(ember_rt::whereis("nobody"), None);
/// # }).unwrap();
/// ```
pub fn whereis(name: impl Into<Name>) -> Option<Pid> {
    let rt = expect_rt("whereis");
    rt.registry.whereis(&name.into()).map(Pid::from_raw)
}

/// All registered names (Erlang `registered/0`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::register("a", ember_rt::self_pid()).unwrap();
/// assert!(ember_rt::registered().contains(&"a".into()));
/// # }).unwrap();
/// ```
pub fn registered() -> Vec<Name> {
    expect_rt("registered").registry.names()
}

/// Give up the rest of the slice: the process goes to the back of the run queue (Erlang
/// `erlang:yield/0`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::yield_now().await;
/// # }).unwrap();
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        budget::exhaust();
        cx.waker().wake_by_ref();
        Poll::Pending
    })
    .await
}

/// Charge `n` reductions for work the runtime cannot see (Erlang `erlang:bump_reductions/1`).
/// The process yields at its next runtime await once its budget is spent.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::bump_reductions(100);
/// # }).unwrap();
/// ```
pub fn bump_reductions(n: u32) {
    budget::charge(n);
}

/// Report that a long synchronous section used `percent` of a slice (Erlang NIFs'
/// `enif_consume_timeslice`). Returns `true` when the slice is spent: the caller should reach
/// an await soon (e.g. [`yield_now`]).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// for chunk in 0..10 {
///     // ... a tenth of the work ...
///     if ember_rt::consume_timeslice(10) { ember_rt::yield_now().await; }
///     # let _ = chunk;
/// }
/// # }).unwrap();
/// ```
pub fn consume_timeslice(percent: u8) -> bool {
    let budget = context::with_current(|c| c.map(|p| p.rt.sched.budget)).unwrap_or(4000);
    let n = (u64::from(budget) * u64::from(percent.min(100)) / 100) as u32;
    budget::charge(n.max(1));
    budget::left() <= 0
}
