//! Bad input (issue #6, part 4): every misuse of the public API gets the OTP outcome or a typed
//! error — never a panic inside the runtime, never a hang. One test per case.
//!
//! Each test runs its body as the root process of a fresh runtime, on its own thread, and
//! fails if no result comes within [`HANG_GUARD`] (a hang guard only: every case here answers
//! at once). Where a misuse is sent to an OTP process (a supervisor, a server), the test also
//! checks that the process is still alive and answering, i.e. that nothing panicked inside it.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use ember::otp::agent::Agent;
use ember::otp::application::{self, Application, ApplicationError};
use ember::otp::child::{ChildSpec, Started};
use ember::otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use ember::otp::gen_server::{
    self, CallError, CallResult, Caller, Context, GenServer, Init, Server, StartError, StartOpts,
};
use ember::otp::registry::{Keys, Registry, RegistryError};
use ember::otp::supervisor::{
    self, DeleteChildError, Flags, FlagsError, RestartChildError, SpecError, StartChildError,
    Strategy, Supervisor, TerminateChildError,
};
use ember::otp::task::{Task, TaskError};
use ember::rt::{
    BuildError, ExitReason, InvalidTimeout, LinkError, Mailbox, Message, Monitored, Name, Pid,
    RegisterError, Runtime, SendError, SpawnError, SpawnOpts, Timeout, TypeError,
};

/// How long a case may take before it counts as a hang.
const HANG_GUARD: Duration = Duration::from_secs(20);

/// Run `f` as the root process of a fresh 2-worker runtime and return its output; fail on a
/// panic in the body (an assertion) or on a hang.
fn run<M, F, Fut>(f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = Runtime::builder().workers(2).build().expect("runtime");
        let _ = tx.send(rt.run(f));
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(Ok(out)) => out,
        Ok(Err(reason)) => panic!("the test's process died: {reason}"),
        Err(_) => panic!("hang: no result within {HANG_GUARD:?}"),
    }
}

/// A process that waits for one message, then ends.
fn idle() -> Pid<()> {
    ember::rt::spawn(|mut mb: Mailbox<()>| async move { mb.recv().await })
}

/// A pid that is certainly dead: its `watch` has resolved.
async fn dead() -> Pid<()> {
    let pid = ember::rt::spawn(|_: Mailbox<()>| async {});
    ember::rt::watch(pid).await;
    pid
}

/// A child spec whose process waits for one message (linked to the supervisor).
fn child(id: &str) -> ChildSpec {
    ChildSpec::new(id, || async {
        let pid = ember::rt::spawn_link(|mut mb: Mailbox<()>| async move { mb.recv().await });
        Ok(Started::Pid(pid.untyped()))
    })
}

/// A server that echoes numbers, and calls or stops itself when asked.
struct Echo;

#[derive(Debug)]
enum Ask {
    Echo(u32),
    CallMyself,
    StopMyself,
}

impl GenServer for Echo {
    type Arg = ();
    type Call = Ask;
    type Reply = Result<u32, CallError>;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Echo)
    }

    async fn handle_call(
        &mut self,
        ask: Ask,
        _: &mut Caller<Self::Reply>,
        ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        let me = ctx.server();
        CallResult::Reply(match ask {
            Ask::Echo(n) => Ok(n),
            Ask::CallMyself => me.call(Ask::Echo(0)).await.and(Ok(0)),
            Ask::StopMyself => me
                .stop(ExitReason::Normal, Timeout::Infinity)
                .await
                .map(|()| 0),
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Calls to processes that are not there

#[test]
fn call_to_a_dead_gen_server_is_noproc() {
    run(|_: Mailbox<()>| async {
        let s = gen_server::start::<Echo>(()).await.unwrap();
        s.stop(ExitReason::Normal, Timeout::Infinity).await.unwrap();
        assert_eq!(s.call(Ask::Echo(1)).await, Err(CallError::NoProc));
        let r = s.call_timeout(Ask::Echo(1), Duration::from_secs(1)).await;
        assert_eq!(r, Err(CallError::NoProc));
        assert_eq!(Server::<Echo>::from_pid(s.pid()), Err(CallError::NoProc));
        s.cast(()); // Erlang: cast to a dead pid returns ok
        s.send(());
    });
}

#[test]
fn stop_of_a_dead_gen_server_is_noproc() {
    run(|_: Mailbox<()>| async {
        let s = gen_server::start::<Echo>(()).await.unwrap();
        s.stop(ExitReason::Normal, Timeout::Infinity).await.unwrap();
        let r = s.stop(ExitReason::Normal, Timeout::Infinity).await;
        assert_eq!(r, Err(CallError::NoProc));
    });
}

#[test]
fn call_to_a_dead_supervisor_is_noproc() {
    run(|_: Mailbox<()>| async {
        let sup = Supervisor::start_link(Flags::one_for_one(), [child("a")])
            .await
            .unwrap();
        sup.stop(ExitReason::Normal).await.unwrap();
        let noproc = supervisor::CallError::NoProc;
        assert_eq!(sup.which_children().await.unwrap_err(), noproc);
        assert_eq!(sup.count_children().await.unwrap_err(), noproc);
        assert_eq!(sup.restart_count().await.unwrap_err(), noproc);
        let r = sup.start_child(child("b")).await;
        assert_eq!(r, Err(StartChildError::Call(noproc.clone())));
        let r = sup.terminate_child("a").await;
        assert_eq!(r, Err(TerminateChildError::Call(noproc.clone())));
        let r = sup.restart_child("a").await;
        assert_eq!(r, Err(RestartChildError::Call(noproc.clone())));
        let r = sup.delete_child("a").await;
        assert_eq!(r, Err(DeleteChildError::Call(noproc.clone())));
        assert_eq!(sup.stop(ExitReason::Normal).await, Err(noproc));
        assert!(Supervisor::from_pid(sup.pid()).is_err());
    });
}

#[test]
fn call_to_a_dead_dynamic_supervisor_is_noproc() {
    run(|_: Mailbox<()>| async {
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        ds.stop(ExitReason::Normal).await.unwrap();
        let noproc = supervisor::CallError::NoProc;
        assert_eq!(ds.which_children().await.unwrap_err(), noproc);
        let r = ds.start_child(child("c")).await;
        assert_eq!(r, Err(StartChildError::Call(noproc.clone())));
        let me = ember::rt::self_pid();
        let r = ds.terminate_child(me).await;
        assert_eq!(r, Err(TerminateChildError::Call(noproc.clone())));
        assert_eq!(ds.stop(ExitReason::Normal).await, Err(noproc));
    });
}

#[test]
fn call_to_a_dead_agent_is_noproc() {
    run(|_: Mailbox<()>| async {
        let a = Agent::start(|| 1u32).await.unwrap();
        a.stop(ExitReason::Normal, Timeout::Infinity).await.unwrap();
        assert_eq!(a.get(|n| *n).await, Err(CallError::NoProc));
        assert_eq!(a.update(|n| *n += 1).await, Err(CallError::NoProc));
        assert_eq!(a.get_and_update(|n| *n).await, Err(CallError::NoProc));
        let r = a.stop(ExitReason::Normal, Timeout::Infinity).await;
        assert_eq!(r, Err(CallError::NoProc));
        a.cast(|n| *n += 1); // like a gen_server cast: no error
    });
}

#[test]
fn call_to_an_unknown_name_is_noproc() {
    run(|_: Mailbox<()>| async {
        let r = gen_server::call_name::<Echo>("nobody", Ask::Echo(1)).await;
        assert_eq!(r, Err(CallError::NoProc));
        let t = Duration::from_secs(1);
        let r = gen_server::call_name_timeout::<Echo>("nobody", Ask::Echo(1), t).await;
        assert_eq!(r, Err(CallError::NoProc));
        assert_eq!(Server::<Echo>::whereis("nobody"), Err(CallError::NoProc));
        assert_eq!(Agent::<u32>::whereis("nobody"), Err(CallError::NoProc));
        assert_eq!(gen_server::cast_name::<Echo>("nobody", ()), Ok(())); // OTP: cast is ok
        assert_eq!(Supervisor::whereis("nobody"), None);
        assert_eq!(DynamicSupervisor::<()>::whereis("nobody"), None);
        assert_eq!(ember::rt::whereis("undefined"), None);
    });
}

#[test]
fn call_to_a_name_of_another_server_type_is_wrong_type() {
    run(|_: Mailbox<()>| async {
        gen_server::start_opts::<Echo>((), StartOpts::new().name("echo"))
            .await
            .unwrap();
        Agent::start_opts(|| 0u8, StartOpts::new().name("agent"))
            .await
            .unwrap();
        let r = gen_server::call_name::<Echo>("agent", Ask::Echo(1)).await;
        assert!(matches!(r, Err(CallError::WrongType { .. })), "{r:?}");
        let me = ember::rt::self_pid();
        assert!(matches!(
            Server::<Echo>::from_pid(me),
            Err(CallError::WrongType { .. })
        ));
        assert!(matches!(
            Agent::<u8>::whereis("echo"),
            Err(CallError::WrongType { .. })
        ));
        assert!(Supervisor::whereis("echo").is_none());
        let r = gen_server::call_name::<Echo>("echo", Ask::Echo(7)).await;
        assert_eq!(r, Ok(Ok(7)));
    });
}

#[test]
fn a_server_calling_or_stopping_itself_gets_calling_self() {
    run(|_: Mailbox<()>| async {
        let s = gen_server::start::<Echo>(()).await.unwrap();
        let r = s.call(Ask::CallMyself).await;
        assert_eq!(r, Ok(Err(CallError::CallingSelf)));
        let r = s.call(Ask::StopMyself).await;
        assert_eq!(r, Ok(Err(CallError::CallingSelf)));
        assert_eq!(s.call(Ask::Echo(1)).await, Ok(Ok(1)));
    });
}

// ---------------------------------------------------------------------------------------------
// Names

#[test]
fn register_of_a_taken_name_is_name_taken() {
    run(|_: Mailbox<()>| async {
        let (a, b) = (idle(), idle());
        ember::rt::register("taken", a).unwrap();
        let e = ember::rt::register("taken", b).unwrap_err();
        assert_eq!(
            e,
            RegisterError::NameTaken {
                name: Name::new("taken"),
                owner: a.untyped()
            }
        );
        assert_eq!(ember::rt::whereis("taken"), Some(a.untyped()));
    });
}

#[test]
fn register_of_a_dead_pid_is_noproc() {
    run(|_: Mailbox<()>| async {
        let d = dead().await;
        let r = ember::rt::register("ghost", d);
        assert_eq!(r, Err(RegisterError::NoProc(d.untyped())));
        assert_eq!(ember::rt::whereis("ghost"), None);
    });
}

#[test]
fn register_of_an_already_named_process_is_already_named() {
    run(|_: Mailbox<()>| async {
        let p = idle();
        ember::rt::register("first", p).unwrap();
        let e = ember::rt::register("second", p).unwrap_err();
        let expected = RegisterError::AlreadyNamed {
            pid: p.untyped(),
            current: Name::new("first"),
        };
        assert_eq!(e, expected);
        assert_eq!(ember::rt::whereis("second"), None);
    });
}

#[test]
fn register_of_undefined_or_empty_is_invalid_name() {
    run(|_: Mailbox<()>| async {
        let p = idle();
        for bad in ["undefined", ""] {
            let e = ember::rt::register(bad, p).unwrap_err();
            assert_eq!(e, RegisterError::InvalidName(Name::new(bad)));
        }
        assert!(ember::rt::registered().is_empty());
    });
}

#[test]
fn unregister_of_an_unknown_name_is_not_registered() {
    run(|_: Mailbox<()>| async {
        let e = ember::rt::unregister("nobody").unwrap_err();
        assert_eq!(e, RegisterError::NotRegistered(Name::new("nobody")));
    });
}

#[test]
fn send_named_to_an_unknown_name_is_not_registered() {
    run(|_: Mailbox<()>| async {
        let e = ember::rt::send_named("nobody", 1u8).unwrap_err();
        assert_eq!(e, SendError::NotRegistered(Name::new("nobody")));
    });
}

#[test]
fn spawn_opt_with_a_taken_name_fails_and_starts_nothing() {
    run(|_: Mailbox<()>| async {
        ember::rt::register("busy", idle()).unwrap();
        let before = ember::rt::processes().len();
        let ran = Arc::new(AtomicBool::new(false));
        let flag = ran.clone();
        let r = ember::rt::spawn_opt(
            SpawnOpts::new().name("busy").link(),
            move |_: Mailbox<()>| async move {
                flag.store(true, Ordering::SeqCst);
            },
        );
        assert!(
            matches!(
                r,
                Err(SpawnError::Register(RegisterError::NameTaken { .. }))
            ),
            "{r:?}"
        );
        let r = ember::rt::spawn_opt(SpawnOpts::new().name("undefined"), |_: Mailbox<()>| async {
        });
        assert!(
            matches!(r, Err(SpawnError::Register(RegisterError::InvalidName(_)))),
            "{r:?}"
        );
        ember::rt::sleep(Duration::from_millis(20)).await;
        assert!(
            !ran.load(Ordering::SeqCst),
            "the body of a refused spawn ran"
        );
        assert_eq!(ember::rt::processes().len(), before);
        let me = ember::rt::process_info(ember::rt::self_pid()).unwrap();
        assert!(
            me.links.is_empty(),
            "a refused spawn left a link: {:?}",
            me.links
        );
    });
}

#[test]
fn starting_a_named_server_twice_is_already_started() {
    run(|_: Mailbox<()>| async {
        let first = gen_server::start_opts::<Echo>((), StartOpts::new().name("one"))
            .await
            .unwrap();
        let again = gen_server::start_opts::<Echo>((), StartOpts::new().name("one")).await;
        assert_eq!(again.unwrap_err(), StartError::AlreadyStarted(first.pid()));
        let sup = Supervisor::start_link(Flags::default().name("sup"), [])
            .await
            .unwrap();
        let again = Supervisor::start_link(Flags::default().name("sup"), []).await;
        let r = again.unwrap_err();
        assert_eq!(r, supervisor::StartError::AlreadyStarted(sup.pid()));
        let bad = gen_server::start_opts::<Echo>((), StartOpts::new().name("undefined")).await;
        assert!(
            matches!(bad, Err(StartError::Spawn(SpawnError::Register(_)))),
            "{bad:?}"
        );
        assert_eq!(first.call(Ask::Echo(3)).await, Ok(Ok(3)));
    });
}

// ---------------------------------------------------------------------------------------------
// Types

#[test]
fn send_dyn_with_the_wrong_type_is_type_mismatch() {
    run(|_: Mailbox<()>| async {
        let p = idle();
        let r = p.untyped().send_dyn("not a unit");
        assert!(matches!(r, Err(SendError::TypeMismatch { .. })), "{r:?}");
        ember::rt::register("idle", p).unwrap();
        let r = ember::rt::send_named("idle", 5u64);
        assert!(matches!(r, Err(SendError::TypeMismatch { .. })), "{r:?}");
        assert_eq!(p.untyped().send_dyn(()), Ok(()));
        assert_eq!(dead().await.untyped().send_dyn(1u8), Ok(())); // dead: dropped, as in Erlang
    });
}

#[test]
fn pid_typed_with_the_wrong_type_is_mismatch() {
    run(|_: Mailbox<()>| async {
        let p = idle().untyped();
        assert!(matches!(
            p.typed::<String>(),
            Err(TypeError::Mismatch { .. })
        ));
        assert_eq!(p.typed::<()>().map(|t| t.untyped()), Ok(p));
        assert_eq!(dead().await.untyped().typed::<()>(), Err(TypeError::NoProc));
    });
}

// ---------------------------------------------------------------------------------------------
// Links, monitors, timers

#[test]
fn unlink_of_a_non_link_is_harmless() {
    run(|_: Mailbox<()>| async {
        let p = idle();
        ember::rt::unlink(p);
        ember::rt::unlink(p);
        ember::rt::unlink(dead().await);
        ember::rt::unlink(ember::rt::self_pid());
        assert!(p.is_alive());
        assert!(ember::rt::process_info(p).unwrap().links.is_empty());
    });
}

#[test]
fn demonitor_twice_is_false_the_second_time() {
    run(|mut mb: Mailbox<()>| async move {
        let r = ember::rt::monitor(idle());
        assert!(ember::rt::demonitor(r));
        assert!(!ember::rt::demonitor(r));
        let d = ember::rt::spawn(|mut mb: Mailbox<()>| async move { mb.recv().await });
        let r = ember::rt::monitor(d);
        d.send(());
        let Message::Down(down) = mb.recv_any().await else {
            panic!("expected a Down")
        };
        assert_eq!(down.reference, r);
        assert!(!ember::rt::demonitor(r)); // already fired
        assert!(!ember::rt::demonitor(ember::rt::Ref::new())); // never existed
        let own = ember::rt::monitor(ember::rt::self_pid()); // monitoring oneself: no entry
        assert!(!ember::rt::demonitor(own));
    });
}

#[test]
fn cancel_timer_of_a_fired_timer_is_none() {
    run(|mut mb: Mailbox<u8>| async move {
        let t = ember::rt::send_after(Duration::from_millis(1), mb.pid(), 7);
        assert_eq!(mb.recv().await, 7);
        assert_eq!(ember::rt::cancel_timer(&t), None);
        assert_eq!(ember::rt::read_timer(&t), None);
        let t = ember::rt::send_after(Duration::from_secs(60), mb.pid(), 8);
        assert!(ember::rt::cancel_timer(&t).is_some());
        assert_eq!(ember::rt::cancel_timer(&t), None); // cancelled twice
        let gone = ember::rt::send_after(Duration::from_secs(60), dead().await, ());
        assert_eq!(ember::rt::read_timer(&gone), None); // aimed at a dead pid: cancelled at once
        assert_eq!(ember::rt::cancel_timer(&gone), None);
    });
}

#[test]
fn timeout_out_of_range_is_invalid_timeout() {
    assert_eq!(Timeout::millis(-1), Err(InvalidTimeout { millis: -1 }));
    let r = Timeout::millis(1 << 32);
    assert_eq!(r, Err(InvalidTimeout { millis: 1 << 32 }));
    assert_eq!(
        Timeout::millis(i64::MIN),
        Err(InvalidTimeout {
            millis: i64::MIN.into()
        })
    );
    assert_eq!(Timeout::millis(0), Ok(Timeout::After(Duration::ZERO)));
    let max = Duration::from_millis(u32::MAX.into());
    assert_eq!(Timeout::millis(u32::MAX.into()), Ok(Timeout::After(max)));
}

#[test]
fn link_to_a_dead_pid_without_trapping_is_noproc() {
    run(|_: Mailbox<()>| async {
        let d = dead().await;
        assert_eq!(ember::rt::link(d), Err(LinkError::NoProc(d.untyped())));
        assert!(
            ember::rt::process_info(ember::rt::self_pid())
                .unwrap()
                .links
                .is_empty()
        );
    });
}

#[test]
fn link_to_a_dead_pid_while_trapping_gives_an_exit_noproc() {
    run(|mut mb: Mailbox<()>| async move {
        ember::rt::trap_exit(true);
        let d = dead().await;
        assert_eq!(ember::rt::link(d), Ok(()));
        match mb.recv_any_timeout(HANG_GUARD).await {
            Some(Message::Exit(e)) => {
                assert_eq!((e.from, e.reason), (d.untyped(), ExitReason::NoProc))
            }
            other => panic!("expected Exit NoProc, got {other:?}"),
        }
    });
}

#[test]
fn link_to_oneself_does_nothing() {
    run(|_: Mailbox<()>| async {
        let me = ember::rt::self_pid();
        assert_eq!(ember::rt::link(me), Ok(()));
        assert!(ember::rt::process_info(me).unwrap().links.is_empty());
    });
}

#[test]
fn monitor_of_a_dead_pid_gives_down_noproc() {
    run(|mut mb: Mailbox<()>| async move {
        let d = dead().await;
        let r = ember::rt::monitor(d);
        let Some(Message::Down(down)) = mb.recv_any_timeout(HANG_GUARD).await else {
            panic!("expected a Down")
        };
        assert_eq!(down.reference, r);
        assert_eq!(down.object, Monitored::Pid(d.untyped()));
        assert_eq!(down.reason, ExitReason::NoProc);
        let mref = ember::rt::monitor_name("nobody");
        let Some(Message::Down(down)) = mb.recv_any_timeout(HANG_GUARD).await else {
            panic!("expected a Down")
        };
        assert_eq!(down.reference, mref);
        assert_eq!(down.object, Monitored::Name(Name::new("nobody")));
        assert_eq!(down.reason, ExitReason::NoProc);
        assert_eq!(ember::rt::watch(d).await, ExitReason::NoProc);
    });
}

#[test]
fn exit_and_send_to_a_dead_pid_are_harmless() {
    run(|_: Mailbox<()>| async {
        let d = dead().await;
        ember::rt::exit(d, ExitReason::Kill);
        ember::rt::exit(d, ExitReason::atom("whatever"));
        d.send(());
        assert!(ember::rt::process_info(d).is_none());
    });
}

#[test]
fn pids_of_a_shut_down_runtime_are_dead_everywhere() {
    let old = Runtime::new().unwrap();
    let stale = old.spawn(|mut mb: Mailbox<()>| async move { mb.recv().await });
    old.shutdown();
    drop(old);
    run(move |mut mb: Mailbox<()>| async move {
        assert!(!stale.is_alive());
        stale.send(());
        assert_eq!(stale.untyped().typed::<()>(), Err(TypeError::NoProc));
        let r = ember::rt::link(stale);
        assert_eq!(r, Err(LinkError::NoProc(stale.untyped())));
        let r = ember::rt::register("stale", stale);
        assert_eq!(r, Err(RegisterError::NoProc(stale.untyped())));
        ember::rt::monitor(stale);
        let Some(Message::Down(down)) = mb.recv_any_timeout(HANG_GUARD).await else {
            panic!("expected a Down")
        };
        assert_eq!(down.reason, ExitReason::NoProc);
        let r = Server::<Echo>::from_pid(stale.untyped());
        assert_eq!(r, Err(CallError::NoProc));
    });
}

// ---------------------------------------------------------------------------------------------
// Supervisors

#[test]
fn start_child_with_a_duplicate_id_is_an_error() {
    run(|_: Mailbox<()>| async {
        let sup = Supervisor::start_link(Flags::one_for_one(), [child("a")])
            .await
            .unwrap();
        let a = sup.which_children().await.unwrap()[0].status.pid().unwrap();
        let r = sup.start_child(child("a")).await;
        assert_eq!(r, Err(StartChildError::AlreadyStarted(a)));
        sup.terminate_child("a").await.unwrap();
        let r = sup.start_child(child("a")).await;
        assert_eq!(r, Err(StartChildError::AlreadyPresent));
        assert_eq!(sup.count_children().await.unwrap().specs, 1);
    });
}

#[test]
fn start_link_with_duplicate_ids_is_invalid_spec_and_starts_nothing() {
    run(|_: Mailbox<()>| async {
        let before = ember::rt::processes().len();
        let r = Supervisor::start_link(Flags::one_for_one(), [child("x"), child("x")]).await;
        let expected = SpecError::DuplicateChildId("x".into());
        let r = r.unwrap_err();
        assert_eq!(r, supervisor::StartError::InvalidSpec(expected));
        assert_eq!(ember::rt::processes().len(), before);
    });
}

#[test]
fn invalid_supervisor_flags_are_rejected_before_starting() {
    run(|_: Mailbox<()>| async {
        let before = ember::rt::processes().len();
        let r = Supervisor::start_link(Flags::one_for_one().period(0), []).await;
        let e = supervisor::StartError::InvalidFlags(FlagsError::InvalidPeriod(0));
        assert_eq!(r.unwrap_err(), e);
        let r = DynamicSupervisor::start_link(DynamicOptions::new().strategy(Strategy::RestForOne))
            .await;
        let e =
            supervisor::StartError::InvalidFlags(FlagsError::InvalidStrategy(Strategy::RestForOne));
        assert_eq!(r.unwrap_err(), e);
        let r = DynamicSupervisor::start_link(DynamicOptions::new().period(0)).await;
        assert!(r.is_err());
        assert_eq!(ember::rt::processes().len(), before);
    });
}

#[test]
fn child_operations_on_an_unknown_id_are_not_found() {
    run(|_: Mailbox<()>| async {
        let sup = Supervisor::start_link(Flags::one_for_one(), [child("a")])
            .await
            .unwrap();
        let r = sup.terminate_child("zz").await;
        assert_eq!(r, Err(TerminateChildError::NotFound));
        let r = sup.restart_child("zz").await;
        assert_eq!(r, Err(RestartChildError::NotFound));
        let r = sup.delete_child("zz").await;
        assert_eq!(r, Err(DeleteChildError::NotFound));
        let r = sup.restart_child("a").await;
        assert_eq!(r, Err(RestartChildError::Running));
        assert_eq!(sup.delete_child("a").await, Err(DeleteChildError::Running));
        assert_eq!(sup.count_children().await.unwrap().active, 1);
    });
}

#[test]
fn dynamic_supervisor_misuse_is_typed() {
    run(|_: Mailbox<()>| async {
        let ds = DynamicSupervisor::start_link(DynamicOptions::new().max_children(1))
            .await
            .unwrap();
        let me = ember::rt::self_pid();
        let r = ds.terminate_child(me).await;
        assert_eq!(r, Err(TerminateChildError::NotFound));
        let Started::Pid(c) = ds.start_child(child("c")).await.unwrap() else {
            panic!()
        };
        let r = ds.start_child(child("d")).await;
        assert_eq!(r, Err(StartChildError::MaxChildren));
        assert_eq!(ds.terminate_child(c).await, Ok(()));
        let r = ds.terminate_child(c).await;
        assert_eq!(r, Err(TerminateChildError::NotFound));
        assert!(DynamicSupervisor::<u8>::from_pid(ds.pid()).is_err()); // wrong extra-arg type
        assert_eq!(ds.count_children().await.unwrap().active, 0);
    });
}

// ---------------------------------------------------------------------------------------------
// Applications, registries, tasks, runtimes

struct App(&'static str);

impl Application for App {
    type State = ();
    fn name(&self) -> &str {
        self.0
    }
    async fn start(&mut self) -> Result<(Supervisor, ()), ExitReason> {
        Ok((Supervisor::start_link(Flags::default(), []).await?, ()))
    }
}

#[test]
fn stopping_a_stopped_application_is_not_started() {
    run(|_: Mailbox<()>| async {
        let app = application::start(App("shop")).await.unwrap();
        app.stop().await.unwrap();
        let not_started = ApplicationError::NotStarted("shop".into());
        assert_eq!(app.stop().await, Err(not_started.clone()));
        assert_eq!(application::stop("shop").await, Err(not_started));
        let never = ApplicationError::NotStarted("never".into());
        assert_eq!(application::stop("never").await, Err(never));
    });
}

#[test]
fn starting_an_application_twice_is_already_started() {
    run(|_: Mailbox<()>| async {
        let app = application::start(App("twice")).await.unwrap();
        let again = application::start(App("twice")).await.unwrap_err();
        assert_eq!(again, ApplicationError::AlreadyStarted("twice".into()));
        assert_eq!(application::which_applications(), ["twice"]);
        app.stop().await.unwrap();
    });
}

/// `InvalidName` is documented for "empty or `undefined`", but `start` registers the master as
/// `application:<name>`, always a valid name, so these names start and the error never comes.
#[test]
fn an_application_with_an_empty_or_undefined_name_is_invalid_name() {
    run(|_: Mailbox<()>| async {
        for bad in ["", "undefined"] {
            let e = application::start(App(bad))
                .await
                .map(|app| app.name().to_owned());
            assert_eq!(e, Err(ApplicationError::InvalidName(bad.into())));
        }
        assert!(application::which_applications().is_empty());
    });
}

#[test]
fn registry_misuse_is_typed() {
    run(|_: Mailbox<()>| async {
        let reg: Registry<&'static str, u8> = Registry::new(Keys::Unique);
        assert_eq!(reg.register("k", 1), Err(RegistryError::NotRunning));
        let partition = reg.start_link().unwrap();
        let r = reg.start_link();
        assert_eq!(r, Err(RegistryError::AlreadyRunning(partition)));
        reg.register("k", 1).unwrap();
        let me = ember::rt::self_pid();
        let r = reg.register("k", 2);
        assert_eq!(r, Err(RegistryError::AlreadyRegistered(me)));
        assert_eq!(reg.unregister(&"never registered"), Ok(())); // Elixir: :ok
        assert_eq!(reg.lookup(&"k"), vec![(me, 1)]);
    });
}

#[test]
fn awaiting_a_task_twice_or_from_another_process_is_an_error() {
    run(|mut mb: Mailbox<Result<u32, TaskError>>| async move {
        let mut t = Task::spawn(async { 5u32 });
        assert_eq!(t.await_timeout(HANG_GUARD).await, Ok(5));
        let r = t.await_timeout(HANG_GUARD).await;
        assert_eq!(r, Err(TaskError::AlreadyAwaited));
        let other = Task::spawn(async { 6u32 });
        let me = mb.pid();
        ember::rt::spawn(move |_: Mailbox<()>| async move {
            let mut other = other;
            me.send(other.await_timeout(HANG_GUARD).await);
        });
        let r = mb.recv().await;
        assert!(matches!(r, Err(TaskError::NotOwner { .. })), "{r:?}");
    });
}

#[test]
fn otp_starts_outside_a_process_are_not_in_process() {
    let rt = Runtime::new().unwrap();
    let plain = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    plain.block_on(async {
        let r = gen_server::start::<Echo>(()).await;
        assert_eq!(r.unwrap_err(), StartError::NotInProcess);
        let r = Supervisor::start_link(Flags::default(), []).await;
        assert_eq!(r.unwrap_err(), supervisor::StartError::NotInProcess);
        let r = DynamicSupervisor::start_link(DynamicOptions::new()).await;
        assert_eq!(r.unwrap_err(), supervisor::StartError::NotInProcess);
        let r = Agent::start(|| 0u8).await;
        assert_eq!(r.unwrap_err(), StartError::NotInProcess);
        let reg: Registry<u8, u8> = Registry::new(Keys::Unique);
        assert_eq!(reg.start_link(), Err(RegistryError::NotInProcess));
        assert_eq!(reg.register(1, 1), Err(RegistryError::NotInProcess));
        let r = application::start(App("outside")).await;
        assert_eq!(r.unwrap_err(), ApplicationError::NotInProcess);
    });
    assert!(rt.processes().is_empty(), "a refused start left a process");
}

#[test]
fn builder_with_zero_workers_is_a_build_error() {
    let configs = [
        Runtime::builder().workers(0),
        Runtime::builder().budget(0),
        Runtime::builder().dirty_cpu_threads(0),
        Runtime::builder().max_blocking_threads(0),
    ];
    for b in configs {
        let r = b.build();
        assert!(matches!(r, Err(BuildError::Config(_))), "{r:?}");
    }
}
