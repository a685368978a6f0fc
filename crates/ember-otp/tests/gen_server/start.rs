//! Starting: F1, F2, D6 names, starting outside a process, H1 child specs.

use super::*;

// F1: starts are synchronous; start timeout

#[test]
fn f01_start_link_is_synchronous_init_has_run_when_it_returns() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = gen_server::start_link::<Probe>(setup(mb.pid(), InitMode::Ok))
            .await
            .unwrap();
        // Init's event is already here: no waiting.
        assert_eq!(mb.recv_timeout(Duration::ZERO).await, Some(Ev::Init));
        let me = ember_rt::process_info(ember_rt::self_pid()).unwrap();
        assert!(me.links.contains(&server.pid()));
    });
}

#[test]
fn f01_start_timeout_returns_timeout_and_kills_the_half_started_server() {
    run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let opts = StartOpts::new()
            .link()
            .name("slow")
            .timeout(Duration::from_millis(20));
        let r = gen_server::start_opts::<Probe>(
            setup(mb.pid(), InitMode::Sleep(Duration::from_secs(60))),
            opts,
        )
        .await;
        assert_eq!(r.unwrap_err(), StartError::Timeout);
        // Killed at once: its name is free.
        assert_eq!(ember_rt::whereis("slow"), None);
        // It was unlinked before the kill: no exit signal reached the (trapping) caller, only
        // init's event (if init got to run within the 20 ms).
        while let Some(msg) = mb.recv_any_timeout(QUIET).await {
            assert!(matches!(msg, Message::User(Ev::Init)), "unexpected {msg:?}");
        }
    });
}

// F2: init results

#[test]
fn f02_init_ok_returns_a_running_server() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert!(server.is_alive());
        assert_eq!(server.call(Cmd::Echo(3)).await, Ok(Ok(3)));
    });
}

#[test]
fn f02_init_timeout_runs_handle_info_timeout_when_no_message_arrives() {
    run(|mut mb: Mailbox<Ev>| async move {
        gen_server::start::<Probe>(setup(
            mb.pid(),
            InitMode::Timeout(Duration::from_millis(10)),
        ))
        .await
        .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Timeout);
    });
}

#[test]
fn f02_init_timeout_is_cancelled_by_any_message() {
    run(|mut mb: Mailbox<Ev>| async move {
        // The message is queued during init, so it is there before the timeout starts.
        let mode = InitMode::TimeoutWithMessage(Duration::from_millis(50));
        gen_server::start::<Probe>(setup(mb.pid(), mode))
            .await
            .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Info(1));
        assert_eq!(
            mb.recv_timeout(Duration::from_millis(200)).await,
            None,
            "the timeout should be cancelled"
        );
    });
}

#[test]
fn f02_init_hibernate_is_accepted_and_the_server_runs() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Hibernate).await;
        assert_eq!(server.call(Cmd::Echo(1)).await, Ok(Ok(1)));
    });
}

#[test]
fn f02_init_continue_runs_before_any_message_even_one_queued_during_init() {
    run(|mut mb: Mailbox<Ev>| async move {
        gen_server::start::<Probe>(setup(mb.pid(), InitMode::Continue(7)))
            .await
            .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Continue(7));
        assert_eq!(next(&mut mb).await, Ev::Info(99));
    });
}

#[test]
fn f02_init_ignore_returns_ignored_and_the_process_exits_normal() {
    run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let r = gen_server::start_link::<Probe>(setup(mb.pid(), InitMode::Ignore)).await;
        assert_eq!(r.unwrap_err(), StartError::Ignored);
        assert_eq!(next(&mut mb).await, Ev::Init);
        // A trapping linked caller gets {'EXIT', P, normal}.
        match next_any(&mut mb).await {
            Message::Exit(e) => assert_eq!(e.reason, ExitReason::Normal),
            other => panic!("expected an exit, got {other:?}"),
        }
    });
}

#[test]
fn f02_init_stop_returns_the_error_and_the_process_exits_with_the_reason() {
    run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let r =
            gen_server::start_link::<Probe>(setup(mb.pid(), InitMode::Stop(atom("boom")))).await;
        assert_eq!(r.unwrap_err(), StartError::Exit(atom("boom")));
        assert_eq!(next(&mut mb).await, Ev::Init);
        match next_any(&mut mb).await {
            Message::Exit(e) => assert_eq!(e.reason, atom("boom")),
            other => panic!("expected an exit, got {other:?}"),
        }
    });
}

#[test]
fn f02_init_stop_reason_kills_nontrapping_start_link_caller() {
    run(|mut mb: Mailbox<Ev>| async move {
        let obs = mb.pid();
        let (caller, _) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            let _ = gen_server::start_link::<Probe>(setup(obs, InitMode::Stop(atom("boom")))).await;
            // Not reached: the link killed this process.
            obs.send(Ev::Call(0));
        });
        assert_eq!(exit_of(caller.untyped()).await, atom("boom"));
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(mb.recv_timeout(QUIET).await, None);
    });
}

#[test]
fn f02_init_stop_normal_does_not_kill_the_start_link_caller() {
    run(|mut mb: Mailbox<Ev>| async move {
        let obs = mb.pid();
        ember_rt::spawn(move |_: Mailbox<()>| async move {
            let r = gen_server::start_link::<Probe>(setup(obs, InitMode::Stop(ExitReason::Normal)))
                .await;
            assert_eq!(r.unwrap_err(), StartError::Exit(ExitReason::Normal));
            obs.send(Ev::Call(1)); // still alive
        });
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Call(1));
    });
}

#[test]
fn f02_init_panic_returns_the_panic_reason() {
    run(|mb: Mailbox<Ev>| async move {
        let r = gen_server::start::<Probe>(setup(mb.pid(), InitMode::Panic)).await;
        match r {
            Err(StartError::Exit(ExitReason::Panic { message, .. })) => {
                assert_eq!(&*message, "init exploded")
            }
            other => panic!("expected a panic reason, got {other:?}"),
        }
    });
}

// D6: names

#[test]
fn d06_the_name_is_registered_before_init_runs() {
    run(|mut mb: Mailbox<Ev>| async move {
        let opts = StartOpts::new().name("early");
        let server =
            gen_server::start_opts::<Probe>(setup(mb.pid(), InitMode::CheckName("early")), opts)
                .await
                .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::NameIsMine(true));
        assert_eq!(Server::<Probe>::whereis("early"), Ok(server));
    });
}

#[test]
fn d06_a_second_start_with_the_same_name_is_already_started() {
    run(|mut mb: Mailbox<Ev>| async move {
        let opts = StartOpts::new().link().name("limiter");
        let first = gen_server::start_opts::<Probe>(setup(mb.pid(), InitMode::Ok), opts.clone())
            .await
            .unwrap();
        let second = gen_server::start_opts::<Probe>(setup(mb.pid(), InitMode::Ok), opts).await;
        assert_eq!(second.unwrap_err(), StartError::AlreadyStarted(first.pid()));
        // No second init ran.
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(mb.recv_timeout(QUIET).await, None);
    });
}

#[test]
fn start_outside_a_process_is_a_typed_error() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let obs: Pid<Ev> = rt.spawn(|mut mb: Mailbox<Ev>| async move {
        mb.recv().await;
    });
    // A plain thread entered into tokio only for the future's sake.
    let r = futures_lite_block_on(gen_server::start::<Probe>(setup(obs, InitMode::Ok)));
    assert_eq!(r.unwrap_err(), StartError::NotInProcess);
}

/// Poll a future that is ready at its first poll (no executor needed).
fn futures_lite_block_on<F: Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match fut.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => panic!("expected an immediate result"),
    }
}

// H1: child spec

#[test]
fn h01_child_spec_starts_through_start_link_with_the_type_name_as_id() {
    run(|mb: Mailbox<Ev>| async move {
        let spec = gen_server::child_spec::<Probe>(setup(mb.pid(), InitMode::Ok));
        assert_eq!(spec.id(), std::any::type_name::<Probe>());
        let Ok(Started::Pid(pid)) = spec.start_child().await else {
            panic!("expected a pid")
        };
        let me = ember_rt::process_info(ember_rt::self_pid()).unwrap();
        assert!(me.links.contains(&pid), "started with a link");
        let server = Server::<Probe>::from_pid(pid).unwrap();
        assert_eq!(server.call(Cmd::Echo(4)).await, Ok(Ok(4)));
        assert_eq!(spec.with_id("probe").id(), "probe");
    });
}

#[test]
fn h01_child_spec_maps_ignore_and_failures() {
    run(|mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let ignore = gen_server::child_spec::<Probe>(setup(mb.pid(), InitMode::Ignore));
        assert_eq!(ignore.start_child().await, Ok(Started::Ignore));
        let stop = gen_server::child_spec::<Probe>(setup(mb.pid(), InitMode::Stop(atom("boom"))));
        assert_eq!(stop.start_child().await, Err(atom("boom")));
        let named = gen_server::child_spec_opts::<Probe>(
            setup(mb.pid(), InitMode::Ok),
            StartOpts::new().name("one"),
        );
        assert!(matches!(named.start_child().await, Ok(Started::Pid(_))));
        let Err(ExitReason::Term(t)) = named.start_child().await else {
            panic!("expected already_started")
        };
        assert!(t.to_string().starts_with("{already_started,"));
    });
}
