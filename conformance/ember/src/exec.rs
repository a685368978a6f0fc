//! Executing actions (FORMAT.md sections 5–7): wrappers, the catching rule, bodies, and the
//! process, link, monitor, name and message actions on `ember_rt`. The timer, gen_server,
//! supervisor and Elixir actions are in their own modules.
//!
//! Exceptions are values here ([`Raise`]): an action that fails in Erlang returns
//! `Err(Raise)`; the catching rule turns it into a `!!` outcome, or — for terminal actions and
//! `uncaught` — ends the process ([`crate::actor::terminate`]). Arguments of the wrong type
//! raise what the Erlang BIF raises (`badarg`, `timeout_value`, ...), as FORMAT.md asks.
//!
//! What ember has no counterpart for raises `error {ember_unsupported, What}`, so that the
//! trace shows it; those scenarios are listed in `KNOWN_DIFFERENCES.md`.

use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use ember_rt::{Mailbox, Message, Pid, Priority, Term, Timeout};

use crate::actor::{ActorMsg, actor_main, deliver, drain, label_msg, msg_term, raised};
use crate::director::Outcome;
use crate::terms::{
    as_atom, as_int, as_list, as_pid, as_ref, as_tuple, atom, boolean, is_atom, mask, ok, strip,
    term_to_reason, tuple,
};

/// A boxed future (actions recurse through bodies).
pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// An exception, Erlang style.
#[derive(Debug, Clone)]
pub(crate) enum Raise {
    /// `error(E)`.
    Error(Term),
    /// `exit(R)`.
    Exit(Term),
    /// `throw(V)`.
    Throw(Term),
}

impl Raise {
    /// `error`, `exit` or `throw`.
    pub(crate) fn class(&self) -> &'static str {
        match self {
            Raise::Error(_) => "error",
            Raise::Exit(_) => "exit",
            Raise::Throw(_) => "throw",
        }
    }

    /// The reason.
    pub(crate) fn into_reason(self) -> Term {
        match self {
            Raise::Error(t) | Raise::Exit(t) | Raise::Throw(t) => t,
        }
    }
}

/// The result of an action.
pub(crate) type Res = Result<Term, Raise>;

/// `error badarg`.
pub(crate) fn badarg() -> Raise {
    Raise::Error(atom("badarg"))
}

/// `error {ember_unsupported, What}`: no ember counterpart (see KNOWN_DIFFERENCES.md).
pub(crate) fn unsupported(what: &str) -> Raise {
    Raise::Error(tuple([atom("ember_unsupported"), atom(what)]))
}

/// A pid argument, or `badarg`.
pub(crate) fn want_pid(t: &Term) -> Result<Pid, Raise> {
    as_pid(t).ok_or_else(badarg)
}

/// An atom argument, or `badarg`.
pub(crate) fn want_atom(t: &Term) -> Result<&str, Raise> {
    as_atom(t).ok_or_else(badarg)
}

/// A receive / call timeout: `infinity` or `0..=4294967295` ms, else `error timeout_value`.
pub(crate) fn want_timeout(t: &Term) -> Result<Timeout, Raise> {
    if is_atom(t, "infinity") {
        return Ok(Timeout::Infinity);
    }
    as_int(t)
        .and_then(|ms| Timeout::millis(ms).ok())
        .ok_or(Raise::Error(atom("timeout_value")))
}

/// The terminal actions: their exceptions end the process unless wrapped in `'try'`.
fn terminal(core: &Term) -> bool {
    match core {
        Term::Atom(a) => matches!(&**a, "crash" | "return" | "call_undefined"),
        Term::Tuple(items) => matches!(
            (items.first().and_then(as_atom), items.len()),
            (Some("exit"), 2) | (Some("raise"), 3)
        ),
        _ => false,
    }
}

/// `{'@', self}` → the executing process, except inside the bodies of `spawn*`,
/// `task_async`, `task_async_nolink` and `repeat` (they resolve when they run).
fn resolve_self(t: &Term, me: Pid) -> Term {
    match t {
        Term::Tuple(items) => match items.as_slice() {
            [tag, s] if is_atom(tag, "@") && is_atom(s, "self") => Term::Pid(me),
            [op, _, _]
                if matches!(
                    as_atom(op),
                    Some("spawn" | "spawn_link" | "spawn_monitor" | "task_async" | "repeat")
                ) =>
            {
                t.clone()
            }
            [op, s, l, body] if is_atom(op, "task_async_nolink") => Term::Tuple(vec![
                op.clone(),
                resolve_self(s, me),
                l.clone(),
                body.clone(),
            ]),
            _ => Term::Tuple(items.iter().map(|i| resolve_self(i, me)).collect()),
        },
        Term::List(items) => Term::List(items.iter().map(|i| resolve_self(i, me)).collect()),
        other => other.clone(),
    }
}

/// The executing side: the process's mailbox, if it has one (actors do; tasks and the
/// processes of the OTP behaviours do not, so message actions are not available there).
pub(crate) struct Exec<'a> {
    mb: Option<&'a mut Mailbox<ActorMsg>>,
}

impl<'a> Exec<'a> {
    /// An executor for the calling process.
    pub(crate) fn new(mb: Option<&'a mut Mailbox<ActorMsg>>) -> Exec<'a> {
        Exec { mb }
    }

    fn mailbox(&mut self) -> Result<&mut Mailbox<ActorMsg>, Raise> {
        self.mb
            .as_deref_mut()
            .ok_or_else(|| unsupported("no_mailbox"))
    }

    /// One action with its wrappers: the outcome, or `Err` for an exception that ends the
    /// process; and the elapsed ms when `timed`.
    pub(crate) fn exec<'b>(
        &'b mut self,
        action: &Term,
    ) -> BoxFuture<'b, (Result<Outcome, Raise>, Option<u64>)> {
        let action = action.clone();
        Box::pin(async move {
            let (core, w) = strip(&action);
            let catch = w.catch_all || (!w.uncaught && !terminal(&core));
            let core = resolve_self(&core, ember_rt::self_pid());
            let t0 = Instant::now();
            let r = self.act(&core).await;
            let elapsed = w.timed.map(|_| t0.elapsed().as_millis() as u64);
            let out = match r {
                Ok(v) => Outcome::Value(v),
                Err(e) if catch => raised(e),
                Err(e) => return (Err(e), elapsed),
            };
            let out = match (w.approx, out) {
                (Some((lo, hi)), Outcome::Value(Term::Int(i))) if lo <= i && i <= hi => {
                    Outcome::Value(tuple([atom("approx"), Term::int(lo), Term::int(hi)]))
                }
                (_, o) => o,
            };
            let out = match (&w.mask, out) {
                (Some(p), Outcome::Value(v)) => Outcome::Value(mask(p, &v)),
                (Some(p), Outcome::Raised(c, r)) => Outcome::Raised(c, mask(p, &r)),
                (None, o) => o,
            };
            (Ok(out), elapsed)
        })
    }

    /// Run a body silently: the last action's value (a caught exception's value is
    /// `{raised, Class, Reason}`), or `Err` for a terminal exception.
    pub(crate) fn run_body<'b>(&'b mut self, body: &Term) -> BoxFuture<'b, Res> {
        let actions = as_list(body).map(<[Term]>::to_vec).unwrap_or_default();
        Box::pin(async move {
            let mut last = ok();
            for a in &actions {
                last = match self.exec(a).await.0? {
                    Outcome::Value(v) => v,
                    Outcome::Raised(c, r) => tuple([atom("raised"), atom(c), r]),
                };
            }
            Ok(last)
        })
    }

    /// The core action.
    fn act<'b>(&'b mut self, core: &Term) -> BoxFuture<'b, Res> {
        let core = core.clone();
        Box::pin(async move {
            let (op, args): (&str, &[Term]) = match &core {
                Term::Atom(a) => (a, &[]),
                Term::Tuple(items) => match items.split_first() {
                    Some((op, args)) if as_atom(op).is_some() => (as_atom(op).unwrap_or(""), args),
                    _ => return Err(Raise::Error(tuple([atom("unknown_action"), core.clone()]))),
                },
                _ => return Err(Raise::Error(tuple([atom("unknown_action"), core.clone()]))),
            };
            if let Some(r) = self.process_action(op, args).await {
                return r;
            }
            if let Some(r) = self.message_action(op, args).await {
                return r;
            }
            if let Some(r) = crate::timers::action(op, args) {
                return r;
            }
            if let Some(r) = crate::otp::action(op, args).await {
                return r;
            }
            if let Some(r) = crate::sup::action(op, args).await {
                return r;
            }
            if let Some(r) = crate::elixir::action(op, args).await {
                return r;
            }
            Err(Raise::Error(tuple([atom("unknown_action"), core.clone()])))
        })
    }

    /// Processes, links and exits (FORMAT.md 6.1).
    async fn process_action(&mut self, op: &str, args: &[Term]) -> Option<Res> {
        let r = match (op, args) {
            ("spawn" | "spawn_link" | "spawn_monitor", [l, body]) => spawn_actor(op, l, body),
            ("spawn_badarity", [_]) => Err(unsupported("spawn_badarity")),
            ("self", []) => Ok(Term::Pid(ember_rt::self_pid())),
            ("value", [v]) => Ok(v.clone()),
            ("exit", [r]) => Err(Raise::Exit(r.clone())),
            ("exit", [t, r]) => want_pid(t).map(|p| {
                ember_rt::exit(p, term_to_reason(r));
                boolean(true)
            }),
            ("raise", [class, r]) => Err(match as_atom(class) {
                Some("error") => Raise::Error(r.clone()),
                Some("exit") => Raise::Exit(r.clone()),
                Some("throw") => Raise::Throw(r.clone()),
                _ => badarg(),
            }),
            ("crash", []) => Err(Raise::Error(atom("boom"))),
            ("return", []) => Err(Raise::Exit(atom("normal"))),
            ("call_undefined", []) => Err(unsupported("call_undefined")),
            ("link", [t]) => want_pid(t).and_then(|p| match ember_rt::link(p) {
                Ok(()) => Ok(boolean(true)),
                Err(_) => Err(Raise::Error(atom("noproc"))),
            }),
            ("unlink", [t]) => want_pid(t).map(|p| {
                ember_rt::unlink(p);
                boolean(true)
            }),
            ("trap_exit", [b]) => want_bool(b).map(|b| boolean(ember_rt::trap_exit(b))),
            ("process_flag", [f, v]) => process_flag(f, v),
            ("is_process_alive", [p]) => want_pid(p).map(|p| boolean(p.is_alive())),
            ("process_info", [p, item]) => process_info(p, item),
            ("repeat", [n, body]) => {
                let n = as_int(n).ok_or_else(badarg);
                match n {
                    Ok(n) => {
                        for _ in 0..n {
                            if let Err(e) = self.run_body(body).await {
                                return Some(Err(e));
                            }
                        }
                        Ok(ok())
                    }
                    Err(e) => Err(e),
                }
            }
            _ => return None,
        };
        Some(r)
    }

    /// Monitors, names and messages (FORMAT.md 6.2, 6.3).
    async fn message_action(&mut self, op: &str, args: &[Term]) -> Option<Res> {
        let r = match (op, args) {
            ("monitor", [t]) => monitor(t),
            ("monitor", [t, opts]) => match as_list(opts) {
                Some([]) => monitor(t),
                _ => Err(unsupported("monitor_options")),
            },
            ("demonitor", [r]) => as_ref(r).ok_or_else(badarg).map(|r| {
                ember_rt::demonitor(r);
                boolean(true)
            }),
            ("demonitor", [r, opts]) => self.demonitor(r, opts),
            ("register", [n, p]) => match (as_atom(n), as_pid(p)) {
                (Some(n), Some(p)) => ember_rt::register(n, p)
                    .map(|()| boolean(true))
                    .map_err(|_| badarg()),
                _ => Err(badarg()),
            },
            ("unregister", [n]) => want_atom(n).and_then(|n| {
                ember_rt::unregister(n)
                    .map(|()| boolean(true))
                    .map_err(|_| badarg())
            }),
            ("whereis", [n]) => {
                want_atom(n).map(|n| ember_rt::whereis(n).map_or(atom("undefined"), Term::Pid))
            }
            ("send", [t, m]) => send(t, m).map(|()| m.clone()),
            ("recv", [p]) => self.recv(p, &Term::int(2000)).await,
            ("recv", [p, t]) => self.recv(p, t).await,
            ("flush", []) => self.mailbox().map(|mb| Term::List(drain(mb))),
            ("sleep", [ms]) => match as_int(ms) {
                Some(ms) if ms >= 0 => {
                    ember_rt::sleep(std::time::Duration::from_millis(ms as u64)).await;
                    Ok(ok())
                }
                _ => Err(Raise::Error(atom("timeout_value"))),
            },
            _ => return None,
        };
        Some(r)
    }

    fn demonitor(&mut self, r: &Term, opts: &Term) -> Res {
        let r = as_ref(r).ok_or_else(badarg)?;
        let opts = as_list(opts).ok_or_else(badarg)?;
        let flush = opts.iter().any(|o| is_atom(o, "flush"));
        let info = opts.iter().any(|o| is_atom(o, "info"));
        if opts
            .iter()
            .any(|o| !is_atom(o, "flush") && !is_atom(o, "info"))
        {
            return Err(badarg());
        }
        let removed = if flush {
            self.mailbox()?.demonitor_flush(r)
        } else {
            ember_rt::demonitor(r)
        };
        Ok(boolean(!info || removed))
    }

    async fn recv(&mut self, pattern: &Term, timeout: &Term) -> Res {
        let timeout = want_timeout(timeout)?;
        let mb = self.mailbox()?;
        let pick =
            |m: &Message<ActorMsg>| msg_term(m).is_some_and(|t| crate::terms::matches(pattern, &t));
        let got = mb.receive_timeout(pick, timeout).await;
        Ok(got
            .and_then(|m| msg_term(&m))
            .unwrap_or_else(|| atom("timeout")))
    }
}

fn want_bool(t: &Term) -> Result<bool, Raise> {
    match as_atom(t) {
        Some("true") => Ok(true),
        Some("false") => Ok(false),
        _ => Err(badarg()),
    }
}

fn spawn_actor(op: &str, label: &Term, body: &Term) -> Res {
    let label = want_atom(label)?.to_string();
    let (l, b) = (label.clone(), body.clone());
    let f = move |mb: Mailbox<ActorMsg>| actor_main(mb, l, b);
    let r = match op {
        "spawn" => Term::Pid(ember_rt::spawn(f).untyped()),
        "spawn_link" => Term::Pid(ember_rt::spawn_link(f).untyped()),
        _ => {
            let (p, r) = ember_rt::spawn_monitor(f);
            tuple([Term::Pid(p.untyped()), Term::Ref(r)])
        }
    };
    let pid = match &r {
        Term::Pid(p) => *p,
        other => as_tuple(other)
            .and_then(|t| t.first())
            .and_then(as_pid)
            .unwrap_or(Pid::SYSTEM),
    };
    label_msg(&label, pid);
    Ok(r)
}

fn priority_name(p: Priority) -> &'static str {
    match p {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Max => "max",
    }
}

fn process_flag(flag: &Term, value: &Term) -> Res {
    match as_atom(flag) {
        Some("trap_exit") => want_bool(value).map(|b| boolean(ember_rt::trap_exit(b))),
        Some("priority") => {
            let p = match as_atom(value) {
                Some("low") => Priority::Low,
                Some("normal") => Priority::Normal,
                Some("high") => Priority::High,
                Some("max") => Priority::Max,
                _ => return Err(badarg()),
            };
            Ok(atom(priority_name(ember_rt::set_priority(p))))
        }
        _ => Err(badarg()),
    }
}

fn process_info(p: &Term, item: &Term) -> Res {
    let p = want_pid(p)?;
    let item = want_atom(item)?;
    let Some(info) = ember_rt::process_info(p) else {
        return Ok(atom("undefined"));
    };
    let pids = |v: &[Pid]| Term::List(v.iter().map(|p| Term::Pid(*p)).collect());
    let value = match item {
        "trap_exit" => boolean(info.trap_exit),
        "registered_name" => match &info.registered_name {
            Some(n) => atom(n.as_str()),
            None => return Ok(Term::list([])),
        },
        "priority" => atom(priority_name(info.priority)),
        "monitors" => Term::List(
            info.monitors
                .iter()
                .map(|p| tuple([atom("process"), Term::Pid(*p)]))
                .collect(),
        ),
        "monitored_by" => pids(&info.monitored_by),
        "links" => pids(&info.links),
        "message_queue_len" => Term::int(info.message_queue_len as i64),
        "status" => atom(match info.status {
            ember_rt::Status::Running => "running",
            ember_rt::Status::Runnable => "runnable",
            ember_rt::Status::Waiting => "waiting",
            _ => "exiting",
        }),
        _ => return Err(badarg()),
    };
    Ok(tuple([atom(item), value]))
}

/// `monitor(process, T)` for a pid, a name or `{Name, Node}`.
fn monitor(t: &Term) -> Res {
    let r = match (as_pid(t), as_atom(t), as_tuple(t)) {
        (Some(p), _, _) => ember_rt::monitor(p),
        (_, Some(n), _) => ember_rt::monitor_name(n),
        (_, _, Some([n, node])) if as_atom(n).is_some() && as_atom(node).is_some() => {
            ember_rt::monitor_name(as_atom(n).unwrap_or(""))
        }
        _ => return Err(badarg()),
    };
    Ok(Term::Ref(r))
}

/// `T ! M` for a pid, a registered name (badarg if unregistered) or `{Name, Node}` (dropped
/// if unregistered).
pub(crate) fn send(t: &Term, m: &Term) -> Result<(), Raise> {
    match (as_pid(t), as_atom(t), as_tuple(t)) {
        (Some(p), _, _) => deliver(p, m.clone()),
        (_, Some(n), _) => deliver(ember_rt::whereis(n).ok_or_else(badarg)?, m.clone()),
        (_, _, Some([n, node])) if as_atom(node).is_some() => {
            if let Some(p) = ember_rt::whereis(want_atom(n)?) {
                deliver(p, m.clone());
            }
        }
        _ => return Err(badarg()),
    }
    Ok(())
}
