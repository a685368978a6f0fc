//! The server process: `init`, then the receive loop, then `terminate`.
//!
//! One loop iteration takes exactly one event — a pending `handle_continue` first, otherwise
//! the oldest message of any kind (so messages are handled in arrival order), or the timeout
//! of a [`Next::Timeout`] if nothing at all arrived — and runs exactly one callback for it.
//! Every callback runs under [`catch`]: a panic becomes the stop reason, so `terminate` runs
//! and the crash is reported. The loop ends on a `Stop` result, a stop request, or an exit
//! signal from the parent while trapping; it runs `terminate`, reports a crash for any reason
//! that is not clean, and returns the reason, which becomes the process's exit reason.

use tokio::sync::oneshot;

use ember_rt::{ExitReason, Mailbox, Message, Name, Pid};

use super::server::Kind;
use super::{
    CallResult, Caller, Context, Envelope, GenServer, Handled, Info, Init, Next, Server, StartError,
};
use crate::catch::catch;

/// The acknowledgement of `init` to the starter.
pub(crate) type Ack = Result<(), StartError>;

/// What the loop does after a callback: go on (maybe with an action), or stop.
enum Flow<C> {
    Go(Option<Next<C>>),
    Stop(ExitReason),
}

/// One thing for the loop to handle.
enum Event<S: GenServer> {
    Msg(Message<Envelope<S>>),
    Continue(S::Continue),
    Timeout,
}

/// The body of a server process.
pub(crate) async fn run<S: GenServer>(
    mut mb: Mailbox<Envelope<S>>,
    arg: S::Arg,
    ack: oneshot::Sender<Ack>,
    parent: Option<Pid>,
    name: Option<Name>,
) -> ExitReason {
    let mut ctx = Context::new(Server::from_typed(mb.pid()), parent, name);
    let (mut state, mut next) = match catch(S::init(arg, &mut ctx)).await {
        Ok(Init::Ok(state)) => (state, None),
        Ok(Init::OkThen(state, next)) => (state, Some(next)),
        Ok(Init::Ignore) => {
            let _ = ack.send(Err(StartError::Ignored));
            return ExitReason::Normal;
        }
        Ok(Init::Stop(reason)) | Err(reason) => {
            report::<S>(&ctx, &reason, "init");
            let _ = ack.send(Err(StartError::Exit(reason.clone())));
            return reason;
        }
    };
    let _ = ack.send(Ok(()));
    loop {
        let event = match next.take() {
            Some(Next::Continue(c)) => Event::Continue(c),
            Some(Next::Timeout(d)) => match mb.recv_any_timeout(d).await {
                Some(msg) => Event::Msg(msg),
                None => Event::Timeout,
            },
            Some(Next::Hibernate) | None => Event::Msg(mb.recv_any().await),
        };
        let (flow, last) = handle(&mut state, event, &mut ctx).await;
        match flow {
            Flow::Go(n) => next = n,
            Flow::Stop(reason) => {
                let reason = match catch(state.terminate(&reason, &mut ctx)).await {
                    Ok(()) => reason,
                    Err(panic) => panic,
                };
                report::<S>(&ctx, &reason, last);
                return reason;
            }
        }
    }
}

/// Run the callback for one event. Returns what to do next and the kind of the event (for
/// the crash report's `last_message`).
async fn handle<S: GenServer>(
    state: &mut S,
    event: Event<S>,
    ctx: &mut Context<S>,
) -> (Flow<S::Continue>, &'static str) {
    match event {
        Event::Continue(c) => (
            handled(catch(state.handle_continue(c, ctx)).await),
            "continue",
        ),
        Event::Timeout => (
            handled(catch(state.handle_info(Info::Timeout, ctx)).await),
            "timeout",
        ),
        Event::Msg(Message::User(Envelope(Kind::Call(request, to)))) => {
            let mut from = Caller::new(to);
            let flow = match catch(state.handle_call(request, &mut from, ctx)).await {
                Ok(CallResult::Reply(r)) => {
                    from.finish(r);
                    Flow::Go(None)
                }
                Ok(CallResult::ReplyThen(r, next)) => {
                    from.finish(r);
                    Flow::Go(Some(next))
                }
                Ok(CallResult::NoReply) => Flow::Go(None),
                Ok(CallResult::NoReplyThen(next)) => Flow::Go(Some(next)),
                Ok(CallResult::Stop(reason)) | Err(reason) => Flow::Stop(reason),
                Ok(CallResult::StopReply(reason, r)) => {
                    from.finish(r);
                    Flow::Stop(reason)
                }
            };
            (flow, "call")
        }
        Event::Msg(Message::User(Envelope(Kind::Cast(request)))) => (
            handled(catch(state.handle_cast(request, ctx)).await),
            "cast",
        ),
        Event::Msg(Message::User(Envelope(Kind::Info(msg)))) => (
            handled(catch(state.handle_info(Info::Msg(msg), ctx)).await),
            "info",
        ),
        Event::Msg(Message::User(Envelope(Kind::Stop(reason)))) => (Flow::Stop(reason), "stop"),
        Event::Msg(Message::Exit(exit)) if Some(exit.from) == ctx.parent() => {
            (Flow::Stop(exit.reason), "exit")
        }
        Event::Msg(Message::Exit(exit)) => (
            handled(catch(state.handle_info(Info::Exit(exit), ctx)).await),
            "exit",
        ),
        Event::Msg(Message::Down(down)) => (
            handled(catch(state.handle_info(Info::Down(down), ctx)).await),
            "down",
        ),
    }
}

fn handled<S: GenServer>(result: Result<Handled<S>, ExitReason>) -> Flow<S::Continue> {
    match result {
        Ok(Handled::NoReply) => Flow::Go(None),
        Ok(Handled::NoReplyThen(next)) => Flow::Go(Some(next)),
        Ok(Handled::Stop(reason)) | Err(reason) => Flow::Stop(reason),
    }
}

/// The crash report (Erlang: "Generic server ... terminating" plus the proc_lib crash report),
/// for every reason except `normal`, `shutdown` and `{shutdown, _}`.
fn report<S: GenServer>(ctx: &Context<S>, reason: &ExitReason, last_message: &'static str) {
    if reason.is_clean() {
        return;
    }
    tracing::error!(
        target: "ember::gen_server",
        pid = %ctx.pid(),
        name = ctx.name().map_or("", |n| n.as_str()),
        server = std::any::type_name::<S>(),
        reason = %reason,
        last_message,
        "generic server terminating"
    );
}
