//! Labels, bindings and the deterministic term printer of the trace (FORMAT.md 4, 11.3, 12).
//!
//! [`Labels`] is the director's naming state: binding names → values, pids/refs → labels,
//! and the labels in use. [`Labels::render`] prints a term the way the Erlang interpreter
//! does: pids as `<label>`, references as `#label`, unlabelled ones named `pN` / `refN` by
//! first appearance (depth first, left to right), atoms quoted only when needed.
//!
//! Interpreter-internal shapes print as their Erlang counterparts: `{'$task', Pid, Handle}`
//! is the Elixir `%Task{}` (`%Task{<pid>}`), `{'$map', [{K, V}...]}` a map (`#{k=>v}`,
//! sorted by key), the atom `'$fun'` a fun (`#fun`).

use std::collections::{HashMap, HashSet};

use ember_rt::{Pid, Ref, Term};

use crate::terms::{as_atom, as_tuple, is_atom, normalize, quote_atom};

/// What carries a label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Key {
    /// A process.
    Pid(Pid),
    /// A reference.
    Ref(Ref),
}

/// The director's names.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    /// Binding name → value (labels are bindings too).
    pub(crate) names: HashMap<String, Term>,
    labels: HashMap<Key, String>,
    used: HashSet<String>,
    pcount: usize,
    rcount: usize,
    /// The director's own pid, printed `<director>`.
    pub(crate) director: Option<Pid>,
}

impl Labels {
    /// Labels of a scenario whose director is `director`.
    pub(crate) fn new(director: Pid) -> Labels {
        Labels {
            director: Some(director),
            ..Labels::default()
        }
    }

    /// The first free label among `base`, `base@2`, `base@3`, ...
    pub(crate) fn free_label(&self, base: &str) -> String {
        let mut k = 1;
        loop {
            let l = if k == 1 {
                base.to_string()
            } else {
                format!("{base}@{k}")
            };
            if !self.used.contains(&l) {
                return l;
            }
            k += 1;
        }
    }

    /// Give `key` the label `base` (or the first free `base@K`). Returns the label if it was
    /// newly assigned, `None` if `key` already had one.
    pub(crate) fn assign(&mut self, base: &str, key: Key, value: Term) -> Option<String> {
        if self.labels.contains_key(&key) {
            return None;
        }
        let l = self.free_label(base);
        self.labels.insert(key, l.clone());
        self.used.insert(l.clone());
        self.names.insert(l.clone(), value);
        Some(l)
    }

    /// The label of a pid, naming it `pN` on first appearance.
    pub(crate) fn pid_label(&mut self, p: Pid) -> String {
        if Some(p) == self.director {
            return "director".to_string();
        }
        if let Some(l) = self.labels.get(&Key::Pid(p)) {
            return l.clone();
        }
        self.pcount += 1;
        let base = format!("p{}", self.pcount);
        self.assign(&base, Key::Pid(p), Term::Pid(p))
            .unwrap_or_default()
    }

    fn ref_label(&mut self, r: Ref) -> String {
        if let Some(l) = self.labels.get(&Key::Ref(r)) {
            return l.clone();
        }
        self.rcount += 1;
        let base = format!("ref{}", self.rcount);
        self.assign(&base, Key::Ref(r), Term::Ref(r))
            .unwrap_or_default()
    }

    /// Print a term for the trace.
    pub(crate) fn render(&mut self, t: &Term) -> String {
        let mut out = String::new();
        self.write(&mut out, &normalize(t));
        out
    }

    fn write(&mut self, out: &mut String, t: &Term) {
        match t {
            Term::Atom(a) if &**a == "$fun" => out.push_str("#fun"),
            Term::Atom(a) => out.push_str(&quote_atom(a)),
            Term::Int(i) => out.push_str(&i.to_string()),
            Term::Binary(s) => {
                out.push_str("<<\"");
                out.push_str(s);
                out.push_str("\">>");
            }
            Term::Pid(p) => {
                let l = self.pid_label(*p);
                out.push('<');
                out.push_str(&l);
                out.push('>');
            }
            Term::Ref(r) => {
                let l = self.ref_label(*r);
                out.push('#');
                out.push_str(&l);
            }
            Term::Tuple(items) => match items.as_slice() {
                [tag, Term::Pid(p), _] if is_atom(tag, "$task") => {
                    out.push_str("%Task{");
                    self.write(out, &Term::Pid(*p));
                    out.push('}');
                }
                [tag, Term::List(entries)] if is_atom(tag, "$map") => self.write_map(out, entries),
                _ => self.write_seq(out, '{', items, '}'),
            },
            Term::List(items) => self.write_seq(out, '[', items, ']'),
            other => out.push_str(&other.to_string()),
        }
    }

    fn write_seq(&mut self, out: &mut String, open: char, items: &[Term], close: char) {
        out.push(open);
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            self.write(out, item);
        }
        out.push(close);
    }

    /// `#{k=>v,...}`; the maps of the trace have atom keys, sorted bytewise.
    fn write_map(&mut self, out: &mut String, entries: &[Term]) {
        let mut kvs: Vec<(String, Term)> = entries
            .iter()
            .filter_map(|e| match as_tuple(e) {
                Some([k, v]) => Some((as_atom(k).unwrap_or("").to_string(), v.clone())),
                _ => None,
            })
            .collect();
        kvs.sort_by(|a, b| a.0.cmp(&b.0));
        out.push_str("#{");
        for (i, (k, v)) in kvs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&quote_atom(k));
            out.push_str("=>");
            self.write(out, v);
        }
        out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse_term;
    use crate::terms::{atom, tuple};

    #[test]
    fn atoms_and_shapes() {
        let mut l = Labels::default();
        let t = parse_term("{'EXIT',[a,'B'],-3,'_stack','it\\'s',w1@2,'*'}").unwrap();
        assert_eq!(
            l.render(&t),
            "{'EXIT',[a,'B'],-3,'_stack','it\\'s',w1@2,'*'}"
        );
        assert_eq!(l.render(&atom("Elixir.Task")), "'Elixir.Task'");
        let map = tuple([
            atom("$map"),
            Term::list([
                tuple([atom("workers"), Term::int(2)]),
                tuple([atom("active"), Term::int(1)]),
            ]),
        ]);
        assert_eq!(l.render(&map), "#{active=>1,workers=>2}");
        assert_eq!(l.render(&atom("$fun")), "#fun");
    }

    #[test]
    fn free_labels() {
        let mut l = Labels::default();
        let r1 = Ref::new();
        let r2 = Ref::new();
        assert_eq!(
            l.assign("w1", Key::Ref(r1), Term::Ref(r1)),
            Some("w1".to_string())
        );
        assert_eq!(
            l.assign("w1", Key::Ref(r2), Term::Ref(r2)),
            Some("w1@2".to_string())
        );
        assert_eq!(l.assign("x", Key::Ref(r2), Term::Ref(r2)), None);
        let r3 = Ref::new();
        assert_eq!(
            l.render(&Term::list([Term::Ref(r3), Term::Ref(r1), Term::Ref(r3)])),
            "[#ref1,#w1,#ref1]"
        );
    }
}
