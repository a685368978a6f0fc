//! DynamicSupervisor semantics (otp-semantics H2, and G12 where Elixir and Erlang agree).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use ember_otp::child::{ChildSpec, ChildType, Restart, Shutdown, Started};
use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use ember_otp::supervisor::{
    ChildStatus, FlagsError, StartChildError, StartError, Strategy, TerminateChildError,
};
use ember_rt::{ExitReason, Mailbox, Message, Pid, Runtime, SpawnOpts};

#[derive(Debug, PartialEq)]
enum Ev {
    Started(u32, Pid),
    GotShutdown(Pid),
    Terminated(Pid),
}

enum Cmd {
    Exit(ExitReason),
}

/// A worker started with argument `arg`; trapping workers report the shutdown they get, wait
/// `stop_delay_ms`, then report they are done.
fn worker(arg: u32, to: Pid<Ev>, trap: bool, stop_delay_ms: u64) -> ChildSpec {
    ChildSpec::new("worker", move || async move {
        let opts = SpawnOpts::new().link().trap_exit(trap);
        let spawned = ember_rt::spawn_opt(opts, move |mut mb: Mailbox<Cmd>| async move {
            loop {
                match mb.recv_any().await {
                    Message::User(Cmd::Exit(r)) => return r,
                    Message::Exit(e) => {
                        let me = ember_rt::self_pid();
                        to.send(Ev::GotShutdown(me));
                        ember_rt::sleep(Duration::from_millis(stop_delay_ms)).await;
                        to.send(Ev::Terminated(me));
                        return e.reason;
                    }
                    Message::Down(_) => {}
                }
            }
        });
        let pid = spawned.map_err(ExitReason::error)?.pid.untyped();
        to.send(Ev::Started(arg, pid));
        Ok(Started::Pid(pid))
    })
}

fn rt() -> Runtime {
    Runtime::builder().workers(2).build().unwrap()
}

async fn next(mb: &mut Mailbox<Ev>) -> Ev {
    mb.recv_timeout(Duration::from_secs(10))
        .await
        .expect("expected an event")
}

async fn started(mb: &mut Mailbox<Ev>) -> (u32, Pid) {
    match next(mb).await {
        Ev::Started(arg, pid) => (arg, pid),
        other => panic!("expected Started, got {other:?}"),
    }
}

async fn crash(pid: Pid, reason: ExitReason) {
    pid.typed::<Cmd>().unwrap().send(Cmd::Exit(reason));
    ember_rt::watch(pid).await;
}

#[test]
fn h02_only_one_for_one_is_accepted() {
    rt().run(|_mb: Mailbox<Ev>| async move {
        for s in [Strategy::OneForAll, Strategy::RestForOne] {
            let r = DynamicSupervisor::start_link(DynamicOptions::new().strategy(s)).await;
            assert_eq!(
                r,
                Err(StartError::InvalidFlags(FlagsError::InvalidStrategy(s)))
            );
        }
        assert!(
            DynamicSupervisor::start_link(DynamicOptions::new())
                .await
                .is_ok()
        );
    })
    .unwrap();
}

#[test]
fn g12_starts_with_no_children_and_ignore_keeps_nothing() {
    rt().run(|_mb: Mailbox<Ev>| async move {
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        assert_eq!(ds.count_children().await.unwrap().specs, 0);
        let ignore = ChildSpec::new("i", || async { Ok(Started::Ignore) });
        assert_eq!(ds.start_child(ignore).await, Ok(Started::Ignore));
        assert!(ds.which_children().await.unwrap().is_empty());
    })
    .unwrap();
}

#[test]
fn h02_max_children() {
    rt().run(|mb: Mailbox<Ev>| async move {
        let me = mb.pid();
        assert_eq!(DynamicOptions::new().max_children, None); // :infinity
        let ds = DynamicSupervisor::start_link(DynamicOptions::new().max_children(2))
            .await
            .unwrap();
        let Started::Pid(a) = ds.start_child(worker(1, me, false, 0)).await.unwrap() else {
            panic!()
        };
        ds.start_child(worker(2, me, false, 0)).await.unwrap();
        assert_eq!(
            ds.start_child(worker(3, me, false, 0)).await,
            Err(StartChildError::MaxChildren)
        );
        ds.terminate_child(a).await.unwrap();
        assert!(ds.start_child(worker(3, me, false, 0)).await.is_ok());
    })
    .unwrap();
}

#[test]
fn h02_extra_arguments_are_given_to_every_start_and_restart() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let me = mb.pid();
        let ds = DynamicSupervisor::start_link(DynamicOptions::new().extra_arguments(100u32))
            .await
            .unwrap();
        // Elixir: start_child(ds, {Worker, 5}) with extra_arguments [100] → Worker.start_link(100, 5)
        ds.start_child_with(move |extra: &u32| worker(extra + 5, me, false, 0))
            .await
            .unwrap();
        let (arg, pid) = started(&mut mb).await;
        assert_eq!(arg, 105);
        crash(pid, ExitReason::atom("boom")).await;
        let (arg, pid2) = started(&mut mb).await;
        assert_eq!(arg, 105); // the restart uses the same arguments
        assert_ne!(pid, pid2);
        assert_eq!(ds.restart_count().await.unwrap(), 1);
    })
    .unwrap();
}

#[test]
fn h02_ignore_and_start_errors() {
    rt().run(|_mb: Mailbox<Ev>| async move {
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        let ignore = ChildSpec::new("i", || async { Ok(Started::Ignore) });
        assert_eq!(ds.start_child(ignore).await, Ok(Started::Ignore));
        let failing = ChildSpec::new("f", || async { Err(ExitReason::atom("nope")) });
        assert_eq!(
            ds.start_child(failing).await,
            Err(StartChildError::StartFailed(ExitReason::atom("nope")))
        );
        assert_eq!(ds.count_children().await.unwrap().specs, 0);
    })
    .unwrap();
}

#[test]
fn h02_terminate_child_is_ok_then_not_found_and_counts() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let me = mb.pid();
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        let Started::Pid(a) = ds.start_child(worker(1, me, true, 0)).await.unwrap() else {
            panic!()
        };
        let sub = DynamicSupervisor::child_spec("sub", DynamicOptions::new());
        ds.start_child(sub).await.unwrap();
        let c = ds.count_children().await.unwrap();
        assert_eq!((c.specs, c.active, c.supervisors, c.workers), (2, 2, 1, 1));
        let kids = ds.which_children().await.unwrap();
        assert!(
            kids.iter()
                .any(|k| k.status == ChildStatus::Running(a) && k.child_type == ChildType::Worker)
        );
        assert_eq!(ds.terminate_child(a).await, Ok(()));
        assert_eq!(
            ds.terminate_child(a).await,
            Err(TerminateChildError::NotFound)
        );
        assert!(!a.is_alive());
        assert_eq!(ds.count_children().await.unwrap().workers, 0);
        let _ = mb.flush();
    })
    .unwrap();
}

#[test]
fn h02_restart_types() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let me = mb.pid();
        let ds = DynamicSupervisor::start_link(DynamicOptions::new().intensity(100))
            .await
            .unwrap();
        ds.start_child(worker(1, me, false, 0)).await.unwrap();
        let (_, perm) = started(&mut mb).await;
        ds.start_child(worker(2, me, false, 0).restart(Restart::Transient))
            .await
            .unwrap();
        let (_, trans) = started(&mut mb).await;
        ds.start_child(worker(3, me, false, 0).restart(Restart::Temporary))
            .await
            .unwrap();
        let (_, temp) = started(&mut mb).await;
        crash(perm, ExitReason::Normal).await;
        assert_eq!(started(&mut mb).await.0, 1); // permanent: restarted after normal
        crash(trans, ExitReason::Shutdown).await; // transient + clean: removed
        crash(temp, ExitReason::atom("boom")).await; // temporary: removed
        let c = ds.count_children().await.unwrap();
        assert_eq!(c.specs, 1);
        assert_eq!(ds.restart_count().await.unwrap(), 1);
    })
    .unwrap();
}

#[test]
fn h02_default_intensity_is_three_in_five() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        let exit = ember_rt::watch(ds.pid());
        ds.start_child(worker(1, me, false, 0)).await.unwrap();
        let (_, mut pid) = started(&mut mb).await;
        for _ in 0..3 {
            crash(pid, ExitReason::atom("boom")).await;
            pid = started(&mut mb).await.1;
        }
        crash(pid, ExitReason::atom("boom")).await;
        assert_eq!(exit.await, ExitReason::Shutdown);
    })
    .unwrap();
}

#[test]
fn h02_failed_restarts_are_retried_and_count() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let attempts = Arc::new(AtomicU32::new(0));
        let seen = attempts.clone();
        let inner = worker(1, me, false, 0);
        let flaky = ChildSpec::new("flaky", move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            let start = inner.start_child();
            async move {
                if n == 0 {
                    start.await
                } else {
                    Err(ExitReason::atom("cannot"))
                }
            }
        });
        let ds = DynamicSupervisor::start_link(DynamicOptions::new().intensity(3))
            .await
            .unwrap();
        let exit = ember_rt::watch(ds.pid());
        ds.start_child(flaky).await.unwrap();
        let (_, pid) = started(&mut mb).await;
        crash(pid, ExitReason::atom("boom")).await;
        assert_eq!(exit.await, ExitReason::Shutdown);
        assert_eq!(attempts.load(Ordering::SeqCst), 4);
    })
    .unwrap();
}

#[test]
fn h02_shutdown_stops_children_concurrently_and_takes_the_parents_reason() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let me = mb.pid();
        let parent = ember_rt::spawn(move |mut pmb: Mailbox<ExitReason>| async move {
            let ds = DynamicSupervisor::start_link(DynamicOptions::new().name("pool"))
                .await
                .unwrap();
            for i in 0..3 {
                let spec =
                    worker(i, me, true, 100).shutdown(Shutdown::Timeout(Duration::from_secs(10)));
                ds.start_child(spec).await.unwrap();
            }
            pmb.recv().await
        });
        for _ in 0..3 {
            started(&mut mb).await;
        }
        let ds = DynamicSupervisor::<()>::whereis("pool").unwrap();
        let exit = ember_rt::watch(ds.pid());
        parent.send(ExitReason::atom("parent_gone"));
        // All three get their shutdown before any of them has finished stopping.
        for _ in 0..3 {
            assert!(matches!(next(&mut mb).await, Ev::GotShutdown(_)));
        }
        for _ in 0..3 {
            assert!(matches!(next(&mut mb).await, Ev::Terminated(_)));
        }
        assert_eq!(exit.await, ExitReason::atom("parent_gone"));
    })
    .unwrap();
}

#[test]
fn h02_stop_and_calls_on_a_dead_supervisor() {
    rt().run(|_mb: Mailbox<Ev>| async move {
        let ds = DynamicSupervisor::start_link(DynamicOptions::new())
            .await
            .unwrap();
        ds.stop(ExitReason::Normal).await.unwrap();
        assert!(matches!(
            ds.count_children().await,
            Err(ember_otp::supervisor::CallError::NoProc)
        ));
        let r = ds
            .start_child(ChildSpec::new("x", || async { Ok(Started::Ignore) }))
            .await;
        assert!(matches!(r, Err(StartChildError::Call(_))));
    })
    .unwrap();
}
