//! Calls and casts: F3 to F8.

use super::*;

// F3: call, default timeout, by name

#[test]
fn f03_call_default_timeout_is_5_seconds() {
    // The 5 s default is a documented constant; waiting 5 s in a test is not worth it, the
    // timeout path itself is covered by f04 with a short explicit timeout.
    assert_eq!(DEFAULT_CALL_TIMEOUT, Duration::from_secs(5));
}

#[test]
fn f03_call_by_pid_handle_and_by_registered_name() {
    run(|mb: Mailbox<Ev>| async move {
        let server = gen_server::start_opts::<Probe>(
            setup(mb.pid(), InitMode::Ok),
            StartOpts::new().name("probe"),
        )
        .await
        .unwrap();
        assert_eq!(server.call(Cmd::Echo(1)).await, Ok(Ok(1)));
        assert_eq!(
            gen_server::call_name::<Probe>("probe", Cmd::Echo(2)).await,
            Ok(Ok(2))
        );
        let again = Server::<Probe>::from_pid(server.pid()).unwrap();
        assert_eq!(again.call(Cmd::Echo(3)).await, Ok(Ok(3)));
    });
}

#[test]
fn f03_call_by_name_to_another_server_type_is_a_typed_error() {
    run(|_mb: Mailbox<Ev>| async move {
        gen_server::start_opts::<Bare>((), StartOpts::new().name("bare"))
            .await
            .unwrap();
        let r = gen_server::call_name::<Probe>("bare", Cmd::Echo(1)).await;
        assert!(matches!(r, Err(CallError::WrongType { .. })), "{r:?}");
        assert!(matches!(
            gen_server::cast_name::<Probe>("bare", CastCmd::Note(1)),
            Err(CallError::WrongType { .. })
        ));
    });
}

// F4: timeout: the server keeps running, the late reply is dropped

#[test]
fn f04_call_timeout_leaves_the_server_running_and_drops_the_late_reply() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        let r = server
            .call_timeout(
                Cmd::Sleep(Duration::from_millis(50), 5),
                Duration::from_millis(5),
            )
            .await;
        assert_eq!(r, Err(CallError::Timeout));
        // The server still handles the request ...
        assert_eq!(next(&mut mb).await, Ev::Call(5));
        // ... keeps serving, and nothing (no reply, no DOWN) was left in the caller's mailbox.
        assert_eq!(server.call(Cmd::Echo(6)).await, Ok(Ok(6)));
        assert_eq!(next(&mut mb).await, Ev::Call(6));
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
        assert!(server.is_alive());
    });
}

// F5: immediate failures

#[test]
fn f05_call_to_a_dead_server_fails_noproc_at_once() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server
            .stop(ExitReason::Normal, Timeout::Infinity)
            .await
            .unwrap();
        // An infinite timeout: only the immediate noproc can end this call.
        assert_eq!(
            server.call_timeout(Cmd::Echo(1), Timeout::Infinity).await,
            Err(CallError::NoProc)
        );
    });
}

#[test]
fn f05_call_to_an_unregistered_name_fails_noproc_at_once() {
    run(|_mb: Mailbox<Ev>| async move {
        let r =
            gen_server::call_name_timeout::<Probe>("nobody", Cmd::Echo(1), Timeout::Infinity).await;
        assert_eq!(r, Err(CallError::NoProc));
    });
}

#[test]
fn f05_server_dying_during_the_call_fails_it_at_once_with_the_reason() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        match server.call_timeout(Cmd::Panic, Timeout::Infinity).await {
            Err(CallError::Exit(ExitReason::Panic { message, .. })) => {
                assert_eq!(&*message, "handle_call exploded")
            }
            other => panic!("expected the panic reason, got {other:?}"),
        }
        // Killed while a call waits for a deferred reply.
        let server = probe(mb.pid(), InitMode::Ok).await;
        let call = ember_otp::task::Task::spawn(async move {
            server.call_timeout(Cmd::Defer, Timeout::Infinity).await
        });
        while next(&mut mb).await != Ev::Deferred {}
        ember_rt::exit(server.pid(), ExitReason::Kill);
        assert_eq!(call.await, Ok(Err(CallError::Exit(ExitReason::Killed))));
    });
}

#[test]
fn f05_a_server_calling_itself_gets_calling_self() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(
            server.call(Cmd::CallSelf).await,
            Ok(Err(CallError::CallingSelf))
        );
    });
}

#[test]
fn f05_a_call_uses_no_link_and_leaves_no_monitor() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.call(Cmd::Echo(1)).await.unwrap().unwrap();
        let me = ember_rt::process_info(ember_rt::self_pid()).unwrap();
        assert!(!me.links.contains(&server.pid()));
        let it = ember_rt::process_info(server.pid()).unwrap();
        assert!(it.links.is_empty() && it.monitored_by.is_empty());
    });
}

// F6: handle_call results

#[test]
fn f06_reply_with_continue_runs_handle_continue_before_the_next_message() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        // The handler queues an info message to itself before returning the continue.
        let reply = server.call(Cmd::ReplyThen(1, Next::Continue(5))).await;
        assert_eq!(reply, Ok(Ok(1)));
        assert_eq!(next(&mut mb).await, Ev::Continue(5));
        assert_eq!(next(&mut mb).await, Ev::Info(99));
    });
}

#[test]
fn f06_reply_with_timeout_produces_handle_info_timeout() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(
            server
                .call(Cmd::ReplyThen(1, Next::Timeout(Duration::from_millis(5))))
                .await,
            Ok(Ok(1))
        );
        assert_eq!(next(&mut mb).await, Ev::Timeout);
    });
}

#[test]
fn f06_noreply_with_nobody_replying_times_out() {
    run(|mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        let r = server
            .call_timeout(Cmd::Defer, Duration::from_millis(10))
            .await;
        assert_eq!(r, Err(CallError::Timeout));
    });
}

#[test]
fn f06_stop_with_reply_sends_the_reply_then_runs_terminate() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        let exited = ember_rt::watch(server.pid());
        assert_eq!(
            server.call(Cmd::StopReply(ExitReason::Shutdown, 9)).await,
            Ok(Ok(9))
        );
        assert_eq!(next(&mut mb).await, Ev::Terminate(ExitReason::Shutdown));
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            ExitReason::Shutdown
        );
    });
}

#[test]
fn f06_stop_without_reply_gives_the_caller_the_reason() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(
            server.call(Cmd::Stop(atom("bye"))).await,
            Err(CallError::Exit(atom("bye")))
        );
        assert_eq!(next(&mut mb).await, Ev::Terminate(atom("bye")));
    });
}

// F7: deferred replies

#[test]
fn f07_deferred_reply_from_another_process_reaches_the_caller() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(server.call(Cmd::ReplyFromElsewhere(77)).await, Ok(Ok(77)));
        // And from the server itself, later, while it handles a cast.
        let caller = ember_otp::task::Task::spawn(async move { server.call(Cmd::Defer).await });
        while next(&mut mb).await != Ev::Deferred {}
        server.cast(CastCmd::Release(8));
        assert_eq!(caller.await, Ok(Ok(Ok(8))));
    });
}

#[test]
fn f07_replying_to_a_dead_caller_is_silent() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        assert_eq!(next(&mut mb).await, Ev::Init);
        let (caller, _) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            let _ = server.call(Cmd::Defer).await;
        });
        assert_eq!(next(&mut mb).await, Ev::Deferred);
        let exited = ember_rt::watch(caller);
        ember_rt::exit(caller, ExitReason::Kill);
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            ExitReason::Killed
        );
        server.cast(CastCmd::Release(1));
        assert_eq!(next(&mut mb).await, Ev::Cast(1));
        assert_eq!(server.call(Cmd::Echo(2)).await, Ok(Ok(2)));
    });
}

// F8: cast

#[test]
fn f08_cast_returns_at_once_even_to_a_dead_server_or_an_unknown_name() {
    run(|mut mb: Mailbox<Ev>| async move {
        let server = probe(mb.pid(), InitMode::Ok).await;
        server.cast(CastCmd::Note(1));
        assert_eq!(next(&mut mb).await, Ev::Init);
        assert_eq!(next(&mut mb).await, Ev::Cast(1));
        server
            .stop(ExitReason::Normal, Timeout::Infinity)
            .await
            .unwrap();
        server.cast(CastCmd::Note(2)); // a dead server: fine
        assert_eq!(
            gen_server::cast_name::<Probe>("nobody", CastCmd::Note(3)),
            Ok(())
        );
    });
}
