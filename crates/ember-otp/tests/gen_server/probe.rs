//! The probe server, which reports every callback to an observer, and a bare server.

use super::*;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ev {
    Init,
    NameIsMine(bool),
    Call(u32),
    Cast(u32),
    Info(u32),
    Continue(u32),
    Timeout,
    Exit(Pid, ExitReason),
    Down(ExitReason),
    Terminate(ExitReason),
    /// A call's reply was deferred.
    Deferred,
}

#[derive(Clone)]
pub(crate) enum InitMode {
    Ok,
    /// Queue an info message to itself during init, then continue.
    Continue(u32),
    Timeout(Duration),
    /// An init timeout, with a message queued to itself during init.
    TimeoutWithMessage(Duration),
    Hibernate,
    Ignore,
    Stop(ExitReason),
    Panic,
    Sleep(Duration),
    CheckName(&'static str),
}

#[derive(Clone)]
pub(crate) struct Setup {
    obs: Pid<Ev>,
    init: InitMode,
    trap: bool,
}

pub(crate) fn setup(obs: Pid<Ev>, init: InitMode) -> Setup {
    Setup {
        obs,
        init,
        trap: false,
    }
}

pub(crate) fn trapping(obs: Pid<Ev>) -> Setup {
    Setup {
        obs,
        init: InitMode::Ok,
        trap: true,
    }
}

pub(crate) struct Probe {
    obs: Pid<Ev>,
    deferred: Option<ReplyTo<Result<u32, CallError>>>,
}

pub(crate) enum Cmd {
    Echo(u32),
    Sleep(Duration, u32),
    ReplyThen(u32, Next<u32>),
    Stop(ExitReason),
    StopReply(ExitReason, u32),
    Panic,
    /// Keep the reply handle; `Release` replies through it.
    Defer,
    /// Hand the reply handle to another process that replies with the value.
    ReplyFromElsewhere(u32),
    CallSelf,
    Monitor(Pid),
    Link(Pid),
}

pub(crate) enum CastCmd {
    Note(u32),
    Release(u32),
    Stop(ExitReason),
    Panic,
}

impl GenServer for Probe {
    type Arg = Setup;
    type Call = Cmd;
    type Reply = Result<u32, CallError>;
    type Cast = CastCmd;
    type Info = u32;
    type Continue = u32;

    async fn init(setup: Setup, ctx: &mut Context<Self>) -> Init<Self> {
        if setup.trap {
            ember_rt::trap_exit(true);
        }
        setup.obs.send(Ev::Init);
        let me = Probe {
            obs: setup.obs,
            deferred: None,
        };
        match setup.init {
            InitMode::Ok => Init::Ok(me),
            InitMode::Continue(c) => {
                ctx.server().send(99);
                Init::OkThen(me, Next::Continue(c))
            }
            InitMode::Timeout(d) => Init::OkThen(me, Next::Timeout(d)),
            InitMode::TimeoutWithMessage(d) => {
                ctx.server().send(1);
                Init::OkThen(me, Next::Timeout(d))
            }
            InitMode::Hibernate => Init::OkThen(me, Next::Hibernate),
            InitMode::Ignore => Init::Ignore,
            InitMode::Stop(r) => Init::Stop(r),
            InitMode::Panic => panic!("init exploded"),
            InitMode::Sleep(d) => {
                ember_rt::sleep(d).await;
                Init::Ok(me)
            }
            InitMode::CheckName(n) => {
                me.obs
                    .send(Ev::NameIsMine(ember_rt::whereis(n) == Some(ctx.pid())));
                Init::Ok(me)
            }
        }
    }

    async fn handle_call(
        &mut self,
        cmd: Cmd,
        from: &mut Caller<Result<u32, CallError>>,
        ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        match cmd {
            Cmd::Echo(n) => {
                self.obs.send(Ev::Call(n));
                CallResult::Reply(Ok(n))
            }
            Cmd::Sleep(d, n) => {
                ember_rt::sleep(d).await;
                self.obs.send(Ev::Call(n));
                CallResult::Reply(Ok(n))
            }
            Cmd::ReplyThen(n, next) => {
                if matches!(next, Next::Continue(_)) {
                    ctx.server().send(99); // queued before the continue runs
                }
                CallResult::ReplyThen(Ok(n), next)
            }
            Cmd::Stop(r) => CallResult::Stop(r),
            Cmd::StopReply(r, n) => CallResult::StopReply(r, Ok(n)),
            Cmd::Panic => panic!("handle_call exploded"),
            Cmd::Defer => {
                self.deferred = Some(from.defer());
                self.obs.send(Ev::Deferred);
                CallResult::NoReply
            }
            Cmd::ReplyFromElsewhere(n) => {
                let to = from.defer();
                ember_rt::spawn(move |_: Mailbox<()>| async move {
                    ember_rt::sleep(Duration::from_millis(5)).await;
                    gen_server::reply(to, Ok(n));
                });
                CallResult::NoReply
            }
            Cmd::CallSelf => {
                CallResult::Reply(ctx.server().call(Cmd::Echo(0)).await.and_then(|r| r))
            }
            Cmd::Monitor(p) => {
                ember_rt::monitor(p);
                CallResult::Reply(Ok(0))
            }
            Cmd::Link(p) => {
                let _ = ember_rt::link(p);
                CallResult::Reply(Ok(0))
            }
        }
    }

    async fn handle_cast(&mut self, cmd: CastCmd, _ctx: &mut Context<Self>) -> Handled<Self> {
        match cmd {
            CastCmd::Note(n) => {
                self.obs.send(Ev::Cast(n));
                Handled::NoReply
            }
            CastCmd::Release(n) => {
                if let Some(to) = self.deferred.take() {
                    to.reply(Ok(n));
                }
                self.obs.send(Ev::Cast(n));
                Handled::NoReply
            }
            CastCmd::Stop(r) => Handled::Stop(r),
            CastCmd::Panic => panic!("handle_cast exploded"),
        }
    }

    async fn handle_info(&mut self, info: Info<u32>, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.obs.send(match info {
            Info::Msg(n) => Ev::Info(n),
            Info::Exit(e) => Ev::Exit(e.from, e.reason),
            Info::Down(d) => Ev::Down(d.reason),
            Info::Timeout => Ev::Timeout,
        });
        Handled::NoReply
    }

    async fn handle_continue(&mut self, c: u32, _ctx: &mut Context<Self>) -> Handled<Self> {
        self.obs.send(Ev::Continue(c));
        Handled::NoReply
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.obs.send(Ev::Terminate(reason.clone()));
    }
}

/// A server with only `init`: every other callback is the default.
pub(crate) struct Bare;

impl GenServer for Bare {
    type Arg = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = u8;
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Bare)
    }
}

/// A process that waits for one `()` message: a parent, a linked peer, a monitored worker.
pub(crate) fn idle() -> Pid<()> {
    ember_rt::spawn(|mut mb: Mailbox<()>| async move { mb.recv().await })
}

/// Start a probe (no link) reporting to `obs`.
pub(crate) async fn probe(obs: Pid<Ev>, init: InitMode) -> Server<Probe> {
    gen_server::start::<Probe>(setup(obs, init))
        .await
        .expect("the probe should start")
}

/// Start a probe (no link) registered as `name`, reporting to `obs`.
pub(crate) async fn probe_named(obs: Pid<Ev>, name: &str) -> Server<Probe> {
    gen_server::start_opts::<Probe>(setup(obs, InitMode::Ok), named(name))
        .await
        .expect("the probe should start")
}
