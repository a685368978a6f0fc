//! Exit signals, links and monitors: the process-death protocol.
//!
//! ember handles signals *eagerly*, at the sender, under the receiver's state lock: a link, an
//! unlink, a monitor or an exit signal takes effect when the call that sends it returns. This is
//! one of the executions Erlang allows (signal delivery time is unspecified), and it gives the
//! ordering guarantees of the spec for free:
//! - per-pair order: a sender's messages and its trapped `Exit`/`Down` go through the same
//!   ordered inbox, so messages sent before a death arrive before its `Exit` and `Down`;
//! - `exit(B, foo)` followed by `send(B, go)`: B is dead before `go` is sent, so it never
//!   handles it;
//! - after `unlink`/`demonitor` returns, no `Exit`/`Down` from that link/monitor arrives:
//!   delivery re-checks, under the receiver's lock, that the link/monitor still exists.
//!
//! The death of a process ([`terminate`]) happens once (a CAS on liveness under its state lock),
//! on whatever thread decides it: the worker when the body returns or panics, or the sender of
//! a killing exit signal. Order of effects: mark EXITING, close the inbox, free the name, leave
//! the process table, cancel timers, signal links, then fire monitors. The future is dropped
//! later, on a worker, at its next yield point (design note G3).

use std::sync::Arc;
use std::time::Instant;

use super::message::{Down, Exit, Monitored};
use super::pcb::{Cold, InMonitor, OutMonitor, Pcb};
use crate::pid::RawPid;
use crate::runtime::lookup;
use crate::{ExitReason, LinkError, Name, Pid, Ref};

/// How an exit signal travels: through a link (the sender died) or sent with `exit/2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Via {
    Link,
    Signal,
}

/// End `pcb` with `reason` (idempotent: only the first call has an effect). Its future may
/// still be inside a poll: it is listed as exiting until a worker drops it.
pub(crate) fn terminate(pcb: &Arc<Pcb>, reason: ExitReason) {
    exit(pcb, reason, false);
}

/// End `pcb`, whose future its worker has just dropped (it returned or panicked). Returns
/// `false` if the process had already been ended by someone else (a kill during the poll), in
/// which case it is listed as exiting and the caller must unlist it.
pub(crate) fn terminate_reaped(pcb: &Arc<Pcb>, reason: ExitReason) -> bool {
    exit(pcb, reason, true)
}

fn exit(pcb: &Arc<Pcb>, reason: ExitReason, reaped: bool) -> bool {
    let cold = {
        let mut st = pcb.state.lock();
        if !pcb.is_alive() {
            return false;
        }
        if !reaped {
            // Listed *before* it is marked dead: the worker that drops the future (after
            // seeing it dead) unlists it, and must find it listed.
            pcb.rt.exiting.insert(pcb.pid.serial, pcb.clone());
        }
        let began = pcb.begin_exit(&st);
        debug_assert!(
            began,
            "only `exit` leaves ALIVE, under the state lock held here"
        );
        let cold = st.take_cold();
        if !reaped {
            // Kept for introspection while the future is not dropped (a zombie, maybe).
            st.exit_reason = Some(reason.clone());
            st.exiting_since = Some(Instant::now());
        }
        cold
    };
    pcb.inbox.close();
    let rt = &pcb.rt;
    rt.remove_process(pcb.pid);
    if let Some(cold) = cold {
        notify(pcb, *cold, &reason);
    }
    if !reaped {
        // Let a worker drop the future: now if it is idle or queued, after its poll if running.
        pcb.schedule();
    }
    true
}

/// The effects of a death on others: the name, timers, links, monitors, watches, hook.
fn notify(pcb: &Pcb, cold: Cold, reason: &ExitReason) {
    let rt = &pcb.rt;
    if let Some(name) = &cold.name {
        rt.registry.remove_if_owner(name, pcb.pid);
    }
    for t in cold.timers {
        t.cancel();
    }
    for l in cold.links {
        if let Some(target) = lookup(l) {
            deliver_exit(pcb.pid, &target, reason.clone(), Via::Link);
        }
    }
    for m in cold.monitored_by {
        if let Some(watcher) = lookup(m.watcher) {
            let object = match m.by_name {
                Some(n) => Monitored::Name(n),
                None => Monitored::Pid(Pid::from_raw(pcb.pid)),
            };
            deliver_down(&watcher, m.reference, object, reason.clone());
        }
    }
    for m in cold.monitors {
        if let Some(target) = lookup(m.target) {
            target
                .state
                .lock()
                .monitored_by
                .retain(|w| w.reference != m.reference);
        }
    }
    let mut watchers = cold.watchers;
    for tx in watchers.drain() {
        let _ = tx.send(reason.clone());
    }
    if let Some(hook) = cold.on_exit {
        hook(reason);
    }
}

/// Deliver an exit signal from `from` to `target`, with OTP's rules (otp-semantics B3).
pub(crate) fn deliver_exit(from: RawPid, target: &Arc<Pcb>, reason: ExitReason, via: Via) {
    let fatal = {
        let mut st = target.state.lock();
        if !target.is_alive() {
            return;
        }
        if via == Via::Link {
            match st.links.iter().position(|p| *p == from) {
                Some(i) => {
                    st.links.swap_remove(i);
                }
                None => return, // unlinked meanwhile: the signal no longer applies
            }
        }
        match reason {
            ExitReason::Kill if via == Via::Signal => Some(ExitReason::Killed),
            reason if st.trap_exit => {
                target.inbox.push_exit(Exit {
                    from: Pid::from_raw(from),
                    reason,
                });
                None
            }
            ExitReason::Normal if from != target.pid => None,
            reason => Some(reason),
        }
    };
    if let Some(reason) = fatal {
        terminate(target, reason);
    }
}

/// Deliver a `Down` to `watcher` if it still holds the monitor `reference`.
pub(crate) fn deliver_down(
    watcher: &Arc<Pcb>,
    reference: Ref,
    object: Monitored,
    reason: ExitReason,
) {
    let mut st = watcher.state.lock();
    if let Some(i) = st.monitors.iter().position(|m| m.reference == reference) {
        st.monitors.swap_remove(i);
        watcher.inbox.push_down(Down {
            reference,
            object,
            reason,
        });
    }
}

/// `exit(Target, Reason)` from `from`.
pub(crate) fn send_exit(from: RawPid, target: RawPid, reason: ExitReason) {
    if let Some(t) = lookup(target) {
        deliver_exit(from, &t, reason, Via::Signal);
    }
}

/// `link(Target)` by `me`.
pub(crate) fn link(me: &Arc<Pcb>, target: RawPid) -> Result<(), LinkError> {
    if target == me.pid || !me.is_alive() {
        return Ok(());
    }
    {
        let mut st = me.state.lock();
        if st.links.contains(&target) {
            return Ok(());
        }
        st.links.push(target);
    }
    if let Some(t) = lookup(target) {
        let mut ts = t.state.lock();
        if t.is_alive() {
            if !ts.links.contains(&me.pid) {
                ts.links.push(me.pid);
            }
            return Ok(());
        }
    }
    // The target is dead: undo, then noproc (an EXIT message if trapping).
    let mut st = me.state.lock();
    st.links.retain(|p| *p != target);
    if st.trap_exit {
        me.inbox.push_exit(Exit {
            from: Pid::from_raw(target),
            reason: ExitReason::NoProc,
        });
        Ok(())
    } else {
        Err(LinkError::NoProc(Pid::from_raw(target)))
    }
}

/// Link a fresh child to its parent before the child is scheduled (atomic `spawn_link`).
pub(crate) fn link_new(parent: &Pcb, child: &Pcb) {
    parent.state.lock().links.push(child.pid);
    child.state.lock().links.push(parent.pid);
}

/// `unlink(Target)` by `me`: afterwards, the link can no longer affect `me`.
pub(crate) fn unlink(me: &Arc<Pcb>, target: RawPid) {
    me.state.lock().links.retain(|p| *p != target);
    if let Some(t) = lookup(target) {
        t.state.lock().links.retain(|p| *p != me.pid);
    }
}

/// `monitor(process, Target)` by `me`.
pub(crate) fn monitor(me: &Arc<Pcb>, target: RawPid, by_name: Option<Name>) -> Ref {
    let reference = Ref::new();
    if target == me.pid {
        return reference;
    }
    me.state
        .lock()
        .monitors
        .push(OutMonitor { reference, target });
    if let Some(t) = lookup(target) {
        let mut ts = t.state.lock();
        if t.is_alive() {
            ts.monitored_by.push(InMonitor {
                reference,
                watcher: me.pid,
                by_name,
            });
            return reference;
        }
    }
    let object = match by_name {
        Some(n) => Monitored::Name(n),
        None => Monitored::Pid(Pid::from_raw(target)),
    };
    deliver_down(me, reference, object, ExitReason::NoProc);
    reference
}

/// A monitor on a name that is not registered: a `NoProc` down naming it.
pub(crate) fn monitor_unknown_name(me: &Arc<Pcb>, name: Name) -> Ref {
    let reference = Ref::new();
    // A closed inbox (a dead caller) drops it.
    me.inbox.push_down(Down {
        reference,
        object: Monitored::Name(name),
        reason: ExitReason::NoProc,
    });
    reference
}

/// Spawn-time monitor of a fresh child (atomic `spawn_monitor`).
pub(crate) fn monitor_new(parent: &Pcb, child: &Pcb) -> Ref {
    let reference = Ref::new();
    parent.state.lock().monitors.push(OutMonitor {
        reference,
        target: child.pid,
    });
    child.state.lock().monitored_by.push(InMonitor {
        reference,
        watcher: parent.pid,
        by_name: None,
    });
    reference
}

/// `demonitor(Ref)`: returns `true` if a live monitor was removed (Erlang's `[info]`).
pub(crate) fn demonitor(me: &Arc<Pcb>, reference: Ref) -> bool {
    let target = {
        let mut st = me.state.lock();
        match st.monitors.iter().position(|m| m.reference == reference) {
            Some(i) => st.monitors.swap_remove(i).target,
            None => return false,
        }
    };
    if let Some(t) = lookup(target) {
        t.state
            .lock()
            .monitored_by
            .retain(|w| w.reference != reference);
    }
    true
}

/// `process_flag(trap_exit, On)`: returns the old value.
pub(crate) fn set_trap_exit(me: &Pcb, on: bool) -> bool {
    std::mem::replace(&mut me.state.lock().trap_exit, on)
}
