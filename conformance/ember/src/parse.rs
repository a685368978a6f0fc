//! The scenario file parser: the subset of Erlang term syntax of FORMAT.md section 2.
//!
//! ```text
//! file    = { term "." } ;
//! term    = atom | integer | tuple | list ;
//! atom    = lower { alnum | "_" | "@" } | "'" { char | "\\" | "\'" } "'" ;
//! integer = [ "-" ] digit { digit } ;
//! tuple   = "{" [ term { "," term } ] "}" ;
//! list    = "[" [ term { "," term } ] "]" ;
//! comment = "%" ... end of line ;
//! ```
//!
//! Terms are [`ember_rt::Term`]s. [`parse_term`] reads one term without the final `.`; the
//! interpreter uses it to read back the Erlang term carried by a panic message.

use ember_rt::Term;

/// A syntax error, with the byte offset where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// Byte offset in the input.
    pub(crate) at: usize,
    /// What was wrong.
    pub(crate) what: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.what, self.at)
    }
}

struct Parser<'a> {
    src: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str) -> Parser<'a> {
        Parser {
            src: src.as_bytes(),
            pos: 0,
        }
    }

    fn err<T>(&self, what: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            at: self.pos,
            what: what.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    /// Skip whitespace and `%` comments.
    fn skip(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_ascii_whitespace() {
                self.pos += 1;
            } else if c == b'%' {
                while let Some(c) = self.peek() {
                    self.pos += 1;
                    if c == b'\n' {
                        break;
                    }
                }
            } else {
                break;
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseError> {
        self.skip();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(format!("expected `{}`", c as char))
        }
    }

    fn term(&mut self) -> Result<Term, ParseError> {
        self.skip();
        match self.peek() {
            Some(b'{') => self.seq(b'}').map(Term::Tuple),
            Some(b'[') => self.seq(b']').map(Term::List),
            Some(b'\'') => self.quoted(),
            Some(c) if c.is_ascii_lowercase() => Ok(self.bare()),
            Some(c) if c.is_ascii_digit() || c == b'-' => self.integer(),
            Some(c) => self.err(format!("unexpected `{}`", c as char)),
            None => self.err("unexpected end of input"),
        }
    }

    /// `{ ... }` or `[ ... ]`, the opening bracket not consumed yet.
    fn seq(&mut self, close: u8) -> Result<Vec<Term>, ParseError> {
        self.pos += 1;
        let mut items = Vec::new();
        self.skip();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(items);
        }
        loop {
            items.push(self.term()?);
            self.skip();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(c) if c == close => {
                    self.pos += 1;
                    return Ok(items);
                }
                _ => return self.err(format!("expected `,` or `{}`", close as char)),
            }
        }
    }

    fn bare(&mut self) -> Term {
        let start = self.pos;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c == b'@' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = String::from_utf8_lossy(&self.src[start..self.pos]);
        Term::atom(&text)
    }

    fn quoted(&mut self) -> Result<Term, ParseError> {
        self.pos += 1;
        let mut bytes = Vec::new();
        loop {
            match self.peek() {
                None => return self.err("unterminated quoted atom"),
                Some(b'\'') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c) => {
                            bytes.push(c);
                            self.pos += 1;
                        }
                        None => return self.err("unterminated escape"),
                    }
                }
                Some(c) => {
                    bytes.push(c);
                    self.pos += 1;
                }
            }
        }
        Ok(Term::atom(&String::from_utf8_lossy(&bytes)))
    }

    fn integer(&mut self) -> Result<Term, ParseError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        let digits = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            return self.err("expected a digit");
        }
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap_or("");
        match text.parse::<i64>() {
            Ok(n) => Ok(Term::int(n)),
            Err(_) => self.err(format!("integer out of range: {text}")),
        }
    }

    fn at_end(&mut self) -> bool {
        self.skip();
        self.pos >= self.src.len()
    }
}

/// Parse a scenario file: a sequence of terms, each followed by `.`.
pub(crate) fn parse_file(src: &str) -> Result<Vec<Term>, ParseError> {
    let mut p = Parser::new(src);
    let mut terms = Vec::new();
    while !p.at_end() {
        terms.push(p.term()?);
        p.expect(b'.')?;
    }
    Ok(terms)
}

/// Parse exactly one term (no final `.`).
pub(crate) fn parse_term(src: &str) -> Result<Term, ParseError> {
    let mut p = Parser::new(src);
    let t = p.term()?;
    if p.at_end() {
        Ok(t)
    } else {
        p.err("trailing input")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(s: &str) -> Term {
        Term::atom(s)
    }

    #[test]
    fn atoms_integers_and_nesting() {
        let t = parse_term("{main, {spawn, a, [{sleep, 10}, return]}, {'_', m}}").unwrap();
        let expected = Term::tuple([
            a("main"),
            Term::tuple([
                a("spawn"),
                a("a"),
                Term::list([Term::tuple([a("sleep"), Term::int(10)]), a("return")]),
            ]),
            Term::tuple([a("_"), a("m")]),
        ]);
        assert_eq!(t, expected);
    }

    #[test]
    fn bare_atoms_with_at_and_digits() {
        assert_eq!(parse_term("w1@2").unwrap(), a("w1@2"));
        assert_eq!(parse_term("nonode@nohost").unwrap(), a("nonode@nohost"));
    }

    #[test]
    fn quoted_atoms_and_escapes() {
        assert_eq!(parse_term("'EXIT'").unwrap(), a("EXIT"));
        assert_eq!(parse_term("'@'").unwrap(), a("@"));
        assert_eq!(parse_term(r"'it\'s'").unwrap(), a("it's"));
        assert_eq!(parse_term(r"'back\\slash'").unwrap(), a(r"back\slash"));
    }

    #[test]
    fn integers_negative_and_large() {
        assert_eq!(parse_term("-1").unwrap(), Term::int(-1));
        assert_eq!(parse_term("5000000000").unwrap(), Term::int(5_000_000_000));
        assert_eq!(parse_term("4294967296").unwrap(), Term::int(4_294_967_296));
    }

    #[test]
    fn empty_tuple_and_list() {
        assert_eq!(parse_term("{}").unwrap(), Term::tuple([]));
        assert_eq!(parse_term("[ ]").unwrap(), Term::list([]));
    }

    #[test]
    fn file_with_comments() {
        let src = "% A1: a comment\n{main, self}. % trailing\n\n{sleep, 30}.\n% end\n";
        let steps = parse_file(src).unwrap();
        assert_eq!(steps.len(), 2);
        assert_eq!(steps[1], Term::tuple([a("sleep"), Term::int(30)]));
    }

    #[test]
    fn comment_inside_a_term() {
        let steps = parse_file("{main, % the actor\n  flush}.").unwrap();
        assert_eq!(steps, vec![Term::tuple([a("main"), a("flush")])]);
    }

    #[test]
    fn errors() {
        assert!(parse_file("{main, self}").is_err()); // missing dot
        assert!(parse_file("{main, self.").is_err());
        assert!(parse_term("'open").is_err());
        assert!(parse_term("Var").is_err());
        assert!(parse_term("{a} b").is_err());
        assert!(parse_term("-").is_err());
    }

    #[test]
    fn every_scenario_parses() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "scn") {
                let src = std::fs::read_to_string(&path).unwrap();
                let steps = parse_file(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(!steps.is_empty(), "{}", path.display());
                n += 1;
            }
        }
        assert!(n >= 99);
    }
}
