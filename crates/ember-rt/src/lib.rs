//! # ember-rt: the BEAM's process model, native in Rust
//!
//! Millions of cheap processes that share nothing and talk by messages; a scheduler that
//! preempts any process at its next await once it has spent its budget of reductions; links,
//! monitors and exit signals with OTP's exact rules; registered names; timers. This crate knows
//! nothing about OTP behaviours — those live in `ember-otp`.
//!
//! ```
//! use ember_rt::{Mailbox, Message, Runtime, ExitReason};
//!
//! let rt = Runtime::new().unwrap();
//! rt.run(|mut mb: Mailbox<String>| async move {
//!     // spawn / send / receive
//!     let me = mb.pid();
//!     let echo = ember_rt::spawn(move |mut inbox: Mailbox<String>| async move {
//!         let text = inbox.recv().await;
//!         me.send(text.to_uppercase());
//!     });
//!     echo.send("hello".into());
//!     assert_eq!(mb.recv().await, "HELLO");
//!
//!     // let it crash: a panic ends only that process, and its monitor says why
//!     let (_pid, _mref) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {
//!         let parsed: Option<u32> = "x".parse().ok();
//!         parsed.expect("bad input");
//!     });
//!     let Message::Down(down) = mb.recv_any().await else { unreachable!() };
//!     assert!(matches!(down.reason, ExitReason::Panic { .. }));
//! }).unwrap();
//! ```
//!
//! ## The model
//! - **Processes** ([`spawn`], [`spawn_link`], [`spawn_monitor`], [`spawn_opt`]) are `Send`
//!   futures with a typed [`Mailbox`]. [`Pid<M>`](Pid) accepts only `M`; the untyped [`Pid`]
//!   names a process for links, monitors, exits, names and introspection.
//! - **Scheduling**: N workers (one per core), work stealing, a LIFO slot for message
//!   locality, priorities `low`/`normal`/`high`/`max`, a watchdog, dirty pools
//!   ([`spawn_dirty_cpu`], [`spawn_blocking`]). See `docs/scheduler.md`.
//! - **Exit signals** follow OTP's table: `Normal` is ignored unless trapping (or sent to
//!   oneself); a direct `Kill` is untrappable and becomes `Killed`; anything else kills a
//!   non-trapping receiver and reaches a trapping one as [`Message::Exit`]. See
//!   `docs/signals.md`.
//! - **Panics** are caught at every poll and end only the process, with
//!   [`ExitReason::Panic`]. The workspace builds with `panic = "unwind"`; **with
//!   `panic = "abort"` a panic in any process aborts the whole program**.
//! - **IO**: tokio's IO and timer driver runs on its own thread and every worker enters it, so
//!   `tokio::net` and friends work inside processes; [`io::Charged`] makes IO charge
//!   reductions.
//!
//! ## Guarantees
//! - **G1 fairness.** Within a priority, runnable processes are served round-robin. Every
//!   runtime operation charges reductions; a process is descheduled at the first runtime await
//!   after its budget (default 4000) is spent. `max`/`high` are strict over `normal`; `low`
//!   gets about one slice in eight under load. Code the runtime cannot see can report its work
//!   ([`bump_reductions`], [`consume_timeslice`]) or give way ([`yield_now`]).
//! - **G2 containment.** Code that does not reach an await is *not* preempted — Rust cannot
//!   interrupt a poll soundly — but it cannot freeze the others: within about `T_detect`
//!   (10 ms) plus one watchdog tick, the watchdog hands the other processes of its worker to a
//!   spare thread and demotes the stuck thread's OS priority. IO and timers run on their own
//!   thread and stay live even if every worker is stuck.
//! - **G3 kill.** Death is logically immediate: `exit(pid, Kill)` fires links and monitors with
//!   `Killed`, frees the name and closes the mailbox at once, and from then on the process's
//!   sends, exit signals, links, monitors and spawns have no effect and its receives never
//!   return. Physical death happens at its next yield point, where its future is dropped; until
//!   then it is listed by [`zombies`] and counted by [`runtime_stats`] — never silent. This is
//!   the BEAM's contract for a process killed inside a dirty NIF.
//! - **G4 ordering.** Messages and signals from one process to another arrive in the order
//!   sent; no message of a process arrives after the notice of its death.
//! - **G5 soundness.** The runtime never interrupts Rust code at arbitrary points; the little
//!   `unsafe` there is sits in two small modules, each block with its `SAFETY` argument.
//! - **G6 bounds.** Spare threads, the dirty CPU pool and the blocking pool are capped
//!   ([`Builder`]); the caps and the times a cap was hit are in [`runtime_stats`].
//!
//! //! Erlang → Rust: `self()` → [`self_pid`] / [`Mailbox::pid`]; `Pid ! M` → [`Pid::send`];
//! `receive ... after T` → [`Mailbox::receive_timeout`]; `exit/2` → [`exit`];
//! `process_flag(trap_exit, true)` → [`trap_exit`]; `monitor(process, P)` → [`monitor`];
//! `register/2` → [`register`]; `erlang:send_after/3` → [`send_after`].

#![cfg_attr(loom, allow(dead_code, unused_imports))]

pub(crate) mod sync;

#[cfg(not(loom))]
mod error;
#[cfg(not(loom))]
mod exit;
#[cfg(not(loom))]
pub mod io;
#[cfg(not(loom))]
mod observe;
#[cfg(not(loom))]
mod panic;
#[cfg(not(loom))]
mod pid;
#[cfg(not(loom))]
mod process;
#[cfg(not(loom))]
mod registry;
#[cfg(not(loom))]
mod runtime;
#[cfg(not(loom))]
mod scheduler;
#[cfg(not(loom))]
mod term;
#[cfg(not(loom))]
mod time;

#[cfg(not(loom))]
pub use error::{
    BuildError, InvalidTimeout, LinkError, RegisterError, SendError, SpawnError, TypeError,
};
#[cfg(not(loom))]
pub use exit::{ExitReason, IntoExitReason};
#[cfg(not(loom))]
pub use observe::{
    ProcessInfo, RuntimeStats, Status, WorkerInfo, process_info, processes, runtime_stats, zombies,
};
#[cfg(not(loom))]
pub use pid::{Pid, Ref, Untyped};
#[cfg(not(loom))]
pub use process::api::{
    bump_reductions, consume_timeslice, demonitor, exit, link, monitor, monitor_name, register,
    registered, self_pid, send_named, set_priority, spawn, spawn_link, spawn_monitor, spawn_opt,
    trap_exit, try_self_pid, unlink, unregister, whereis, yield_now,
};
#[cfg(not(loom))]
pub use process::{
    Down, Exit, Mailbox, Message, Monitored, Priority, SpawnOpts, Spawned, Watch, watch,
};
#[cfg(not(loom))]
pub use registry::Name;
#[cfg(not(loom))]
pub use runtime::{Builder, Runtime};
#[cfg(not(loom))]
pub use scheduler::dirty::{DirtyError, DirtyHandle, spawn_blocking, spawn_dirty_cpu};
#[cfg(not(loom))]
pub use term::Term;
#[cfg(not(loom))]
pub use time::{
    Timeout, TimerRef, cancel_timer, read_timer, send_after, send_after_named, send_interval,
    send_interval_with, sleep,
};
