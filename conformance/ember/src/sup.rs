//! The test supervisor (FORMAT.md section 9, Erlang `conf_sup.erl`) on ember's
//! [`Supervisor`], the DynamicSupervisor of section 10 on [`DynamicSupervisor`], and their
//! actions (6.6, 10).
//!
//! **Flags and specs.** Erlang's `conf_sup:init/1` turns the scenario's proplists into a flag
//! map and child spec maps; here they become [`Flags`] and [`ChildSpec`]s, with **OTP's**
//! defaults for absent keys (intensity 1, period 5; ember's own defaults are Elixir's 3/5).
//! A child `{Id, Opts}` starts a test server labelled `Id` (`conf_server:start_link`), a nested
//! test supervisor (`{sup, Flags, Children}`), or nothing (`{start_result, X}`).
//!
//! **The supervisor's `init` event.** An ember supervisor has no `init` callback: its flags
//! and specs are given to `start_link`. The first code of the interpreter that runs inside the
//! new supervisor process is its first child's start function, so that is where the
//! supervisor says hello and reports `init`, before starting the child; a supervisor without
//! children is announced by the caller as soon as `start_link` returns (nothing else can have
//! happened in it by then). Dynamic supervisors start without children: always the latter.
//!
//! **`which_children` Modules.** ember's child info has no modules list (a code-loading
//! notion); the interpreter reports the callback module its start function uses
//! (`[conf_server]` or `[conf_sup]`).
//!
//! Not expressible on ember (raise `{ember_unsupported, _}`): `simple_one_for_one` (ember uses
//! `DynamicSupervisor`), `ignore` from the supervisor's init, invalid flag values that ember's
//! types exclude (`{strategy, bogus}`, a negative intensity or shutdown), a start function that
//! returns a bad value, `get_childspec`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ember_otp::child::{ChildSpec, ChildType, Restart, Shutdown, Started};
use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use ember_otp::gen_server::StartError as SrvStartError;
use ember_otp::supervisor::Flags;
use ember_otp::supervisor::{
    AutoShutdown, CallError, ChildCounts, ChildInfo, ChildStatus, DeleteChildError,
    RestartChildError, StartChildError, StartError, Strategy, Supervisor, TerminateChildError,
};
use ember_rt::{ExitReason, Pid, Term};

use crate::actor::{ev, ev_for, hello, hello_for};
use crate::exec::{Raise, Res, badarg, unsupported, want_atom, want_pid};
use crate::otp::{SrvArg, start_server};
use crate::terms::{
    as_atom, as_int, as_list, as_tuple, atom, is_atom, ok, prop, reason_to_term, tuple,
};
use crate::world::with_world;

const SPEC_KEYS: [&str; 5] = ["restart", "shutdown", "type", "significant", "modules"];

/// The once-only hello + `init` of one supervisor process.
struct Announce {
    label: String,
    done: AtomicBool,
}

impl Announce {
    /// From inside the supervisor (a start function).
    async fn inside(&self) {
        if !self.done.swap(true, Ordering::SeqCst) {
            hello(&self.label).await;
            ev("init", None);
        }
    }

    /// From the caller, once `start_link` returned.
    async fn after_start(&self, pid: Pid) {
        if !self.done.swap(true, Ordering::SeqCst) {
            hello_for(&self.label, pid).await;
            ev_for(pid, "init", None);
        }
    }
}

fn error(t: Term) -> Term {
    tuple([atom("error"), t])
}

/// OTP's supervisor flags from the scenario's proplist.
fn flags(t: &Term) -> Result<Flags, Raise> {
    let Some(list) = as_list(t) else {
        return Err(unsupported("supervisor_init_ignore"));
    };
    let strategy = match prop(list, "strategy").map(as_atom) {
        None | Some(Some("one_for_one")) => Strategy::OneForOne,
        Some(Some("one_for_all")) => Strategy::OneForAll,
        Some(Some("rest_for_one")) => Strategy::RestForOne,
        Some(Some("simple_one_for_one")) => return Err(unsupported("simple_one_for_one")),
        Some(_) => return Err(unsupported("invalid_strategy")),
    };
    let intensity = match prop(list, "intensity").map(as_int) {
        None => 1,
        Some(Some(n)) if n >= 0 => n as u32,
        Some(_) => return Err(unsupported("invalid_intensity")),
    };
    let period = match prop(list, "period").map(as_int) {
        None => 5,
        Some(Some(n)) if n >= 0 => n as u64,
        Some(_) => return Err(unsupported("invalid_period")),
    };
    let auto = match prop(list, "auto_shutdown").map(as_atom) {
        None | Some(Some("never")) => AutoShutdown::Never,
        Some(Some("any_significant")) => AutoShutdown::AnySignificant,
        Some(Some("all_significant")) => AutoShutdown::AllSignificant,
        Some(_) => return Err(unsupported("invalid_auto_shutdown")),
    };
    Ok(Flags::new(strategy)
        .intensity(intensity)
        .period(period)
        .auto_shutdown(auto))
}

fn opt_key(o: &Term) -> Option<&str> {
    match as_tuple(o) {
        Some([k, ..]) => as_atom(k),
        _ => as_atom(o),
    }
}

/// A child spec for `{Id, ChildOpts}`; `extra` = DynamicSupervisor extra arguments.
fn child_spec(
    child: &Term,
    announce: Option<Arc<Announce>>,
    extra: Option<Term>,
) -> Result<ChildSpec, Raise> {
    let Some([id, opts]) = as_tuple(child) else {
        return Err(unsupported("simple_one_for_one"));
    };
    let id = want_atom(id)?.to_string();
    let opts = as_list(opts).ok_or_else(badarg)?.to_vec();
    let server_opts: Vec<Term> = opts
        .iter()
        .filter(|o| !opt_key(o).is_some_and(|k| SPEC_KEYS.contains(&k)))
        .cloned()
        .collect();
    let nested = opts.iter().find_map(|o| match as_tuple(o) {
        Some([tag, f, k]) if is_atom(tag, "sup") => Some((f.clone(), k.clone())),
        _ => None,
    });
    let module = if nested.is_some() {
        "conf_sup"
    } else {
        "conf_server"
    };
    with_world(|w| w.modules.insert(id.clone(), module));
    let start_result = prop(&opts, "start_result").cloned();
    if let Some(r) = &start_result {
        if as_tuple(r).is_some_and(|t| t.len() == 2 && is_atom(&t[0], "bad")) {
            return Err(unsupported("bad_start_return"));
        }
    }
    let label = id.clone();
    let mut spec = ChildSpec::new(id.as_str(), move || {
        let announce = announce.clone();
        let (label, server_opts, nested, start_result, extra) = (
            label.clone(),
            server_opts.clone(),
            nested.clone(),
            start_result.clone(),
            extra.clone(),
        );
        async move {
            if let Some(a) = &announce {
                a.inside().await;
            }
            if let Some((flags, kids)) = &nested {
                return match start_sup(flags, kids, &label).await {
                    Ok(Ok(sup)) => Ok(Started::Pid(sup.pid())),
                    Ok(Err(e)) => Err(e.to_exit_reason()),
                    Err(_) => Err(ExitReason::atom("ember_unsupported")),
                };
            }
            if let Some(r) = start_result {
                return match (as_atom(&r), as_tuple(&r)) {
                    (Some("crash"), _) => panic!("boom"),
                    (Some("ignore"), _) => Ok(Started::Ignore),
                    (_, Some([t, reason])) if is_atom(t, "error") => {
                        Err(crate::terms::term_to_reason(reason))
                    }
                    _ => Err(ExitReason::atom("ember_unsupported")),
                };
            }
            let arg = SrvArg {
                opts: server_opts,
                label,
                extra,
            };
            match start_server(arg, true, None).await {
                Ok(s) => Ok(Started::Pid(s.pid())),
                Err(SrvStartError::Ignored) => Ok(Started::Ignore),
                Err(e) => Err(ExitReason::from(e)),
            }
        }
    });
    match prop(&opts, "restart").and_then(as_atom) {
        Some("transient") => spec = spec.restart(Restart::Transient),
        Some("temporary") => spec = spec.restart(Restart::Temporary),
        _ => {}
    }
    if is_atom(prop(&opts, "type").unwrap_or(&atom("worker")), "supervisor") {
        spec = spec.supervisor();
    }
    match prop(&opts, "shutdown") {
        None => {}
        Some(t) if is_atom(t, "brutal_kill") => spec = spec.shutdown(Shutdown::BrutalKill),
        Some(t) if is_atom(t, "infinity") => spec = spec.shutdown(Shutdown::Infinity),
        Some(t) => match as_int(t) {
            Some(ms) if ms >= 0 => {
                spec = spec.shutdown(Shutdown::Timeout(Duration::from_millis(ms as u64)))
            }
            _ => return Err(unsupported("invalid_shutdown")),
        },
    }
    if prop(&opts, "significant").is_some_and(|s| is_atom(s, "true")) {
        spec = spec.significant(true);
    }
    Ok(spec)
}

/// Start a test supervisor labelled `label` (linked to the caller).
async fn start_sup(
    flags_t: &Term,
    kids: &Term,
    label: &str,
) -> Result<Result<Supervisor, StartError>, Raise> {
    let flags = flags(flags_t)?;
    let announce = Arc::new(Announce {
        label: label.to_string(),
        done: AtomicBool::new(false),
    });
    let kids = as_list(kids).ok_or_else(badarg)?;
    let specs = kids
        .iter()
        .map(|k| child_spec(k, Some(announce.clone()), None))
        .collect::<Result<Vec<_>, _>>()?;
    let r = Supervisor::start_link(flags, specs).await;
    if let Ok(sup) = &r {
        announce.after_start(sup.pid()).await;
    }
    Ok(r)
}

fn start_error(e: &StartError) -> Term {
    match e {
        StartError::FailedToStartChild { id, reason } => tuple([
            atom("shutdown"),
            tuple([
                atom("failed_to_start_child"),
                atom(id),
                reason_to_term(reason),
            ]),
        ]),
        other => reason_to_term(&other.to_exit_reason()),
    }
}

fn call_error(e: CallError) -> Raise {
    Raise::Exit(match e {
        CallError::NoProc => atom("noproc"),
        CallError::Exit(r) => reason_to_term(&r),
        _ => atom("calling_self"),
    })
}

fn started(s: Started) -> Term {
    match s {
        Started::Pid(p) => tuple([ok(), Term::Pid(p)]),
        Started::Ignore => tuple([ok(), atom("undefined")]),
    }
}

fn children(list: Vec<ChildInfo>) -> Term {
    let modules = |id: &str| with_world(|w| w.modules.get(id).copied().unwrap_or("conf_server"));
    Term::List(
        list.into_iter()
            .map(|c| {
                let status = match c.status {
                    ChildStatus::Running(p) => Term::Pid(p),
                    ChildStatus::Restarting => atom("restarting"),
                    ChildStatus::Stopped => atom("undefined"),
                };
                let kind = match c.child_type {
                    ChildType::Worker => "worker",
                    ChildType::Supervisor => "supervisor",
                };
                tuple([
                    atom(&c.id),
                    status,
                    atom(kind),
                    Term::list([atom(modules(&c.id))]),
                ])
            })
            .collect(),
    )
}

fn counts(c: ChildCounts) -> [(&'static str, Term); 4] {
    [
        ("specs", Term::int(c.specs as i64)),
        ("active", Term::int(c.active as i64)),
        ("supervisors", Term::int(c.supervisors as i64)),
        ("workers", Term::int(c.workers as i64)),
    ]
}

fn supervisor(t: &Term) -> Result<Supervisor, Raise> {
    let p = want_pid(t)?;
    Supervisor::from_pid(p).map_err(|_| Raise::Exit(atom("noproc")))
}

fn dyn_supervisor(t: &Term) -> Result<DynamicSupervisor<Term>, Raise> {
    let p = want_pid(t)?;
    DynamicSupervisor::<Term>::from_pid(p).map_err(|_| Raise::Exit(atom("noproc")))
}

/// The id argument of terminate/restart/delete: an atom (a pid is never an id).
fn id_text(t: &Term) -> String {
    as_atom(t).map_or_else(|| crate::terms::plain(t), str::to_string)
}

/// The supervisor and DynamicSupervisor actions; `None` if `op` is not one.
pub(crate) async fn action(op: &str, args: &[Term]) -> Option<Res> {
    let r = match (op, args) {
        ("sup_start_link", [l, f, kids]) => match want_atom(l) {
            Ok(l) => match start_sup(f, kids, l).await {
                Ok(Ok(sup)) => Ok(tuple([ok(), Term::Pid(sup.pid())])),
                Ok(Err(e)) => Ok(error(start_error(&e))),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        },
        ("start_child", [s, spec]) => start_child(s, spec).await,
        ("terminate_child", [s, id]) => match supervisor(s) {
            Ok(sup) => match sup.terminate_child(&id_text(id)).await {
                Ok(()) => Ok(ok()),
                Err(TerminateChildError::NotFound) => Ok(error(atom("not_found"))),
                Err(TerminateChildError::Call(e)) => Err(call_error(e)),
                Err(_) => Err(badarg()),
            },
            Err(e) => Err(e),
        },
        ("restart_child", [s, id]) => match supervisor(s) {
            Ok(sup) => match sup.restart_child(&id_text(id)).await {
                Ok(st) => Ok(started(st)),
                Err(RestartChildError::Running) => Ok(error(atom("running"))),
                Err(RestartChildError::Restarting) => Ok(error(atom("restarting"))),
                Err(RestartChildError::NotFound) => Ok(error(atom("not_found"))),
                Err(RestartChildError::StartFailed(r)) => Ok(error(reason_to_term(&r))),
                Err(RestartChildError::Call(e)) => Err(call_error(e)),
                Err(_) => Err(badarg()),
            },
            Err(e) => Err(e),
        },
        ("delete_child", [s, id]) => match supervisor(s) {
            Ok(sup) => match sup.delete_child(&id_text(id)).await {
                Ok(()) => Ok(ok()),
                Err(DeleteChildError::Running) => Ok(error(atom("running"))),
                Err(DeleteChildError::Restarting) => Ok(error(atom("restarting"))),
                Err(DeleteChildError::NotFound) => Ok(error(atom("not_found"))),
                Err(DeleteChildError::Call(e)) => Err(call_error(e)),
                Err(_) => Err(badarg()),
            },
            Err(e) => Err(e),
        },
        ("which_children", [s]) => match supervisor(s) {
            Ok(sup) => sup.which_children().await.map(children).map_err(call_error),
            Err(e) => Err(e),
        },
        ("count_children", [s]) => match supervisor(s) {
            Ok(sup) => sup
                .count_children()
                .await
                .map(|c| {
                    Term::List(
                        counts(c)
                            .into_iter()
                            .map(|(k, v)| tuple([atom(k), v]))
                            .collect(),
                    )
                })
                .map_err(call_error),
            Err(e) => Err(e),
        },
        ("childspec_field", [_, _, _]) => Err(unsupported("get_childspec")),
        ("dynsup_start_link", [l, opts]) => dynsup_start_link(l, opts).await,
        ("dynsup_start_child", [s, spec]) => dynsup_start_child(s, spec).await,
        ("dynsup_terminate_child", [s, p]) => match (dyn_supervisor(s), want_pid(p)) {
            (Ok(ds), Ok(p)) => match ds.terminate_child(p).await {
                Ok(()) => Ok(ok()),
                Err(TerminateChildError::NotFound) => Ok(error(atom("not_found"))),
                Err(TerminateChildError::Call(e)) => Err(call_error(e)),
                Err(_) => Err(badarg()),
            },
            (Err(e), _) | (_, Err(e)) => Err(e),
        },
        ("dynsup_which_children", [s]) => match dyn_supervisor(s) {
            Ok(ds) => ds.which_children().await.map(children).map_err(call_error),
            Err(e) => Err(e),
        },
        ("dynsup_count_children", [s]) => match dyn_supervisor(s) {
            Ok(ds) => ds
                .count_children()
                .await
                .map(|c| {
                    let kvs = counts(c).into_iter().map(|(k, v)| tuple([atom(k), v]));
                    tuple([atom("$map"), Term::List(kvs.collect())])
                })
                .map_err(call_error),
            Err(e) => Err(e),
        },
        _ => return None,
    };
    Some(r)
}

async fn start_child(s: &Term, spec: &Term) -> Res {
    let sup = supervisor(s)?;
    if as_list(spec).is_some() {
        return Err(unsupported("simple_one_for_one"));
    }
    let spec = child_spec(spec, None, None)?;
    match sup.start_child(spec).await {
        Ok(st) => Ok(started(st)),
        Err(StartChildError::AlreadyStarted(p)) => {
            Ok(error(tuple([atom("already_started"), Term::Pid(p)])))
        }
        Err(StartChildError::AlreadyPresent) => Ok(error(atom("already_present"))),
        Err(StartChildError::StartFailed(r)) => {
            Ok(error(tuple([reason_to_term(&r), atom("child")])))
        }
        Err(StartChildError::InvalidSpec(e)) => Ok(error(e.to_term())),
        Err(StartChildError::MaxChildren) => Ok(error(atom("max_children"))),
        Err(StartChildError::Call(e)) => Err(call_error(e)),
        Err(_) => Err(badarg()),
    }
}

async fn dynsup_start_link(l: &Term, opts: &Term) -> Res {
    let label = want_atom(l)?.to_string();
    let opts = as_list(opts).ok_or_else(badarg)?;
    let strategy = match prop(opts, "strategy").and_then(as_atom) {
        None | Some("one_for_one") => Strategy::OneForOne,
        Some("one_for_all") => Strategy::OneForAll,
        Some("rest_for_one") => Strategy::RestForOne,
        Some(_) => return Err(unsupported("invalid_strategy")),
    };
    let extra = prop(opts, "extra_arguments")
        .cloned()
        .unwrap_or_else(|| Term::list([]));
    let mut o = DynamicOptions::new()
        .strategy(strategy)
        .extra_arguments(extra);
    if let Some(n) = prop(opts, "max_children").and_then(as_int) {
        o = o.max_children(n.max(0) as usize);
    }
    if let Some(n) = prop(opts, "max_restarts").and_then(as_int) {
        o = o.intensity(n.max(0) as u32);
    }
    if let Some(n) = prop(opts, "max_seconds").and_then(as_int) {
        o = o.period(n.max(0) as u64);
    }
    match DynamicSupervisor::start_link(o).await {
        Ok(ds) => {
            hello_for(&label, ds.pid()).await;
            ev_for(ds.pid(), "init", None);
            Ok(tuple([ok(), Term::Pid(ds.pid())]))
        }
        Err(e) => Ok(error(start_error(&e))),
    }
}

async fn dynsup_start_child(s: &Term, spec: &Term) -> Res {
    let ds = dyn_supervisor(s)?;
    // Validate the spec here (errors are raised by the caller, as in Elixir).
    child_spec(spec, None, None)?;
    let spec = spec.clone();
    let r = ds
        .start_child_with(move |extra: &Term| {
            let extra = match as_list(extra) {
                Some([]) | None => None,
                Some(_) => Some(tuple([atom("extra_before"), extra.clone()])),
            };
            match child_spec(&spec, None, extra) {
                Ok(s) => s,
                Err(_) => ChildSpec::new("invalid", || async {
                    Err(ExitReason::atom("ember_unsupported"))
                }),
            }
        })
        .await;
    match r {
        Ok(Started::Pid(p)) => Ok(tuple([ok(), Term::Pid(p)])),
        Ok(Started::Ignore) => Ok(atom("ignore")),
        Err(StartChildError::StartFailed(r)) => Ok(error(reason_to_term(&r))),
        Err(StartChildError::MaxChildren) => Ok(error(atom("max_children"))),
        Err(StartChildError::InvalidSpec(e)) => Ok(error(e.to_term())),
        Err(StartChildError::Call(e)) => Err(call_error(e)),
        Err(_) => Err(badarg()),
    }
}
