//! The director: runs the steps of a scenario, owns labels and bindings, prints the trace
//! (FORMAT.md sections 3, 4 and 11). It mirrors `director/2` of `erlang/conformance.erl`.
//!
//! The director is an ember process with a `Mailbox<DirMsg>`. Everything it learns arrives
//! there, in causal order: hellos, labels, events, command outcomes (all plain sends, so the
//! per-pair order of ember holds), and the `Down`s of the monitors it sets on every labelled
//! process (so it knows each real exit reason). Lines go to a shared vector the main thread
//! writes out.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use ember_rt::{Mailbox, Message, Monitored, Pid, Ref, Term};
use tokio::sync::oneshot;

use crate::actor::{ActorMsg, actor_main};
use crate::render::{Key, Labels};
use crate::terms::{
    as_atom, as_int, as_pid, as_tuple, atom, is_atom, mask, op_name, plain, quote_atom,
    reason_to_term, strip,
};
use crate::world::with_world;

/// Default timeouts (FORMAT.md 14).
const CMD_TIMEOUT: u64 = 10_000;
const AWAIT_EXIT_TIMEOUT: u64 = 5_000;
const SETTLE_MS: u64 = 60;

/// What a command produced.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The value.
    Value(Term),
    /// A caught exception: class (`error`, `exit`, `throw`) and reason.
    Raised(&'static str, Term),
}

/// The messages of the director's mailbox.
pub(crate) enum DirMsg {
    /// A process announces itself; the director labels and monitors it, then acks.
    Hello {
        /// The label it asks for.
        label: String,
        /// The process.
        pid: Pid,
        /// Acknowledge once labelled and monitored.
        ack: Option<oneshot::Sender<()>>,
    },
    /// An actor finished its body.
    Ready(Pid),
    /// A parent names the child it just spawned.
    Label(String, Pid),
    /// An event to print.
    Event {
        /// Who reports it.
        pid: Pid,
        /// `init`, `handle_call`, ...
        kind: String,
        /// Its term, if any.
        term: Option<Term>,
    },
    /// A command's outcome.
    Done {
        /// The actor.
        pid: Pid,
        /// What happened.
        outcome: Outcome,
        /// Milliseconds, for `timed`.
        elapsed: Option<u64>,
    },
}

/// The scenario is aborted (`n director aborted Why`).
struct Abort(String);

struct Director {
    mb: Mailbox<DirMsg>,
    lines: Arc<Mutex<Vec<String>>>,
    n: usize,
    labels: Labels,
    order: Vec<Pid>,
    mons: HashMap<Pid, Ref>,
    dead: HashMap<Pid, Term>,
    reported: HashSet<Pid>,
    actors: HashSet<Pid>,
    done: HashMap<Pid, (Outcome, Option<u64>)>,
    pending: HashMap<Pid, (Term, Term)>,
}

/// Run the scenario's steps, then the final report; lines go to `lines`.
pub(crate) async fn run(mb: Mailbox<DirMsg>, steps: Vec<Term>, lines: Arc<Mutex<Vec<String>>>) {
    with_world(|w| w.director = Some(mb.pid()));
    let mut d = Director {
        labels: Labels::new(mb.pid().untyped()),
        mb,
        lines,
        n: 0,
        order: Vec::new(),
        mons: HashMap::new(),
        dead: HashMap::new(),
        reported: HashSet::new(),
        actors: HashSet::new(),
        done: HashMap::new(),
        pending: HashMap::new(),
    };
    let main =
        ember_rt::spawn(|mb: Mailbox<ActorMsg>| actor_main(mb, "main".into(), Term::list([])))
            .untyped();
    d.label("main", main);
    d.wait_until(|d| d.actors.contains(&main), 5000).await;
    for step in steps {
        if let Err(Abort(why)) = d.step(&step).await {
            d.emit("director", &format!("aborted {why}"));
            break;
        }
    }
    d.final_report().await;
    for pid in &d.order {
        ember_rt::exit(*pid, ember_rt::ExitReason::Kill);
    }
}

fn w(t: &Term) -> String {
    plain(t)
}

impl Director {
    fn emit(&mut self, who: &str, text: &str) {
        self.n += 1;
        let line = format!("{} {} {}", self.n, who, text);
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
    }

    fn emit_who(&mut self, pid: Pid, text: &str) {
        let who = self.labels.pid_label(pid);
        self.emit(&who, text);
    }

    fn watch(&mut self, pid: Pid) {
        if let std::collections::hash_map::Entry::Vacant(e) = self.mons.entry(pid) {
            e.insert(ember_rt::monitor(pid));
            self.order.push(pid);
        }
    }

    fn label(&mut self, base: &str, pid: Pid) {
        if self
            .labels
            .assign(base, Key::Pid(pid), Term::Pid(pid))
            .is_some()
        {
            self.watch(pid);
        }
    }

    /// Handle incoming messages until `pred` holds or `ms` have passed (then what is already
    /// queued is still handled, as Erlang's `after 0` loop does).
    async fn wait_until(&mut self, pred: impl Fn(&Director) -> bool, ms: u64) {
        let deadline = Instant::now() + Duration::from_millis(ms);
        loop {
            if pred(self) {
                return;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            match self.mb.recv_any_timeout(left).await {
                Some(m) => self.handle(m),
                None => return,
            }
        }
    }

    fn handle(&mut self, m: Message<DirMsg>) {
        match m {
            Message::User(DirMsg::Hello { label, pid, ack }) => {
                self.label(&label, pid);
                self.watch(pid);
                if let Some(ack) = ack {
                    let _ = ack.send(());
                }
            }
            Message::User(DirMsg::Ready(pid)) => {
                self.actors.insert(pid);
            }
            Message::User(DirMsg::Label(l, pid)) => self.label(&l, pid),
            Message::User(DirMsg::Event { pid, kind, term }) => {
                let text = match term {
                    Some(t) => format!("{kind} {}", self.labels.render(&t)),
                    None => kind,
                };
                self.emit_who(pid, &text);
            }
            Message::User(DirMsg::Done {
                pid,
                outcome,
                elapsed,
            }) => {
                self.done.insert(pid, (outcome, elapsed));
            }
            Message::Down(down) => {
                if let Monitored::Pid(p) = down.object {
                    if self.mons.get(&p) == Some(&down.reference) {
                        self.dead.insert(p, reason_to_term(&down.reason));
                    }
                }
            }
            Message::Exit(_) => {}
        }
    }

    fn report_down(&mut self, pid: Pid) {
        if self.reported.contains(&pid) {
            return;
        }
        let reason = self
            .dead
            .get(&pid)
            .cloned()
            .unwrap_or_else(|| atom("undefined"));
        let text = format!("down {}", self.labels.render(&reason));
        self.emit_who(pid, &text);
        self.reported.insert(pid);
    }

    fn lookup_pid(&self, name: &Term) -> Result<Pid, Abort> {
        let found = as_atom(name)
            .and_then(|n| self.labels.names.get(n))
            .and_then(as_pid);
        found.ok_or_else(|| Abort(format!("unknown process {}", w(name))))
    }

    async fn step(&mut self, step: &Term) -> Result<(), Abort> {
        let items = as_tuple(step).unwrap_or(&[]);
        match items {
            [tag, ms] if is_atom(tag, "sleep") && as_int(ms).is_some() => {
                let ms = as_int(ms).unwrap_or(0).max(0) as u64;
                self.wait_until(|_| false, ms).await;
                Ok(())
            }
            [tag, l] if is_atom(tag, "await_exit") => self.await_exit(l, &atom("_")).await,
            [tag, l, m] if is_atom(tag, "await_exit") => self.await_exit(l, m).await,
            [tag, l] if is_atom(tag, "await") => {
                let pid = self.lookup_pid(l)?;
                match self.pending.remove(&pid) {
                    None => Err(Abort(format!("await {}: nothing pending", w(l)))),
                    Some((action, bind)) => self.finish_cmd(pid, &action, &bind).await,
                }
            }
            [actor, action] if as_atom(actor).is_some() => {
                self.command(actor, action, &atom("_")).await
            }
            [actor, action, bind] if as_atom(actor).is_some() => {
                self.command(actor, action, bind).await
            }
            _ => Err(Abort(format!("bad step {}", w(step)))),
        }
    }

    async fn await_exit(&mut self, l: &Term, pattern: &Term) -> Result<(), Abort> {
        let pid = self.lookup_pid(l)?;
        self.wait_until(|d| d.dead.contains_key(&pid), AWAIT_EXIT_TIMEOUT)
            .await;
        match self.dead.get(&pid).cloned() {
            Some(r) => {
                self.dead.insert(pid, mask(pattern, &r));
                self.report_down(pid);
            }
            None => self.emit_who(pid, "still_alive"),
        }
        Ok(())
    }

    async fn command(&mut self, actor: &Term, action: &Term, bind: &Term) -> Result<(), Abort> {
        let pid = self.lookup_pid(actor)?;
        self.wait_until(
            |d| d.actors.contains(&pid) || d.dead.contains_key(&pid),
            CMD_TIMEOUT,
        )
        .await;
        if !self.actors.contains(&pid) && !self.dead.contains_key(&pid) {
            return Err(Abort(format!("{} is not a ready actor", w(actor))));
        }
        if self.pending.contains_key(&pid) {
            return Err(Abort(format!("{} is busy (nowait pending)", w(actor))));
        }
        if self.dead.contains_key(&pid) {
            self.report_down(pid);
            return Ok(());
        }
        let action = self.resolve(action)?;
        let (nowait, action) = match as_tuple(&action) {
            Some([tag, inner]) if is_atom(tag, "nowait") => (true, inner.clone()),
            _ => (false, action),
        };
        let _ = pid.send_dyn(ActorMsg::Cmd(action.clone()));
        if nowait {
            self.pending.insert(pid, (action, bind.clone()));
            Ok(())
        } else {
            self.finish_cmd(pid, &action, bind).await
        }
    }

    async fn finish_cmd(&mut self, pid: Pid, action: &Term, bind: &Term) -> Result<(), Abort> {
        self.wait_until(
            |d| d.done.contains_key(&pid) || d.dead.contains_key(&pid),
            CMD_TIMEOUT,
        )
        .await;
        let (core, wrappers) = strip(action);
        let op = op_name(&core);
        match self.done.remove(&pid) {
            Some((outcome, elapsed)) => {
                if let Outcome::Value(v) = &outcome {
                    self.bind(bind, v);
                }
                if !wrappers.quiet {
                    let text = match &outcome {
                        Outcome::Value(v) => format!("{op} -> {}", self.labels.render(v)),
                        Outcome::Raised(c, r) => format!("{op} !! {c} {}", self.labels.render(r)),
                    };
                    self.emit_who(pid, &text);
                }
                if let Some((lo, hi)) = wrappers.timed {
                    let text = match elapsed {
                        Some(ms) if (lo..hi).contains(&(ms as i64)) => "elapsed ok".to_string(),
                        Some(ms) => format!("elapsed {{out,{ms}}}"),
                        None => "elapsed {out,undefined}".to_string(),
                    };
                    self.emit_who(pid, &text);
                }
                Ok(())
            }
            None if self.dead.contains_key(&pid) => {
                self.report_down(pid);
                Ok(())
            }
            None => {
                self.emit_who(pid, &format!("stuck {op}"));
                Err(Abort("command timeout".into()))
            }
        }
    }

    /// Replace `{'@', Name}` by its value (except `{'@', self}`), everywhere.
    fn resolve(&self, t: &Term) -> Result<Term, Abort> {
        match t {
            Term::Tuple(items) => match items.as_slice() {
                [tag, n] if is_atom(tag, "@") && as_atom(n).is_some() => {
                    if is_atom(n, "self") {
                        return Ok(t.clone());
                    }
                    let name = as_atom(n).unwrap_or("");
                    self.labels
                        .names
                        .get(name)
                        .cloned()
                        .ok_or_else(|| Abort(format!("unbound name {}", quote_atom(name))))
                }
                _ => Ok(Term::Tuple(
                    items
                        .iter()
                        .map(|i| self.resolve(i))
                        .collect::<Result<_, _>>()?,
                )),
            },
            Term::List(items) => Ok(Term::List(
                items
                    .iter()
                    .map(|i| self.resolve(i))
                    .collect::<Result<_, _>>()?,
            )),
            other => Ok(other.clone()),
        }
    }

    /// Bind patterns (FORMAT.md 4).
    fn bind(&mut self, pattern: &Term, value: &Term) {
        match (pattern, value) {
            (p, _) if is_atom(p, "_") => {}
            (Term::Atom(n), v) => {
                self.labels.names.insert(n.to_string(), v.clone());
                match v {
                    Term::Pid(p) => self.label(n, *p),
                    Term::Ref(r) => {
                        self.labels.assign(n, Key::Ref(*r), v.clone());
                    }
                    _ => {}
                }
            }
            (Term::Tuple(ps), Term::Tuple(vs)) if ps.len() == vs.len() => {
                for (p, v) in ps.iter().zip(vs) {
                    self.bind(p, v);
                }
            }
            (Term::List(ps), Term::List(vs)) => {
                for (p, v) in ps.iter().zip(vs) {
                    self.bind(p, v);
                }
            }
            _ => {}
        }
    }

    async fn final_report(&mut self) {
        self.wait_until(|_| false, SETTLE_MS).await;
        for pid in self.order.clone() {
            if self.dead.contains_key(&pid) {
                self.report_down(pid);
            } else if self.actors.contains(&pid) {
                if self.pending.contains_key(&pid) {
                    self.emit_who(pid, "busy");
                    continue;
                }
                let (tx, rx) = oneshot::channel();
                let _ = pid.send_dyn(ActorMsg::Final(tx));
                match tokio::time::timeout(Duration::from_secs(2), rx).await {
                    Ok(Ok(msgs)) => {
                        let text = format!("alive {}", self.labels.render(&Term::List(msgs)));
                        self.emit_who(pid, &text);
                    }
                    _ => self.emit_who(pid, "alive unresponsive"),
                }
            } else {
                self.emit_who(pid, "alive");
            }
        }
    }
}
