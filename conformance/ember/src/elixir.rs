//! The Elixir actions of FORMAT.md section 10 on ember-otp's [`Task`], [`Agent`] and
//! [`Registry`] (the DynamicSupervisor ones are in `sup`).
//!
//! | Elixir | ember |
//! |---|---|
//! | `Task.async(fn)` | [`Task::spawn`] (linked, watched); the value is `%Task{}` (a handle in the world table) |
//! | `Task.await(t, ms)` | [`Task::await_timeout`]; ember returns the failure, the interpreter raises Elixir's exit `{R, {Task, await, [T, Ms]}}` from it |
//! | `Task.yield(t, ms)`, `Task.shutdown(t, how)` | [`Task::yield_timeout`], [`Task::shutdown`] |
//! | `Agent.start_link(fn)`, `get`, `update`, `cast`, `stop` | [`Agent`]'s methods of the same names |
//! | `Registry.start_link(keys: K, name: N)` | [`Registry::new`] + [`Registry::start_link`]; the handle is found by `N` |
//! | `Registry.register/unregister/lookup/count` | the methods of the same names |
//!
//! A task's body runs in the task process (no mailbox: message actions are unavailable
//! there). Its value is the last action's value; a terminal `exit(R)` ends the task with `R`
//! (`ember_rt::exit` to itself), an error panics (`{E, '_stack'}`).
//!
//! `Task.Supervisor` is not implemented in ember-otp (see `task.rs`).

use std::time::Duration;

use ember_otp::agent::Agent;
use ember_otp::child::Shutdown;
use ember_otp::gen_server::CallError;
use ember_otp::registry::{Keys, Registry, RegistryError};
use ember_otp::task::{Task, TaskError};
use ember_rt::{ExitReason, Pid, Ref, Term, Timeout};

use crate::actor::{hello, hello_nowait, label_msg, terminate};
use crate::exec::{Exec, Raise, Res, badarg, unsupported, want_atom, want_pid, want_timeout};
use crate::otp::call_exit_reason;
use crate::terms::{as_atom, as_int, as_tuple, atom, is_atom, ok, tuple};
use crate::world::with_world;

/// The Elixir actions; `None` if `op` is not one.
pub(crate) async fn action(op: &str, args: &[Term]) -> Option<Res> {
    let r = match (op, args) {
        ("task_async", [l, body]) => task_async(l, body),
        ("task_await", [t, ms]) => task_await(t, ms).await,
        ("task_yield", [t, ms]) => task_yield(t, ms).await,
        ("task_shutdown", [t, how]) => task_shutdown(t, how).await,
        ("task_sup_start_link", [_]) | ("task_async_nolink", [_, _, _]) => {
            Err(unsupported("task_supervisor"))
        }
        ("agent_start_link", [l, v]) => agent_start(l, v).await,
        ("agent_get", [a]) => agent_get(a, 0, &Term::int(5000)).await,
        ("agent_get", [a, sleep, t]) => agent_get(a, as_int(sleep).unwrap_or(0), t).await,
        ("agent_update", [a, v]) => match agent(a) {
            Ok(ag) => {
                let v = v.clone();
                ag.update(move |s| *s = v)
                    .await
                    .map(|()| ok())
                    .map_err(|e| agent_exit(&e, a, 5000))
            }
            Err(e) => Err(e),
        },
        ("agent_cast", [a, v]) => agent(a).map(|ag| {
            let v = v.clone();
            ag.cast(move |s| *s = v);
            ok()
        }),
        ("agent_stop", [a]) => match agent(a) {
            Ok(ag) => match ag.stop(ExitReason::Normal, Timeout::Infinity).await {
                Ok(()) => Ok(ok()),
                Err(e) => Err(agent_exit(&e, a, -1)),
            },
            Err(e) => Err(e),
        },
        ("registry_start_link", [name, keys]) => registry_start(name, keys),
        ("registry_register", [r, k, v]) => {
            registry(r).and_then(|(reg, owner)| match reg.register(k.clone(), v.clone()) {
                Ok(()) => Ok(tuple([ok(), Term::Pid(owner)])),
                Err(RegistryError::AlreadyRegistered(p)) => Ok(tuple([
                    atom("error"),
                    tuple([atom("already_registered"), Term::Pid(p)]),
                ])),
                Err(_) => Err(badarg()),
            })
        }
        ("registry_unregister", [r, k]) => {
            registry(r).and_then(|(reg, _)| reg.unregister(k).map(|()| ok()).map_err(|_| badarg()))
        }
        ("registry_lookup", [r, k]) => registry(r).map(|(reg, _)| {
            Term::List(
                reg.lookup(k)
                    .into_iter()
                    .map(|(p, v)| tuple([Term::Pid(p), v]))
                    .collect(),
            )
        }),
        ("registry_count", [r]) => registry(r).map(|(reg, _)| Term::int(reg.count() as i64)),
        _ => return None,
    };
    Some(r)
}

// ---- Task ------------------------------------------------------------------------------

fn task_async(l: &Term, body: &Term) -> Res {
    let label = want_atom(l)?.to_string();
    let (lb, body) = (label.clone(), body.clone());
    let task = Task::spawn(async move {
        hello(&lb).await;
        match Exec::new(None).run_body(&body).await {
            Ok(v) => v,
            Err(Raise::Exit(r)) => {
                // exit(R) in a task: a task's future cannot choose its exit reason, so the
                // task sends itself the exit signal R (the same for every R but `kill`, which
                // would become `killed`, and unless the task traps exits).
                ember_rt::exit(ember_rt::self_pid(), crate::terms::term_to_reason(&r));
                std::future::pending::<Term>().await
            }
            // An error or a throw: `terminate` panics with it.
            Err(other) => {
                let _never = terminate(other);
                std::future::pending::<Term>().await
            }
        }
    });
    let pid = task.pid();
    label_msg(&label, pid);
    let handle = Ref::new();
    with_world(|w| w.tasks.insert(handle, task));
    Ok(tuple([atom("$task"), Term::Pid(pid), Term::Ref(handle)]))
}

fn task_handle(t: &Term) -> Result<Ref, Raise> {
    match as_tuple(t) {
        Some([tag, Term::Pid(_), Term::Ref(r)]) if is_atom(tag, "$task") => Ok(*r),
        _ => Err(badarg()),
    }
}

fn take_task(t: &Term) -> Result<(Ref, Task<Term>), Raise> {
    let h = task_handle(t)?;
    with_world(|w| w.tasks.remove(&h))
        .map(|task| (h, task))
        .ok_or_else(badarg)
}

fn put_task(h: Ref, task: Task<Term>) {
    with_world(|w| w.tasks.insert(h, task));
}

fn task_exit(reason: Term, t: &Term, ms: &Term) -> Raise {
    Raise::Exit(tuple([
        reason,
        tuple([
            atom("Elixir.Task"),
            atom("await"),
            Term::list([t.clone(), ms.clone()]),
        ]),
    ]))
}

async fn task_await(t: &Term, ms: &Term) -> Res {
    let timeout = want_timeout(ms)?;
    let (h, mut task) = take_task(t)?;
    let r = task.await_timeout(timeout).await;
    put_task(h, task);
    match r {
        Ok(v) => Ok(v),
        Err(TaskError::Timeout) => Err(task_exit(atom("timeout"), t, ms)),
        Err(TaskError::Exit(r)) => Err(task_exit(crate::terms::reason_to_term(&r), t, ms)),
        Err(_) => Err(badarg()),
    }
}

fn yielded(r: Result<Option<Term>, TaskError>) -> Res {
    match r {
        Ok(Some(v)) => Ok(tuple([ok(), v])),
        Ok(None) => Ok(atom("nil")),
        Err(TaskError::Exit(r)) => Ok(tuple([atom("exit"), crate::terms::reason_to_term(&r)])),
        Err(_) => Err(badarg()),
    }
}

async fn task_yield(t: &Term, ms: &Term) -> Res {
    let timeout = want_timeout(ms)?;
    let (h, mut task) = take_task(t)?;
    let r = task.yield_timeout(timeout).await;
    put_task(h, task);
    yielded(r)
}

async fn task_shutdown(t: &Term, how: &Term) -> Res {
    let how = if is_atom(how, "brutal_kill") {
        Shutdown::BrutalKill
    } else {
        match want_timeout(how)? {
            Timeout::Infinity => Shutdown::Infinity,
            Timeout::After(d) => Shutdown::Timeout(d),
        }
    };
    let (_, task) = take_task(t)?;
    yielded(task.shutdown(how).await)
}

// ---- Agent -----------------------------------------------------------------------------

fn agent(a: &Term) -> Result<Agent<Term>, Raise> {
    let p = want_pid(a)?;
    with_world(|w| w.agents.get(&p).copied()).ok_or(Raise::Exit(atom("noproc")))
}

/// Elixir's exit for a failed agent call: `{R, {'Elixir.GenServer', call, [A, Fun, T]}}`.
fn agent_exit(e: &CallError, a: &Term, ms: i64) -> Raise {
    let t = if ms < 0 {
        atom("infinity")
    } else {
        Term::int(ms)
    };
    Raise::Exit(call_exit_reason(
        e,
        "Elixir.GenServer",
        "call",
        Term::list([a.clone(), atom("$fun"), t]),
    ))
}

async fn agent_start(l: &Term, v: &Term) -> Res {
    let label = want_atom(l)?.to_string();
    let (lb, v) = (label.clone(), v.clone());
    match Agent::start_link(move || {
        hello_nowait(&lb);
        v
    })
    .await
    {
        Ok(ag) => {
            let pid: Pid = ag.pid();
            label_msg(&label, pid);
            with_world(|w| w.agents.insert(pid, ag));
            Ok(tuple([ok(), Term::Pid(pid)]))
        }
        Err(e) => Ok(tuple([
            atom("error"),
            crate::terms::reason_to_term(&ExitReason::from(e)),
        ])),
    }
}

async fn agent_get(a: &Term, sleep_ms: i64, t: &Term) -> Res {
    let ag = agent(a)?;
    let timeout = want_timeout(t)?;
    let ms = as_int(t).unwrap_or(-1);
    let sleep = Duration::from_millis(sleep_ms.max(0) as u64);
    // Agent functions are synchronous Rust closures run inside the agent: sleeping there
    // blocks the agent's process, as `:timer.sleep` in the Elixir function does.
    ag.get_timeout(
        move |s: &Term| {
            if !sleep.is_zero() {
                std::thread::sleep(sleep);
            }
            s.clone()
        },
        timeout,
    )
    .await
    .map_err(|e| agent_exit(&e, a, ms))
}

// ---- Registry --------------------------------------------------------------------------

/// A registry by name, and its partition (Elixir's `{:ok, owner}` of `register`).
fn registry(r: &Term) -> Result<(Registry<Term, Term>, Pid), Raise> {
    let name = want_atom(r)?;
    with_world(|w| w.registries.get(name).cloned()).ok_or_else(badarg)
}

fn registry_start(name: &Term, keys: &Term) -> Res {
    let name = want_atom(name)?.to_string();
    let keys = match as_atom(keys) {
        Some("unique") => Keys::Unique,
        Some("duplicate") => Keys::Duplicate,
        _ => return Err(badarg()),
    };
    let reg: Registry<Term, Term> = Registry::new(keys);
    match reg.start_link() {
        Ok(pid) => {
            with_world(|w| w.registries.insert(name, (reg, pid)));
            Ok(tuple([ok(), Term::Pid(pid)]))
        }
        Err(RegistryError::AlreadyRunning(p)) => Ok(tuple([
            atom("error"),
            tuple([atom("already_started"), Term::Pid(p)]),
        ])),
        Err(_) => Err(badarg()),
    }
}
