//! Timer actions (FORMAT.md 6.4) on `ember_rt`'s timers.
//!
//! | Erlang | ember |
//! |---|---|
//! | `erlang:send_after(T, Pid, M)` | [`ember_rt::send_after`] (the timer dies with `Pid`) |
//! | `erlang:send_after(T, Name, M)` | [`ember_rt::send_after_named`] (name resolved when it fires) |
//! | `erlang:start_timer(T, Dest, M)` | `send_after` of `{timeout, TRef, M}` |
//! | `erlang:cancel_timer/1,2`, `read_timer/1` | [`ember_rt::cancel_timer`], [`ember_rt::read_timer`] (ms left, or `false`) |
//! | `timer:send_after/3` | `send_after`, returning `{ok, TRef}` |
//! | `timer:send_interval/3` | [`ember_rt::send_interval_with`]; the interval is owned by the destination (OTP 25 E5); a name is resolved to its process when the interval starts |
//! | `timer:cancel/1` | `cancel_timer`; `{ok, cancel}` for any timer, `{error, badarg}` for anything else |
//!
//! `cancel_timer` with `{async, true}` has no ember counterpart.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use ember_otp::gen_server::Envelope;
use ember_rt::{Ref, Term};

use crate::actor::ActorMsg;
use crate::exec::{Raise, Res, badarg, unsupported};
use crate::otp::ConfServer;
use crate::terms::{
    as_atom, as_int, as_list, as_pid, as_ref, as_tuple, atom, boolean, is_atom, ok, tuple,
};
use crate::world::{Timer, with_world};

/// The timer actions; `None` if `op` is not one.
pub(crate) fn action(op: &str, args: &[Term]) -> Option<Res> {
    let r = match (op, args) {
        ("send_after", [t, dest, m]) => start(t, dest, m, false).map(Term::Ref),
        ("start_timer", [t, dest, m]) => start(t, dest, m, true).map(Term::Ref),
        ("cancel_timer", [r]) => cancel(r, &Term::list([])),
        ("cancel_timer", [r, opts]) => cancel(r, opts),
        ("read_timer", [r]) => as_ref(r)
            .ok_or_else(badarg)
            .map(|r| millis_or_false(lookup(r).and_then(|t| read(&t)))),
        ("timer_send_after", [t, dest, m]) => {
            start(t, dest, m, false).map(|r| tuple([ok(), Term::Ref(r)]))
        }
        ("timer_send_interval", [t, dest, m]) => interval(t, dest, m).map(|r| tuple([ok(), r])),
        ("timer_cancel", [r]) => Ok(match as_ref(r).and_then(lookup) {
            Some(t) => {
                if let Timer::Ember(t) = t {
                    ember_rt::cancel_timer(&t);
                }
                tuple([ok(), atom("cancel")])
            }
            None => tuple([atom("error"), atom("badarg")]),
        }),
        _ => return None,
    };
    Some(r)
}

fn lookup(r: Ref) -> Option<Timer> {
    with_world(|w| w.timers.get(&r).cloned())
}

fn remember(timer: Timer, r: Ref) -> Ref {
    with_world(|w| w.timers.insert(r, timer));
    r
}

fn read(t: &Timer) -> Option<Duration> {
    match t {
        Timer::Ember(t) => ember_rt::read_timer(t),
        Timer::Dead => None,
    }
}

fn millis_or_false(d: Option<Duration>) -> Term {
    match d {
        Some(d) => Term::int(d.as_millis() as i64),
        None => boolean(false),
    }
}

fn want_ms(t: &Term) -> Result<Duration, Raise> {
    match as_int(t) {
        Some(ms) if ms >= 0 => Ok(Duration::from_millis(ms as u64)),
        _ => Err(badarg()),
    }
}

/// `send_after` / `start_timer`: the timer's reference.
fn start(t: &Term, dest: &Term, m: &Term, wrap: bool) -> Result<Ref, Raise> {
    let after = want_ms(t)?;
    let slot = Arc::new(OnceLock::new());
    let make = |m: &Term| {
        if wrap {
            ActorMsg::Timeout(slot.clone(), m.clone())
        } else {
            ActorMsg::Term(m.clone())
        }
    };
    let timer = match (as_pid(dest), as_atom(dest)) {
        (Some(p), _) => {
            if let Ok(p) = p.typed::<ActorMsg>() {
                Some(ember_rt::send_after(after, p, make(m)))
            } else if let Ok(p) = p.typed::<Envelope<ConfServer>>() {
                if wrap {
                    return Err(unsupported("start_timer_to_server"));
                }
                Some(ember_rt::send_after(after, p, Envelope::info(m.clone())))
            } else {
                None
            }
        }
        (_, Some(name)) => Some(ember_rt::send_after_named(after, name, make(m))),
        _ => return Err(badarg()),
    };
    let r = match &timer {
        Some(t) => remember(Timer::Ember(t.clone()), t.reference()),
        None => remember(Timer::Dead, Ref::new()),
    };
    let _ = slot.set(r);
    Ok(r)
}

/// `timer:send_interval/3`.
fn interval(t: &Term, dest: &Term, m: &Term) -> Res {
    let every = want_ms(t)?;
    let target = match (as_pid(dest), as_atom(dest)) {
        (Some(p), _) => Some(p),
        (_, Some(name)) => ember_rt::whereis(name),
        _ => return Err(badarg()),
    };
    let m = m.clone();
    let timer = match target.and_then(|p| p.typed::<ActorMsg>().ok()) {
        Some(p) => Timer::Ember(ember_rt::send_interval_with(every, p, move || {
            ActorMsg::Term(m.clone())
        })),
        None => Timer::Dead,
    };
    let r = match &timer {
        Timer::Ember(t) => t.reference(),
        Timer::Dead => Ref::new(),
    };
    Ok(Term::Ref(remember(timer, r)))
}

/// `erlang:cancel_timer(R, Opts)`.
fn cancel(r: &Term, opts: &Term) -> Res {
    let r = as_ref(r).ok_or_else(badarg)?;
    let opts = as_list(opts).ok_or_else(badarg)?;
    let mut info = true;
    for o in opts {
        match as_tuple(o) {
            Some([k, v]) if is_atom(k, "async") && is_atom(v, "true") => {
                return Err(unsupported("cancel_timer_async"));
            }
            Some([k, v]) if is_atom(k, "async") && is_atom(v, "false") => {}
            Some([k, v]) if is_atom(k, "info") => info = !is_atom(v, "false"),
            _ => return Err(badarg()),
        }
    }
    let left = match lookup(r) {
        Some(Timer::Ember(t)) => ember_rt::cancel_timer(&t),
        _ => None,
    };
    Ok(if info { millis_or_false(left) } else { ok() })
}
