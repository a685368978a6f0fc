//! Term helpers: construction, inspection, patterns, masks, wrappers, and the mapping between
//! ember's exit reasons and the Erlang terms of the trace.
//!
//! **Error normal forms** (FORMAT.md section 12). ember has no stack traces: an Erlang
//! `error(E)` is a Rust panic, and a panic ends a process with
//! [`ExitReason::Panic`]. The interpreter panics with the Erlang text of `E` as the message
//! (`panic!("boom")` for `crash`), and reads it back here: a panic whose message parses as a
//! term `E` is the Erlang reason `{E, '_stack'}`. ember's own term form of a panic,
//! `{panic, <<"boom">>}` (what [`ExitReason::to_term`] gives inside composed reasons such as
//! `{shutdown, {failed_to_start_child, Id, R}}`), is normalized the same way.

use ember_rt::{ExitReason, Pid, Ref, Term};

use crate::parse::parse_term;

/// An atom.
pub(crate) fn atom(name: &str) -> Term {
    Term::atom(name)
}

/// A tuple.
pub(crate) fn tuple<const N: usize>(items: [Term; N]) -> Term {
    Term::Tuple(items.into())
}

/// `true` / `false`.
pub(crate) fn boolean(b: bool) -> Term {
    atom(if b { "true" } else { "false" })
}

/// `ok`.
pub(crate) fn ok() -> Term {
    atom("ok")
}

/// Whether `t` is the atom `name`.
pub(crate) fn is_atom(t: &Term, name: &str) -> bool {
    t.as_atom() == Some(name)
}

/// The atom's name.
pub(crate) fn as_atom(t: &Term) -> Option<&str> {
    t.as_atom()
}

/// The integer.
pub(crate) fn as_int(t: &Term) -> Option<i64> {
    match t {
        Term::Int(i) => Some(*i),
        _ => None,
    }
}

/// The pid.
pub(crate) fn as_pid(t: &Term) -> Option<Pid> {
    match t {
        Term::Pid(p) => Some(*p),
        _ => None,
    }
}

/// The reference.
pub(crate) fn as_ref(t: &Term) -> Option<Ref> {
    match t {
        Term::Ref(r) => Some(*r),
        _ => None,
    }
}

/// The elements of a tuple.
pub(crate) fn as_tuple(t: &Term) -> Option<&[Term]> {
    match t {
        Term::Tuple(items) => Some(items),
        _ => None,
    }
}

/// The elements of a list.
pub(crate) fn as_list(t: &Term) -> Option<&[Term]> {
    match t {
        Term::List(items) => Some(items),
        _ => None,
    }
}

/// The value of `Key` in a proplist: `{Key, V}` gives `V`.
pub(crate) fn prop<'a>(list: &'a [Term], key: &str) -> Option<&'a Term> {
    list.iter().find_map(|t| match as_tuple(t) {
        Some([k, v]) if is_atom(k, key) => Some(v),
        _ => None,
    })
}

/// Whether the bare atom `flag` is in the list.
pub(crate) fn has_flag(list: &[Term], flag: &str) -> bool {
    list.iter().any(|t| is_atom(t, flag))
}

/// The Erlang text of a term, without labels (pids and refs print ember's way). Used for
/// panic messages, which [`reason_to_term`] parses back.
pub(crate) fn plain(t: &Term) -> String {
    let mut s = String::new();
    write_plain(&mut s, t);
    s
}

fn write_plain(out: &mut String, t: &Term) {
    match t {
        Term::Atom(a) => out.push_str(&quote_atom(a)),
        Term::Tuple(items) | Term::List(items) => {
            let (open, close) = if matches!(t, Term::Tuple(_)) {
                ('{', '}')
            } else {
                ('[', ']')
            };
            out.push(open);
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_plain(out, item);
            }
            out.push(close);
        }
        other => out.push_str(&other.to_string()),
    }
}

/// An atom as Erlang prints it: bare if it matches `[a-z][A-Za-z0-9_@]*`, else quoted.
pub(crate) fn quote_atom(a: &str) -> String {
    let mut chars = a.chars();
    let bare = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@');
    if bare {
        return a.to_string();
    }
    let mut s = String::from("'");
    for c in a.chars() {
        match c {
            '\'' => s.push_str("\\'"),
            '\\' => s.push_str("\\\\"),
            c => s.push(c),
        }
    }
    s.push('\'');
    s
}

/// The Erlang error term a panic message stands for: `{E, '_stack'}` if the message is the
/// text of a term `E`, else ember's own `{panic, <<"msg">>}`.
fn panic_term(message: &str) -> Term {
    match parse_term(message) {
        Ok(e) => tuple([e, atom("_stack")]),
        Err(_) => tuple([atom("panic"), Term::binary(message)]),
    }
}

/// The trace term of an exit reason (with the error normal form for panics).
pub(crate) fn reason_to_term(r: &ExitReason) -> Term {
    match r {
        ExitReason::Panic { message, .. } => panic_term(message),
        other => normalize(&other.to_term()),
    }
}

/// Replace ember's `{panic, <<"E">>}` by Erlang's `{E, '_stack'}` everywhere in a term.
pub(crate) fn normalize(t: &Term) -> Term {
    match t {
        Term::Tuple(items) => match items.as_slice() {
            [tag, Term::Binary(msg)] if is_atom(tag, "panic") => panic_term(msg),
            _ => Term::Tuple(items.iter().map(normalize).collect()),
        },
        Term::List(items) => Term::List(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
}

/// The ember exit reason for an Erlang reason term.
pub(crate) fn term_to_reason(t: &Term) -> ExitReason {
    if let Some(a) = as_atom(t) {
        return match a {
            "normal" => ExitReason::Normal,
            "shutdown" => ExitReason::Shutdown,
            "kill" => ExitReason::Kill,
            "killed" => ExitReason::Killed,
            "noproc" => ExitReason::NoProc,
            "noconnection" => ExitReason::NoConnection,
            _ => ExitReason::Term(t.clone()),
        };
    }
    if let Some([tag, detail]) = as_tuple(t) {
        if is_atom(tag, "shutdown") {
            return ExitReason::ShutdownWith(detail.clone());
        }
    }
    ExitReason::Term(t.clone())
}

/// Receive patterns (FORMAT.md 6.3): `'_'` matches anything, tuples and lists of the same
/// length match elementwise, anything else only an equal term.
pub(crate) fn matches(pattern: &Term, value: &Term) -> bool {
    match (pattern, value) {
        (p, _) if is_atom(p, "_") => true,
        (Term::Tuple(ps), Term::Tuple(vs)) | (Term::List(ps), Term::List(vs)) => {
            ps.len() == vs.len() && ps.iter().zip(vs).all(|(p, v)| matches(p, v))
        }
        (p, v) => p == v,
    }
}

/// The `mask` wrapper (FORMAT.md section 5).
pub(crate) fn mask(pattern: &Term, value: &Term) -> Term {
    match (pattern, value) {
        (p, _) if is_atom(p, "*") => atom("*"),
        (Term::Tuple(ps), Term::Tuple(vs)) if ps.len() == vs.len() => {
            Term::Tuple(ps.iter().zip(vs).map(|(p, v)| mask(p, v)).collect())
        }
        (Term::List(ps), Term::List(vs)) if ps.len() == vs.len() => {
            Term::List(ps.iter().zip(vs).map(|(p, v)| mask(p, v)).collect())
        }
        (_, v) => v.clone(),
    }
}

/// The wrappers of an action, outermost first stripped (FORMAT.md section 5).
#[derive(Debug, Clone, Default)]
pub(crate) struct Wrappers {
    /// `quiet`.
    pub(crate) quiet: bool,
    /// `timed`: `[lo, hi)`.
    pub(crate) timed: Option<(i64, i64)>,
    /// `approx`: `[lo, hi]`.
    pub(crate) approx: Option<(i64, i64)>,
    /// `mask`.
    pub(crate) mask: Option<Term>,
    /// `'try'`.
    pub(crate) catch_all: bool,
    /// `uncaught`.
    pub(crate) uncaught: bool,
}

/// Strip the wrappers: the core action and its wrappers.
pub(crate) fn strip(action: &Term) -> (Term, Wrappers) {
    let mut w = Wrappers::default();
    let mut a = action.clone();
    loop {
        let next = match as_tuple(&a) {
            Some([tag, inner]) if is_atom(tag, "quiet") => {
                w.quiet = true;
                inner.clone()
            }
            Some([tag, inner]) if is_atom(tag, "try") => {
                w.catch_all = true;
                inner.clone()
            }
            Some([tag, inner]) if is_atom(tag, "uncaught") => {
                w.uncaught = true;
                inner.clone()
            }
            Some([tag, p, inner]) if is_atom(tag, "mask") => {
                w.mask = Some(p.clone());
                inner.clone()
            }
            Some([tag, lo, hi, inner]) if is_atom(tag, "timed") || is_atom(tag, "approx") => {
                let (Some(lo), Some(hi)) = (as_int(lo), as_int(hi)) else {
                    break;
                };
                if is_atom(tag, "timed") {
                    w.timed = Some((lo, hi));
                } else {
                    w.approx = Some((lo, hi));
                }
                inner.clone()
            }
            _ => break,
        };
        a = next;
    }
    (a, w)
}

/// The op name printed for a core action: the atom, or a tuple's first element.
pub(crate) fn op_name(core: &Term) -> String {
    match core {
        Term::Atom(a) => a.to_string(),
        Term::Tuple(items) => items.first().and_then(as_atom).unwrap_or("?").to_string(),
        _ => "?".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Term {
        parse_term(s).unwrap()
    }

    #[test]
    fn patterns() {
        assert!(matches(&p("'_'"), &p("{a,1}")));
        assert!(matches(&p("{'EXIT','_','_'}"), &p("{'EXIT',x,y}")));
        assert!(!matches(&p("{'EXIT','_'}"), &p("{'EXIT',x,y}")));
        assert!(matches(&p("[a,'_']"), &p("[a,b]")));
        assert!(!matches(&p("go"), &p("stop")));
    }

    #[test]
    fn masks() {
        assert_eq!(
            mask(&p("{'_',{'_','*'}}"), &p("{error,{nope,x}}")),
            p("{error,{nope,'*'}}")
        );
        assert_eq!(mask(&p("{'_','*'}"), &p("{ok,7}")), p("{ok,'*'}"));
        assert_eq!(mask(&p("{'_','*'}"), &p("{a,b,c}")), p("{a,b,c}"));
    }

    #[test]
    fn wrappers_nest() {
        let (core, w) = strip(&p("{quiet,{mask,{'_','*'},{timed,1,2,{call,s,ping}}}}"));
        assert_eq!(core, p("{call,s,ping}"));
        assert!(w.quiet);
        assert_eq!(w.timed, Some((1, 2)));
        assert!(w.mask.is_some());
        assert_eq!(op_name(&core), "call");
    }

    #[test]
    fn panics_are_erlang_errors() {
        let r = ExitReason::Panic {
            message: "boom".into(),
            location: None,
        };
        assert_eq!(reason_to_term(&r), p("{boom,'_stack'}"));
        let r = ExitReason::Panic {
            message: "{nocatch,oops}".into(),
            location: None,
        };
        assert_eq!(reason_to_term(&r), p("{{nocatch,oops},'_stack'}"));
        let nested = tuple([
            atom("shutdown"),
            tuple([atom("panic"), Term::binary("boom")]),
        ]);
        assert_eq!(normalize(&nested), p("{shutdown,{boom,'_stack'}}"));
        let odd = ExitReason::Panic {
            message: "index out of bounds: 3".into(),
            location: None,
        };
        assert_eq!(
            reason_to_term(&odd),
            tuple([atom("panic"), Term::binary("index out of bounds: 3")])
        );
    }

    #[test]
    fn reasons_round_trip() {
        for s in [
            "normal",
            "shutdown",
            "{shutdown,x}",
            "kill",
            "killed",
            "noproc",
            "foo",
            "{my,[reason,1],2}",
        ] {
            assert_eq!(reason_to_term(&term_to_reason(&p(s))), p(s), "{s}");
        }
    }

    #[test]
    fn plain_text_parses_back() {
        let t = p("{'EXIT',[a,'B'],-3,'it\\'s'}");
        assert_eq!(parse_term(&plain(&t)).unwrap(), t);
    }
}
