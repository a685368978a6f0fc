//! Stopping children (otp-semantics G4, G5).
//!
//! One child: the supervisor watches it, sends the exit signal its shutdown mode asks for, and
//! waits for it to be gone before doing anything else:
//! - `BrutalKill`: `exit(child, kill)`; expected reason `killed`.
//! - `Timeout(T)`: `exit(child, shutdown)`, wait up to T, then `exit(child, kill)`; expected
//!   reason `shutdown`.
//! - `Infinity`: `exit(child, shutdown)` and wait.
//!
//! Then it unlinks and takes the child's `Exit` out of its mailbox, so a stopped child is never
//! seen later as a crash; the reason of that `Exit` wins over the watched one, as in OTP's
//! `unlink_flush`. A reason other than the expected one (also `normal` for a permanent child)
//! is reported as `shutdown_error`.
//!
//! Many children ([`stop_all_concurrently`], used by `DynamicSupervisor`): all signals are sent
//! first, then each child is awaited until its own deadline, so the stops overlap.

use std::time::{Duration, Instant};

use ember_rt::{ExitReason, Mailbox, Message, Pid, Watch};

use crate::child::{Restart, Shutdown};
use crate::report;

/// What the supervisor needs to stop one child.
#[derive(Debug, Clone)]
pub(crate) struct Stopping<'a> {
    pub(crate) id: &'a str,
    pub(crate) pid: Pid,
    pub(crate) mode: Shutdown,
    pub(crate) restart: Restart,
}

fn send_signal(s: &Stopping<'_>) {
    let reason = match s.mode {
        Shutdown::BrutalKill => ExitReason::Kill,
        Shutdown::Timeout(_) | Shutdown::Infinity => ExitReason::Shutdown,
    };
    ember_rt::exit(s.pid, reason);
}

async fn wait(
    s: &Stopping<'_>,
    watch: &mut Watch,
    deadline: Option<Instant>,
) -> (ExitReason, bool) {
    match (s.mode, deadline) {
        (Shutdown::Timeout(_), Some(deadline)) => {
            match tokio::time::timeout_at(deadline.into(), &mut *watch).await {
                Ok(reason) => (reason, false),
                Err(_) => {
                    ember_rt::exit(s.pid, ExitReason::Kill);
                    ((&mut *watch).await, true)
                }
            }
        }
        _ => ((&mut *watch).await, false),
    }
}

fn finish<M: Send + 'static>(
    mb: &mut Mailbox<M>,
    sup: Pid,
    s: &Stopping<'_>,
    watched: ExitReason,
    timed_out: bool,
) {
    ember_rt::unlink(s.pid);
    let from = s.pid;
    let reason = match mb.try_receive(|m| matches!(m, Message::Exit(e) if e.from == from)) {
        Some(Message::Exit(e)) => e.reason,
        _ => watched,
    };
    let permanent = s.restart == Restart::Permanent;
    let ok = !timed_out
        && match (s.mode, &reason) {
            (Shutdown::BrutalKill, ExitReason::Killed) => true,
            (Shutdown::BrutalKill, ExitReason::Shutdown) => !permanent,
            (_, ExitReason::Shutdown) => true,
            (_, ExitReason::Normal) => !permanent,
            _ => false,
        };
    if !ok {
        report::shutdown_error(sup, s.id, s.pid, &reason);
    }
}

/// Stop one child and wait until it is gone (Erlang `supervisor:shutdown/2`).
pub(crate) async fn stop_child<M: Send + 'static>(mb: &mut Mailbox<M>, sup: Pid, s: Stopping<'_>) {
    let mut watch = ember_rt::watch(s.pid);
    send_signal(&s);
    let deadline = deadline_of(s.mode, Instant::now());
    let (reason, timed_out) = wait(&s, &mut watch, deadline).await;
    finish(mb, sup, &s, reason, timed_out);
}

/// Stop many children at once and wait until all are gone (Elixir `DynamicSupervisor`,
/// Erlang `simple_one_for_one`: "stopped concurrently, in no particular order").
pub(crate) async fn stop_all_concurrently<M: Send + 'static>(
    mb: &mut Mailbox<M>,
    sup: Pid,
    children: Vec<Stopping<'_>>,
) {
    let now = Instant::now();
    let mut pending: Vec<(Stopping<'_>, Watch)> = children
        .into_iter()
        .map(|s| {
            let w = ember_rt::watch(s.pid);
            (s, w)
        })
        .collect();
    for (s, _) in &pending {
        send_signal(s);
    }
    for (s, watch) in &mut pending {
        let deadline = deadline_of(s.mode, now);
        let (reason, timed_out) = wait(s, watch, deadline).await;
        finish(mb, sup, s, reason, timed_out);
    }
}

fn deadline_of(mode: Shutdown, now: Instant) -> Option<Instant> {
    match mode {
        Shutdown::Timeout(t) => Some(
            now.checked_add(t)
                .unwrap_or(now + Duration::from_secs(86_400 * 365)),
        ),
        _ => None,
    }
}
