//! Actors and the harness protocol every scenario process speaks with the director
//! (FORMAT.md sections 1, 7 and 14).
//!
//! An actor is an ember process with a `Mailbox<ActorMsg>`: it says hello to the director
//! (and waits until the director has labelled and monitored it), runs its body, reports
//! `ready`, then loops: take the next command, run it, report the outcome. Commands and the
//! final-report request are harness messages; every other message in the mailbox is the
//! scenario's, seen by `recv` and `flush` as an Erlang term ([`msg_term`]): a user term, an
//! `{'EXIT', From, Reason}` (ember's [`Message::Exit`]) or a
//! `{'DOWN', Ref, process, Object, Reason}` (ember's [`Message::Down`]).
//!
//! Servers, supervisors, tasks and agents are not actors; they use the same [`hello`] and
//! report events with [`ev`].

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ember_otp::gen_server::Envelope;
use ember_rt::{ExitReason, Mailbox, Message, Monitored, Pid, Ref, Term};
use tokio::sync::oneshot;

use crate::director::{DirMsg, Outcome};
use crate::exec::{Exec, Raise};
use crate::otp::ConfServer;
use crate::terms::{atom, plain, reason_to_term, tuple};
use crate::world::director;

/// What an actor's mailbox holds.
pub(crate) enum ActorMsg {
    /// A scenario message (Erlang: any term sent with `!`).
    Term(Term),
    /// A `start_timer` message: `{timeout, TRef, Msg}` once the timer's reference is known.
    Timeout(Arc<OnceLock<Ref>>, Term),
    /// A command from the director.
    Cmd(Term),
    /// The director's final-report request: reply with the messages left (removed).
    Final(oneshot::Sender<Vec<Term>>),
}

/// Send a message to the director (dropped if there is none).
pub(crate) fn send_dir(msg: DirMsg) {
    if let Some(d) = director() {
        d.send(msg);
    }
}

/// Report an event of the calling process (`n who kind [Term]`).
pub(crate) fn ev(kind: &str, term: Option<Term>) {
    ev_for(ember_rt::self_pid(), kind, term);
}

/// Report an event on behalf of `pid`.
pub(crate) fn ev_for(pid: Pid, kind: &str, term: Option<Term>) {
    send_dir(DirMsg::Event {
        pid,
        kind: kind.to_string(),
        term,
    });
}

/// The synchronous hello of the calling process: returns once the director has labelled and
/// monitored it.
pub(crate) async fn hello(label: &str) {
    hello_for(label, ember_rt::self_pid()).await;
}

/// The synchronous hello on behalf of `pid` (for processes whose code the interpreter does
/// not run first: a supervisor without children, a dynamic supervisor).
pub(crate) async fn hello_for(label: &str, pid: Pid) {
    let (tx, rx) = oneshot::channel();
    send_dir(DirMsg::Hello {
        label: label.to_string(),
        pid,
        ack: Some(tx),
    });
    let _ = tokio::time::timeout(Duration::from_secs(5), rx).await;
}

/// A hello that does not wait (from synchronous code, e.g. an agent's start function).
pub(crate) fn hello_nowait(label: &str) {
    send_dir(DirMsg::Hello {
        label: label.to_string(),
        pid: ember_rt::self_pid(),
        ack: None,
    });
}

/// The parent's `label` message after a spawn (FORMAT.md 14).
pub(crate) fn label_msg(label: &str, pid: Pid) {
    send_dir(DirMsg::Label(label.to_string(), pid));
}

/// The Erlang term of a mailbox message; `None` for harness messages.
pub(crate) fn msg_term(m: &Message<ActorMsg>) -> Option<Term> {
    match m {
        Message::User(ActorMsg::Term(t)) => Some(t.clone()),
        Message::User(ActorMsg::Timeout(slot, t)) => Some(tuple([
            atom("timeout"),
            Term::Ref(timer_ref(slot)),
            t.clone(),
        ])),
        Message::User(ActorMsg::Cmd(_) | ActorMsg::Final(_)) => None,
        Message::Exit(e) => Some(tuple([
            atom("EXIT"),
            Term::Pid(e.from),
            reason_to_term(&e.reason),
        ])),
        Message::Down(d) => Some(tuple([
            atom("DOWN"),
            Term::Ref(d.reference),
            atom("process"),
            monitored(&d.object),
            reason_to_term(&d.reason),
        ])),
    }
}

/// A monitor's object: a pid, or `{Name, nonode@nohost}` for a monitor by name.
pub(crate) fn monitored(m: &Monitored) -> Term {
    match m {
        Monitored::Pid(p) => Term::Pid(*p),
        Monitored::Name(n) => tuple([atom(n.as_str()), atom("nonode@nohost")]),
    }
}

/// The reference of a `start_timer` message. The starter stores it right after
/// `send_after` returns; a 0 ms timer can fire before that, so wait the few microseconds.
fn timer_ref(slot: &OnceLock<Ref>) -> Ref {
    loop {
        if let Some(r) = slot.get() {
            return *r;
        }
        std::thread::yield_now();
    }
}

/// `Pid ! Msg` for a scenario term: actors get it as a message, test servers in
/// `handle_info`. Sending to a dead process succeeds (the message is dropped).
pub(crate) fn deliver(to: Pid, msg: Term) {
    if to.send_dyn(ActorMsg::Term(msg.clone())).is_ok() {
        return;
    }
    let _ = to.send_dyn(Envelope::<ConfServer>::info(msg));
}

/// Take every scenario message from the mailbox, oldest first.
pub(crate) fn drain(mb: &mut Mailbox<ActorMsg>) -> Vec<Term> {
    let mut out = Vec::new();
    while let Some(m) = mb.try_receive(|m| msg_term(m).is_some()) {
        out.extend(msg_term(&m));
    }
    out
}

/// End the calling process for an uncaught exception: `exit(R)` is the reason `R`; an error
/// `E` is a panic whose message is `E` (reason `{E, '_stack'}` in the trace); a throw `V`
/// becomes the error `{nocatch, V}`, as in Erlang.
pub(crate) fn terminate(r: Raise) -> ExitReason {
    match r {
        Raise::Exit(t) => crate::terms::term_to_reason(&t),
        Raise::Error(e) => panic!("{}", plain(&e)),
        Raise::Throw(v) => panic!("{}", plain(&tuple([atom("nocatch"), v]))),
    }
}

/// The body of an actor process.
pub(crate) async fn actor_main(mut mb: Mailbox<ActorMsg>, label: String, body: Term) -> ExitReason {
    hello(&label).await;
    if let Err(r) = Exec::new(Some(&mut mb)).run_body(&body).await {
        return terminate(r);
    }
    let me = ember_rt::self_pid();
    send_dir(DirMsg::Ready(me));
    loop {
        let m = mb
            .receive(|m| matches!(m, Message::User(ActorMsg::Cmd(_) | ActorMsg::Final(_))))
            .await;
        match m {
            Message::User(ActorMsg::Cmd(action)) => {
                let (r, elapsed) = Exec::new(Some(&mut mb)).exec(&action).await;
                match r {
                    Ok(outcome) => send_dir(DirMsg::Done {
                        pid: me,
                        outcome,
                        elapsed,
                    }),
                    Err(raise) => return terminate(raise),
                }
            }
            Message::User(ActorMsg::Final(tx)) => {
                let _ = tx.send(drain(&mut mb));
            }
            _ => {}
        }
    }
}

/// An outcome for a caught exception.
pub(crate) fn raised(r: Raise) -> Outcome {
    Outcome::Raised(r.class(), r.into_reason())
}
