//! The test server (FORMAT.md section 8, Erlang `conf_server.erl`) as an ember
//! [`GenServer`], and the gen_server actions (6.5).
//!
//! Its protocol is terms: calls, replies, casts, infos and continues are all
//! [`Term`]s; its options decide what `init` returns and the request decides what each
//! callback returns. The Erlang return tuples map onto ember's typed results:
//!
//! | conf_server | ember |
//! |---|---|
//! | `{ok, S}` / `{ok, S, {continue, C} \| T \| hibernate}` | `Init::Ok` / `Init::OkThen(Next::...)` |
//! | `ignore`, `{stop, R}` | `Init::Ignore`, `Init::Stop(R)` |
//! | `error(boom)` in a callback | a panic (reason `{boom, '_stack'}`) |
//! | `exit(R)` in a callback | stop with `R` (`Init::Stop`, `CallResult::Stop`, `Handled::Stop`) |
//! | `throw(V)` (counts as a return) | that return |
//! | `{reply, V, S[, A]}`, `{noreply, S}`, `{stop, R[, V], S}` | `CallResult::Reply[Then]`, `NoReply`, `Stop[Reply]` |
//! | `gen_server:reply(From, V)` | [`ReplyTo::reply`] (`From` is a handle in the world table) |
//!
//! A bad return value (`{bad, V}`) cannot be expressed: ember's callbacks are typed.
//!
//! Calls: ember returns a failed call as an `Err` to the caller ([`CallError`]); OTP makes the
//! caller exit with `{Reason, {gen_server, call, Args}}`. The interpreter raises exactly that
//! exit from the `Err` (so `'try'`/`uncaught` behave as in Erlang).

use std::time::Duration;

use ember_otp::gen_server::{
    self, CallError, CallResult, Caller, Context, GenServer, Handled, Info, Init, Next, ReplyTo,
    Server, StartError, StartOpts,
};
use ember_rt::{ExitReason, Ref, Term, Timeout};

use crate::actor::{deliver, ev, hello, monitored};
use crate::exec::{Raise, Res, badarg, unsupported, want_timeout};
use crate::terms::{
    as_atom, as_int, as_list, as_tuple, atom, has_flag, is_atom, ok, prop, reason_to_term,
    term_to_reason, tuple,
};
use crate::world::{count_start, with_world};

/// What a test server is started with.
#[derive(Clone)]
pub(crate) struct SrvArg {
    /// The server options (FORMAT.md 8).
    pub(crate) opts: Vec<Term>,
    /// Its label.
    pub(crate) label: String,
    /// Extra arguments: `{extra_before, [E]}` / `{extra_after, [X]}`.
    pub(crate) extra: Option<Term>,
}

/// The test server's state.
pub(crate) struct ConfServer {
    opts: Vec<Term>,
    deferred: Vec<ReplyTo<Term>>,
}

fn stop_reason(t: &Term) -> ExitReason {
    term_to_reason(t)
}

/// What `init` returns for the init spec `I`.
async fn init_result(spec: &Term, s: ConfServer) -> Init<ConfServer> {
    let mut spec = spec.clone();
    loop {
        let items = as_tuple(&spec).unwrap_or(&[]).to_vec();
        match (as_atom(&spec), items.as_slice()) {
            (Some("ok"), _) => return Init::Ok(s),
            (Some("hibernate"), _) => return Init::OkThen(s, Next::Hibernate),
            (Some("ignore"), _) => return Init::Ignore,
            (Some("crash"), _) => panic!("boom"),
            (_, [t, c]) if is_atom(t, "continue") => {
                return Init::OkThen(s, Next::Continue(c.clone()));
            }
            (_, [t, ms]) if is_atom(t, "timeout") => {
                return Init::OkThen(
                    s,
                    Next::Timeout(Duration::from_millis(as_int(ms).unwrap_or(0).max(0) as u64)),
                );
            }
            (_, [t, r]) if is_atom(t, "stop") || is_atom(t, "exit") => {
                return Init::Stop(stop_reason(r));
            }
            // throw(Ret) counts as the return value Ret
            (_, [t, i]) if is_atom(t, "throw") => spec = i.clone(),
            (_, [t, ms, i]) if is_atom(t, "sleep") => {
                ember_rt::sleep(Duration::from_millis(as_int(ms).unwrap_or(0).max(0) as u64)).await;
                spec = i.clone();
            }
            (_, [t, _]) if is_atom(t, "bad") => panic!("{{ember_unsupported,bad_return_value}}"),
            _ => panic!("{{ember_unsupported,init}}"),
        }
    }
}

fn init_spec(opts: &[Term], label: &str) -> Term {
    if let Some(seq) = prop(opts, "init_seq").and_then(as_list) {
        let n = count_start(label);
        return seq
            .get(n.min(seq.len()).saturating_sub(1))
            .cloned()
            .unwrap_or_else(ok);
    }
    prop(opts, "init").cloned().unwrap_or_else(ok)
}

fn info_term(info: Info<Term>) -> Term {
    match info {
        Info::Msg(t) => t,
        Info::Exit(e) => tuple([atom("EXIT"), Term::Pid(e.from), reason_to_term(&e.reason)]),
        Info::Down(d) => tuple([
            atom("DOWN"),
            Term::Ref(d.reference),
            atom("process"),
            monitored(&d.object),
            reason_to_term(&d.reason),
        ]),
        Info::Timeout => atom("timeout"),
    }
}

impl ConfServer {
    fn reply_deferred(&mut self, v: &Term) {
        for to in self.deferred.drain(..) {
            to.reply(v.clone());
        }
    }

    /// handle_cast / handle_info / handle_continue.
    async fn async_result(&mut self, m: &Term) -> Handled<ConfServer> {
        match (as_atom(m), as_tuple(m).unwrap_or(&[])) {
            (Some("crash"), _) => panic!("boom"),
            (_, [t, r]) if is_atom(t, "stop") || is_atom(t, "exit") => {
                Handled::Stop(stop_reason(r))
            }
            (_, [t, v]) if is_atom(t, "reply_deferred") => {
                self.reply_deferred(v);
                Handled::NoReply
            }
            (_, [t, ms]) if is_atom(t, "sleep") => {
                ember_rt::sleep(Duration::from_millis(as_int(ms).unwrap_or(0).max(0) as u64)).await;
                Handled::NoReply
            }
            _ => Handled::NoReply,
        }
    }
}

impl GenServer for ConfServer {
    type Arg = SrvArg;
    type Call = Term;
    type Reply = Term;
    type Cast = Term;
    type Info = Term;
    type Continue = Term;

    async fn init(arg: SrvArg, ctx: &mut Context<Self>) -> Init<Self> {
        hello(&arg.label).await;
        ev("init", arg.extra.clone());
        if has_flag(&arg.opts, "trap_exit") {
            ember_rt::trap_exit(true);
        }
        if let Some(n) = prop(&arg.opts, "report_whereis").and_then(as_atom) {
            ev(
                "whereis",
                Some(ember_rt::whereis(n).map_or(atom("undefined"), Term::Pid)),
            );
        }
        if let Some(m) = prop(&arg.opts, "send_self") {
            ctx.server().send(m.clone());
        }
        let spec = init_spec(&arg.opts, &arg.label);
        init_result(
            &spec,
            ConfServer {
                opts: arg.opts,
                deferred: Vec::new(),
            },
        )
        .await
    }

    async fn handle_call(
        &mut self,
        req: Term,
        from: &mut Caller<Term>,
        ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        ev("handle_call", Some(req.clone()));
        let items = as_tuple(&req).unwrap_or(&[]).to_vec();
        match (as_atom(&req), items.as_slice()) {
            (Some("crash"), _) => panic!("boom"),
            (Some("defer"), _) => {
                self.deferred.push(from.defer());
                CallResult::NoReply
            }
            (Some("call_self"), _) => match ctx.server().call(atom("ping")).await {
                Ok(v) => CallResult::Reply(v),
                Err(e) => {
                    let args = Term::list([Term::Pid(ctx.pid()), atom("ping")]);
                    CallResult::Stop(term_to_reason(&call_exit_reason(
                        &e,
                        "gen_server",
                        "call",
                        args,
                    )))
                }
            },
            (_, [t, v]) if is_atom(t, "reply") => CallResult::Reply(v.clone()),
            (_, [t, ms, v]) if is_atom(t, "sleep") => {
                ember_rt::sleep(Duration::from_millis(as_int(ms).unwrap_or(0).max(0) as u64)).await;
                CallResult::Reply(v.clone())
            }
            (_, [t, r, v]) if is_atom(t, "stop") => {
                CallResult::StopReply(stop_reason(r), v.clone())
            }
            (_, [t, r]) if is_atom(t, "stop") || is_atom(t, "exit") => {
                CallResult::Stop(stop_reason(r))
            }
            (_, [t, p]) if is_atom(t, "defer_to") => {
                let handle = Ref::new();
                with_world(|w| w.froms.insert(handle, from.defer()));
                if let Term::Pid(p) = p {
                    deliver(
                        *p,
                        tuple([atom("deferred"), tuple([atom("$from"), Term::Ref(handle)])]),
                    );
                }
                CallResult::NoReply
            }
            (_, [t, v]) if is_atom(t, "reply_deferred") => {
                self.reply_deferred(v);
                CallResult::Reply(ok())
            }
            (_, [t, _]) if is_atom(t, "bad") => panic!("{{ember_unsupported,bad_return_value}}"),
            (_, [t, v]) if is_atom(t, "throw") => CallResult::Reply(v.clone()),
            (_, [t, c, v]) if is_atom(t, "continue") => {
                CallResult::ReplyThen(v.clone(), Next::Continue(c.clone()))
            }
            (_, [t, ms, v]) if is_atom(t, "timeout") => CallResult::ReplyThen(
                v.clone(),
                Next::Timeout(Duration::from_millis(as_int(ms).unwrap_or(0).max(0) as u64)),
            ),
            _ => CallResult::Reply(ok()),
        }
    }

    async fn handle_cast(&mut self, m: Term, _ctx: &mut Context<Self>) -> Handled<Self> {
        ev("handle_cast", Some(m.clone()));
        self.async_result(&m).await
    }

    async fn handle_info(&mut self, info: Info<Term>, _ctx: &mut Context<Self>) -> Handled<Self> {
        let m = info_term(info);
        ev("handle_info", Some(m.clone()));
        self.async_result(&m).await
    }

    async fn handle_continue(&mut self, c: Term, _ctx: &mut Context<Self>) -> Handled<Self> {
        ev("handle_continue", Some(c.clone()));
        self.async_result(&c).await
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        ev("terminate", Some(reason_to_term(reason)));
        if let Some(ms) = prop(&self.opts, "terminate_sleep").and_then(as_int) {
            ember_rt::sleep(Duration::from_millis(ms.max(0) as u64)).await;
        }
    }
}

/// `{Reason, {Module, Function, Args}}`: the exit of a failed call.
pub(crate) fn call_exit_reason(e: &CallError, module: &str, function: &str, args: Term) -> Term {
    let reason = match e {
        CallError::NoProc => atom("noproc"),
        CallError::Timeout => atom("timeout"),
        CallError::Exit(r) => reason_to_term(r),
        CallError::CallingSelf => atom("calling_self"),
        _ => atom("wrong_type"),
    };
    tuple([reason, tuple([atom(module), atom(function), args])])
}

/// Start a test server linked or not, named per its options.
pub(crate) async fn start_server(
    arg: SrvArg,
    link: bool,
    timeout: Option<Duration>,
) -> Result<Server<ConfServer>, StartError> {
    let mut opts = StartOpts::new();
    if link {
        opts = opts.link();
    }
    if let Some(n) = prop(&arg.opts, "name").and_then(as_atom) {
        opts = opts.name(n);
    }
    if let Some(t) = timeout {
        opts = opts.timeout(t);
    }
    gen_server::start_opts::<ConfServer>(arg, opts).await
}

/// The trace term of a start result.
fn start_result(r: Result<Server<ConfServer>, StartError>) -> Term {
    match r {
        Ok(s) => tuple([ok(), Term::Pid(s.pid())]),
        Err(StartError::Ignored) => atom("ignore"),
        Err(StartError::AlreadyStarted(p)) => tuple([
            atom("error"),
            tuple([atom("already_started"), Term::Pid(p)]),
        ]),
        Err(StartError::Timeout) => tuple([atom("error"), atom("timeout")]),
        Err(StartError::Exit(r)) => tuple([atom("error"), reason_to_term(&r)]),
        Err(other) => tuple([atom("error"), reason_to_term(&ExitReason::from(other))]),
    }
}

/// The server a call/cast/stop addresses: a pid, a name or `{Name, Node}`.
fn target(s: &Term) -> Result<Result<Server<ConfServer>, CallError>, Raise> {
    if let Term::Pid(p) = s {
        return Ok(Server::from_pid(*p));
    }
    if let Some(n) = as_atom(s) {
        return Ok(Server::whereis(n));
    }
    match as_tuple(s) {
        Some([n, node]) if as_atom(n).is_some() && as_atom(node).is_some() => {
            Ok(Server::whereis(as_atom(n).unwrap_or("")))
        }
        _ => Err(badarg()),
    }
}

/// The gen_server actions; `None` if `op` is not one.
pub(crate) async fn action(op: &str, args: &[Term]) -> Option<Res> {
    let r = match (op, args) {
        ("gen_start" | "gen_start_link", [l, opts]) => {
            let label = match as_atom(l) {
                Some(l) => l.to_string(),
                None => return Some(Err(badarg())),
            };
            let opts = as_list(opts).map(<[Term]>::to_vec).unwrap_or_default();
            let timeout = prop(&opts, "start_timeout")
                .and_then(as_int)
                .map(|ms| Duration::from_millis(ms.max(0) as u64));
            let arg = SrvArg {
                opts,
                label,
                extra: None,
            };
            Ok(start_result(
                start_server(arg, op == "gen_start_link", timeout).await,
            ))
        }
        ("gen_start_monitor", [_, _]) => Err(unsupported("gen_start_monitor")),
        ("call", [s, req]) => call(s, req, None).await,
        ("call", [s, req, t]) => call(s, req, Some(t)).await,
        ("cast", [s, m]) => match target(s) {
            Ok(Ok(server)) => {
                server.cast(m.clone());
                Ok(ok())
            }
            Ok(Err(_)) => Ok(ok()),
            Err(e) => Err(e),
        },
        ("gen_stop", [s]) => stop(s, ExitReason::Normal, Timeout::Infinity).await,
        ("gen_stop", [s, r, t]) => match want_timeout(t) {
            Ok(t) => stop(s, term_to_reason(r), t).await,
            Err(e) => Err(e),
        },
        ("gen_reply", [from, v]) => reply(from, v),
        _ => return None,
    };
    Some(r)
}

async fn call(s: &Term, req: &Term, t: Option<&Term>) -> Res {
    let timeout = match t {
        Some(t) => want_timeout(t)?,
        None => Timeout::After(gen_server::DEFAULT_CALL_TIMEOUT),
    };
    let mut args = vec![s.clone(), req.clone()];
    args.extend(t.cloned());
    let result = match target(s)? {
        Ok(server) => server.call_timeout(req.clone(), timeout).await,
        Err(e) => Err(e),
    };
    result.map_err(|e| Raise::Exit(call_exit_reason(&e, "gen_server", "call", Term::List(args))))
}

async fn stop(s: &Term, reason: ExitReason, timeout: Timeout) -> Res {
    let server = match target(s)? {
        Ok(server) => server,
        Err(_) => return Err(Raise::Exit(atom("noproc"))),
    };
    match server.stop(reason, timeout).await {
        Ok(()) => Ok(ok()),
        Err(CallError::NoProc) => Err(Raise::Exit(atom("noproc"))),
        Err(CallError::Timeout) => Err(Raise::Exit(atom("timeout"))),
        Err(CallError::Exit(r)) => Err(Raise::Exit(reason_to_term(&r))),
        Err(_) => Err(Raise::Exit(atom("calling_self"))),
    }
}

fn reply(from: &Term, v: &Term) -> Res {
    let handle = match as_tuple(from) {
        Some([tag, Term::Ref(r)]) if is_atom(tag, "$from") => *r,
        _ => return Err(badarg()),
    };
    if let Some(to) = with_world(|w| w.froms.remove(&handle)) {
        to.reply(v.clone());
    }
    Ok(ok())
}
