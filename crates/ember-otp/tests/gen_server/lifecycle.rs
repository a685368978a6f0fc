//! Messages, termination and reports: F9 to F12, and the default callbacks.

use super::*;

// F9: handle_info

#[test]
fn f09_handle_info_gets_raw_sends_timers_downs_and_exits_from_non_parents() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = gen_server::start::<Probe>(trapping(mb.pid()))
            .await
            .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        server.send(1);
        assert_eq!(next(&mut mb).await, Ev::Info(1));
        server.send_after(Duration::from_millis(5), 2);
        assert_eq!(next(&mut mb).await, Ev::Info(2));

        let watched = idle();
        server
            .call(Cmd::Monitor(watched.untyped()))
            .await
            .unwrap()
            .unwrap();
        watched.send(());
        assert_eq!(next(&mut mb).await, Ev::Down(ExitReason::Normal));

        let peer = ember_rt::spawn(|mut mb: Mailbox<()>| async move {
            mb.recv().await;
            ExitReason::atom("peer_done")
        });
        server
            .call(Cmd::Link(peer.untyped()))
            .await
            .unwrap()
            .unwrap();
        peer.send(());
        assert_eq!(
            next(&mut mb).await,
            Ev::Exit(peer.untyped(), atom("peer_done"))
        );
        assert!(server.is_alive());
    });
}

// F10: when terminate runs

#[test]
fn f10_terminate_runs_when_a_callback_returns_stop() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.cast(CastCmd::Stop(ExitReason::Normal));
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Terminate(ExitReason::Normal));
    });
}

#[test]
fn f10_terminate_runs_when_a_callback_panics_with_the_panic_reason() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.cast(CastCmd::Panic);
        assert_eq!(next(&mut mb).await, Ev::Init);
        match next(&mut mb).await {
            Ev::Terminate(ExitReason::Panic { message, .. }) => {
                assert_eq!(&*message, "handle_cast exploded")
            }
            other => panic!("expected terminate with the panic, got {other:?}"),
        }
        assert!(matches!(
            exit_of(server.pid()).await,
            ExitReason::Panic { .. } | ExitReason::NoProc
        ));
    });
}

#[test]
fn f10_terminate_runs_on_stop() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.stop(ExitReason::Shutdown, WAIT).await.unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Terminate(ExitReason::Shutdown));
    });
}

#[test]
fn f10_terminate_runs_on_the_parents_exit_signal_when_trapping() {
    run(|mut mb: Mailbox<Ev>| async move {
        let obs = mb.pid();
        let (parent, _) = ember_rt::spawn_monitor(move |mut pm: Mailbox<()>| async move {
            let opts = StartOpts::new().link().name("child_of_parent");
            gen_server::start_opts::<Probe>(trapping(obs), opts)
                .await
                .unwrap();
            pm.recv().await;
            ExitReason::atom("parent_gone")
        });
        assert_eq!(next(&mut mb).await, Ev::Init);
        let server = ember_rt::whereis("child_of_parent").unwrap();
        let server_exit = ember_rt::watch(server);
        parent.send(());
        assert_eq!(next(&mut mb).await, Ev::Terminate(atom("parent_gone")));
        assert_eq!(
            tokio::time::timeout(WAIT, server_exit).await.unwrap(),
            atom("parent_gone")
        );
    });
}

#[test]
fn f10_terminate_does_not_run_when_not_trapping_and_the_parent_sends_shutdown() {
    run(|mut mb: Mailbox<Ev>| async move {
        let obs = mb.pid();
        ember_rt::spawn(move |mut pm: Mailbox<()>| async move {
            ember_rt::trap_exit(true); // the parent survives its child's end
            let server = gen_server::start_link::<Probe>(setup(obs, InitMode::Ok))
                .await
                .unwrap();
            ember_rt::exit(server.pid(), ExitReason::Shutdown);
            let _ = pm.recv_any().await;
            obs.send(Ev::Call(0));
        });
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Call(0));
        assert_eq!(mb.recv_timeout(QUIET).await, None, "terminate must not run");
    });
}

#[test]
fn f10_terminate_does_not_run_on_kill() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = gen_server::start::<Probe>(trapping(mb.pid()))
            .await
            .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        let exited = ember_rt::watch(server.pid());
        ember_rt::exit(server.pid(), ExitReason::Kill);
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            ExitReason::Killed
        );
        assert_eq!(mb.recv_timeout(QUIET).await, None, "terminate must not run");
    });
}

#[test]
fn f10_an_exit_from_a_non_parent_while_trapping_is_only_handle_info() {
    run(|mut mb: Mailbox<Ev>| async move {
        // Parent = this process (start_link); the signal comes from another one.
        let server = gen_server::start_link::<Probe>(trapping(mb.pid()))
            .await
            .unwrap();
        assert_eq!(next(&mut mb).await, Ev::Init);
        let pid = server.pid();
        let other = ember_rt::spawn(move |_: Mailbox<()>| async move {
            ember_rt::exit(pid, ExitReason::Shutdown);
        });
        assert_eq!(
            next(&mut mb).await,
            Ev::Exit(other.untyped(), ExitReason::Shutdown)
        );
        assert_eq!(server.call(Cmd::Echo(1)).await, Ok(Ok(1)));
    });
}

// F11: stop

#[test]
fn f11_stop_is_synchronous_terminate_has_run_and_the_process_is_gone() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(
            server.stop(ExitReason::Normal, Timeout::Infinity).await,
            Ok(())
        );
        assert!(!server.is_alive());
        assert_eq!(mb.recv_timeout(Duration::ZERO).await, Some(Ev::Init));
        assert_eq!(
            mb.recv_timeout(Duration::ZERO).await,
            Some(Ev::Terminate(ExitReason::Normal))
        );
    });
}

#[test]
fn f11_stop_with_a_custom_reason_works_and_is_reported() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe_named(mb.pid(), "custom").await;
        assert_eq!(server.stop(atom("custom"), WAIT).await, Ok(()));
        let reports = crash_reports("custom");
        assert_eq!(reports.len(), 1, "{reports:?}");
        assert_eq!(reports[0].fields["reason"], "custom");
        assert_eq!(reports[0].fields["last_message"], "stop");
    });
}

#[test]
fn f11_stop_of_a_server_that_is_not_alive_is_noproc() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.stop(ExitReason::Normal, WAIT).await.unwrap();
        assert_eq!(
            server.stop(ExitReason::Normal, WAIT).await,
            Err(CallError::NoProc)
        );
    });
}

// F12: the final reason, and crash reports

#[test]
fn f12_the_final_exit_reason_is_the_stop_reason() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        let exited = ember_rt::watch(server.pid());
        server.cast(CastCmd::Stop(ExitReason::ShutdownWith(Term::atom(
            "db_down",
        ))));
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            ExitReason::ShutdownWith(Term::atom("db_down"))
        );
    });
}

#[test]
fn f12_crash_reports_for_every_reason_except_normal_shutdown_and_shutdown_with() {
    run(|mb: Mailbox<Ev>| async move {
        let clean = [
            ExitReason::Normal,
            ExitReason::Shutdown,
            ExitReason::ShutdownWith(Term::atom("x")),
        ];
        for (i, reason) in clean.into_iter().enumerate() {
            let name = format!("clean{i}");
            let server = probe_named(mb.pid(), &name).await;
            let exited = ember_rt::watch(server.pid());
            server.cast(CastCmd::Stop(reason.clone()));
            assert_eq!(tokio::time::timeout(WAIT, exited).await.unwrap(), reason);
            assert!(crash_reports(&name).is_empty(), "no report for {reason}");
        }
        let server = gen_server::start_opts::<Probe>(
            setup(mb.pid(), InitMode::Ok),
            StartOpts::new().name("crashy"),
        )
        .await
        .unwrap();
        let exited = ember_rt::watch(server.pid());
        server.cast(CastCmd::Stop(atom("bad")));
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            atom("bad")
        );
        let reports = crash_reports("crashy");
        assert_eq!(reports.len(), 1, "{reports:?}");
        let f = &reports[0].fields;
        assert_eq!(
            (
                f["reason"].as_str(),
                f["last_message"].as_str(),
                f["name"].as_str()
            ),
            ("bad", "cast", "crashy")
        );
        assert!(f["server"].ends_with("Probe"));
        // A panic is reported as well, and so is a failed init.
        let server = probe_named(mb.pid(), "panicky").await;
        let exited = ember_rt::watch(server.pid());
        server.cast(CastCmd::Panic);
        tokio::time::timeout(WAIT, exited).await.unwrap();
        let reports = crash_reports("panicky");
        assert_eq!(reports.len(), 1);
        // The reason carries the panic's message and, captured by the runtime's panic hook,
        // its source location.
        let reason = &reports[0].fields["reason"];
        assert!(reason.starts_with("panic at "), "{reason}");
        assert!(reason.contains("probe.rs"), "{reason}");
        assert!(reason.ends_with(": handle_cast exploded"), "{reason}");
    });
}

#[test]
fn f12_a_failed_init_is_reported() {
    run(|mut mb: Mailbox<Ev>| async move {
        ember_rt::trap_exit(true);
        let setup = setup(mb.pid(), InitMode::Stop(atom("no_config")));
        let r = gen_server::start_opts::<Probe>(setup, named("no_config").link()).await;
        assert_eq!(r.unwrap_err(), StartError::Exit(atom("no_config")));
        assert!(matches!(next_any(&mut mb).await, Message::User(Ev::Init)));
        assert!(
            matches!(next_any(&mut mb).await, Message::Exit(e) if e.reason == atom("no_config"))
        );
        let reports = crash_reports("no_config");
        assert_eq!(reports.len(), 1);
        assert_eq!(reports[0].fields["last_message"], "init");
    });
}

// Defaults

#[test]
fn default_handle_call_and_handle_cast_stop_the_server_with_unhandled() {
    run(|_mb: Mailbox<Ev>| async move {
        let bare = gen_server::start::<Bare>(()).await.unwrap();
        match bare.call(()).await {
            Err(CallError::Exit(reason)) => assert!(
                reason
                    .to_string()
                    .ends_with("does not implement handle_call")
            ),
            other => panic!("expected the unhandled reason, got {other:?}"),
        }
        let bare = gen_server::start::<Bare>(()).await.unwrap();
        let exited = ember_rt::watch(bare.pid());
        bare.cast(());
        let reason = tokio::time::timeout(WAIT, exited).await.unwrap();
        assert!(
            reason
                .to_string()
                .ends_with("does not implement handle_cast"),
            "{reason}"
        );
    });
}

#[test]
fn default_handle_info_logs_and_keeps_running() {
    run(|_mb: Mailbox<Ev>| async move {
        let bare = gen_server::start_opts::<Bare>((), named("bare_info"))
            .await
            .unwrap();
        bare.send(1);
        // The stop request is handled after the info message: the server kept running, and
        // its warning was out before it stopped.
        assert_eq!(bare.stop(ExitReason::Normal, WAIT).await, Ok(()));
        let warnings = reports(tracing::Level::WARN, "bare_info");
        assert!(
            warnings.iter().any(|r| r.fields["kind"] == "info"),
            "{warnings:?}"
        );
        assert!(crash_reports("bare_info").is_empty());
    });
}
