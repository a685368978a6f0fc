//! # ember: Erlang/OTP's process model and behaviours, native in Rust
//!
//! This facade re-exports the runtime ([`rt`], crate `ember-rt`) and the OTP behaviours
//! ([`otp`], crate `ember-otp`), and offers [`run`] for the common `main`.
//!
//! ```
//! use ember::rt::{Mailbox, Message, ExitReason};
//!
//! let out = ember::run(|mut mb: Mailbox<u32>| async move {
//!     let me = mb.pid();
//!     ember::rt::spawn(move |_: Mailbox<()>| async move { me.send(42) });
//!     mb.recv().await
//! }).unwrap();
//! assert_eq!(out, 42);
//! ```
//!
//! Erlang → ember, at a glance:
//!
//! | Erlang / Elixir | ember |
//! |---|---|
//! | `spawn(F)`, `spawn_link`, `spawn_monitor` | [`rt::spawn`], [`rt::spawn_link`], [`rt::spawn_monitor`] |
//! | `self()`, `Pid ! Msg` | [`rt::self_pid`] / [`rt::Mailbox::pid`], [`rt::Pid::send`] |
//! | `receive ... after T -> ... end` | [`rt::Mailbox::receive_timeout`] |
//! | `exit(Pid, Reason)`, `process_flag(trap_exit, true)` | [`rt::exit`], [`rt::trap_exit`] |
//! | `monitor(process, Pid)`, `{'DOWN', ...}` | [`rt::monitor`], [`rt::Message::Down`] |
//! | `register/2`, `whereis/1` | [`rt::register`], [`rt::whereis`] |
//! | `erlang:send_after/3`, `timer:send_interval/3` | [`rt::send_after`], [`rt::send_interval`] |
//! | `GenServer`, `Supervisor`, `DynamicSupervisor`, `Task`, `Agent`, `Registry`, `Application` | modules of [`otp`] |

pub use ember_otp as otp;
pub use ember_rt as rt;

/// Start a runtime with the default configuration, run `f` as the root process, shut the
/// runtime down, and return the root's output (or its exit reason if it did not finish).
///
/// ```
/// let v = ember::run(|_: ember::rt::Mailbox<()>| async { 1 + 1 }).unwrap();
/// assert_eq!(v, 2);
/// ```
pub fn run<M, F, Fut>(f: F) -> Result<Fut::Output, rt::ExitReason>
where
    M: Send + 'static,
    F: FnOnce(rt::Mailbox<M>) -> Fut + Send + 'static,
    Fut: std::future::Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let runtime = rt::Runtime::new().map_err(rt::ExitReason::error)?;
    let out = runtime.run(f);
    runtime.shutdown();
    out
}

/// The README's examples, compiled and run as doctests so they cannot rot.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
