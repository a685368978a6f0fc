//! A small Erlang-style term: the payload of user-defined exit reasons.
//!
//! OTP reasons are terms (`foo`, `{shutdown, db_down}`, `{badarg, 3}`). ember's own reasons are
//! enum variants of [`ExitReason`](crate::ExitReason); `Term` is for the user-defined ones, so
//! they stay structured (comparable, printable in Erlang syntax, and later encodable for the
//! distribution protocol) instead of being strings.

use std::fmt;
use std::sync::Arc;

use crate::{Pid, Ref};

/// An Erlang-style term.
///
/// ```
/// use ember_rt::Term;
/// let t = Term::tuple([Term::atom("error"), Term::int(42)]);
/// assert_eq!(t.to_string(), "{error,42}");
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Term {
    /// An atom, e.g. `foo`.
    Atom(Arc<str>),
    /// An integer.
    Int(i64),
    /// A binary string, printed `<<"...">>`.
    Binary(Arc<str>),
    /// A tuple `{A, B, ...}`.
    Tuple(Vec<Term>),
    /// A list `[A, B, ...]`.
    List(Vec<Term>),
    /// A process id.
    Pid(Pid),
    /// A reference.
    Ref(Ref),
}

impl Term {
    /// An atom.
    ///
    /// ```
    /// assert_eq!(ember_rt::Term::atom("ok").to_string(), "ok");
    /// ```
    pub fn atom(name: &str) -> Term {
        Term::Atom(Arc::from(name))
    }

    /// An integer.
    ///
    /// ```
    /// assert_eq!(ember_rt::Term::int(-3).to_string(), "-3");
    /// ```
    pub fn int(value: i64) -> Term {
        Term::Int(value)
    }

    /// A tuple of the given elements.
    ///
    /// ```
    /// use ember_rt::Term;
    /// assert_eq!(Term::tuple([Term::int(1), Term::int(2)]).to_string(), "{1,2}");
    /// ```
    pub fn tuple(items: impl IntoIterator<Item = Term>) -> Term {
        Term::Tuple(items.into_iter().collect())
    }

    /// A list of the given elements.
    ///
    /// ```
    /// use ember_rt::Term;
    /// assert_eq!(Term::list([Term::int(1)]).to_string(), "[1]");
    /// ```
    pub fn list(items: impl IntoIterator<Item = Term>) -> Term {
        Term::List(items.into_iter().collect())
    }

    /// A binary string.
    ///
    /// ```
    /// assert_eq!(ember_rt::Term::binary("hi").to_string(), "<<\"hi\">>");
    /// ```
    pub fn binary(text: &str) -> Term {
        Term::Binary(Arc::from(text))
    }

    /// The atom's name, if this is an atom.
    ///
    /// ```
    /// assert_eq!(ember_rt::Term::atom("x").as_atom(), Some("x"));
    /// ```
    pub fn as_atom(&self) -> Option<&str> {
        match self {
            Term::Atom(a) => Some(a),
            _ => None,
        }
    }
}

impl From<&str> for Term {
    fn from(atom: &str) -> Term {
        Term::atom(atom)
    }
}

impl From<i64> for Term {
    fn from(v: i64) -> Term {
        Term::Int(v)
    }
}

fn write_seq(f: &mut fmt::Formatter<'_>, items: &[Term]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(",")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

fn atom_needs_quotes(a: &str) -> bool {
    let mut chars = a.chars();
    match chars.next() {
        Some(c) if c.is_ascii_lowercase() => {}
        _ => return true,
    }
    !chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '@')
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Atom(a) if atom_needs_quotes(a) => write!(f, "'{a}'"),
            Term::Atom(a) => f.write_str(a),
            Term::Int(i) => write!(f, "{i}"),
            Term::Binary(s) => write!(f, "<<{s:?}>>"),
            Term::Tuple(items) => {
                f.write_str("{")?;
                write_seq(f, items)?;
                f.write_str("}")
            }
            Term::List(items) => {
                f.write_str("[")?;
                write_seq(f, items)?;
                f.write_str("]")
            }
            Term::Pid(p) => write!(f, "{p}"),
            Term::Ref(r) => write!(f, "{r}"),
        }
    }
}

impl fmt::Debug for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
