//! otp-semantics section A: processes.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{down_for, recv, run, spawn_idle, spawn_idle_monitor};
use ember_rt::{
    ExitReason, Mailbox, Message, Monitored, Pid, Priority, SendError, SpawnOpts, Term, Timeout,
};

/// A1. `spawn` hands back a pid at once and never fails because of what the body will do.
///
/// Deviation: an undefined MFA or a fun of the wrong arity is a compile error in Rust, so there
/// is no `undef`/`badarg` case. The closest analogue is a body closure that panics before it
/// has produced its future: ember calls the closure inside the new process, so the spawn still
/// succeeds and the child dies with the real reason.
#[test]
fn a01_spawn_returns_pid_at_once_whatever_the_body_does() {
    run(|mut mb: Mailbox<()>| async move {
        let (pid, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| -> std::future::Ready<()> {
            panic!("no such function")
        });
        assert_ne!(pid.untyped(), ember_rt::self_pid());
        let d = down_for(&mut mb, r).await;
        assert_eq!(d.object, Monitored::Pid(pid.untyped()));
        assert!(
            matches!(&d.reason, ExitReason::Panic { message, .. } if &**message == "no such function"),
            "{:?}",
            d.reason
        );

        // A plain spawn of a crashing body also returns a pid, and the caller carries on.
        let crashing = ember_rt::spawn(|_: Mailbox<()>| async { crash("later") });
        assert_ne!(crashing.untyped(), pid.untyped());
    });
}

/// A2. A fresh process does not trap exits, runs at normal priority, has no name, and does
/// not inherit its parent's flags. (Group leader and `message_queue_data` have no analogue.)
#[test]
fn a02_fresh_process_has_default_flags_not_inherited() {
    run(|mut mb: Mailbox<ember_rt::ProcessInfo>| async move {
        ember_rt::trap_exit(true);
        ember_rt::set_priority(Priority::High);
        let me = mb.pid();
        let child = ember_rt::spawn(move |mut cmb: Mailbox<()>| async move {
            me.send(ember_rt::process_info(ember_rt::self_pid()).expect("alive"));
            cmb.recv().await;
        });
        let info = recv(&mut mb).await;
        assert_eq!(info.pid, child.untyped());
        assert!(!info.trap_exit, "trap_exit must not be inherited");
        assert_eq!(
            info.priority,
            Priority::Normal,
            "priority must not be inherited"
        );
        assert_eq!(info.registered_name, None);
        assert_eq!(info.parent, ember_rt::self_pid());
        assert!(info.links.is_empty() && info.monitors.is_empty());
        child.send(());
    });
}

/// A3. When the body returns, the process ends with `normal` (`()` and `Ok(())` alike).
#[test]
fn a03_returning_body_ends_with_normal() {
    run(|mut mb: Mailbox<()>| async move {
        let (_, r1) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        let (_, r2) = ember_rt::spawn_monitor(|_: Mailbox<()>| async { Ok::<(), ExitReason>(()) });
        assert_eq!(down_for(&mut mb, r1).await.reason, ExitReason::Normal);
        assert_eq!(down_for(&mut mb, r2).await.reason, ExitReason::Normal);
    });
}

/// A4. A process can end with any reason (`exit(T)`): here, returned from the body.
#[test]
fn a04_exit_with_any_term() {
    run(|mut mb: Mailbox<()>| async move {
        let reason = ExitReason::Term(Term::tuple([Term::atom("bad_input"), Term::int(3)]));
        let expected = reason.clone();
        let (_, r1) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move { reason });
        assert_eq!(down_for(&mut mb, r1).await.reason, expected);

        let (_, r2) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {
            Err::<(), _>(ExitReason::ShutdownWith(Term::atom("db")))
        });
        assert_eq!(
            down_for(&mut mb, r2).await.reason,
            ExitReason::ShutdownWith(Term::atom("db"))
        );
    });
}

/// A4. An uncaught error (a panic, and a runtime error such as an out-of-bounds index) ends the
/// process with `Panic { message, location }`: ember's `{E, Stacktrace}`.
#[test]
fn a04_uncaught_panic_gives_panic_reason_with_location() {
    run(|mut mb: Mailbox<()>| async move {
        let (_, r1) =
            ember_rt::spawn_monitor(|_: Mailbox<()>| async { crash(&format!("bad input {}", 7)) });
        match down_for(&mut mb, r1).await.reason {
            ExitReason::Panic { message, location } => {
                assert_eq!(&*message, "bad input 7");
                let loc = location.expect("the panic hook records the location");
                assert!(loc.contains("processes.rs"), "{loc}");
            }
            other => panic!("expected a panic reason, got {other:?}"),
        }

        let (_, r2) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {
            let v: Vec<u8> = std::hint::black_box(Vec::new());
            let _ = v[std::hint::black_box(3)];
        });
        match down_for(&mut mb, r2).await.reason {
            ExitReason::Panic { message, .. } => {
                assert!(message.starts_with("index out of bounds"), "{message}")
            }
            other => panic!("expected a panic reason, got {other:?}"),
        }
    });
}

/// A5. `exit/1` is an exception the process itself may catch; in Rust a panic caught inside
/// the process (`catch_unwind`) plays that role and the process carries on.
#[test]
fn a05_panic_caught_inside_the_process_does_not_end_it() {
    run(|mut mb: Mailbox<()>| async move {
        let (_, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {
            let caught = std::panic::catch_unwind(|| panic!("caught"));
            assert!(caught.is_err());
            ember_rt::yield_now().await;
            ExitReason::atom("carried_on")
        });
        assert_eq!(
            down_for(&mut mb, r).await.reason,
            ExitReason::atom("carried_on")
        );
    });
}

/// A5. `exit(self(), R)` is a signal, not an exception: the process cannot catch it and dies.
///
/// Deviation (documented in lib.rs): Erlang stops the caller immediately; ember cannot interrupt
/// Rust code, so the code up to the next await still runs and the process stops *at* that
/// await. Its sends in between are dropped.
#[test]
fn a05_exit_signal_to_self_cannot_be_caught() {
    run(|mut mb: Mailbox<u8>| async move {
        let me = mb.pid();
        let before = Arc::new(AtomicBool::new(false));
        let after = Arc::new(AtomicBool::new(false));
        let (b, a) = (before.clone(), after.clone());
        let (_, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            ember_rt::exit(ember_rt::self_pid(), ExitReason::atom("foo"));
            b.store(true, Ordering::SeqCst);
            me.send(1); // logically dead: dropped
            ember_rt::yield_now().await;
            a.store(true, Ordering::SeqCst);
            me.send(2);
        });
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("foo"));
        assert!(
            before.load(Ordering::SeqCst),
            "documented deviation: code before the next await runs"
        );
        assert!(
            !after.load(Ordering::SeqCst),
            "code after the next await must not run"
        );
        assert_eq!(
            mb.recv_timeout(common::QUIET).await,
            None,
            "sends of a dead process are dropped"
        );
    });
}

/// A6. A process that crashes (panic) is logged; one that ends with an exit reason is not.
/// ember logs a `tracing` error event (target `ember::process`) with the pid and the message.
/// (The second bullet, crash reports of OTP processes, belongs to ember-otp.)
#[test]
fn a06_panic_is_logged_exit_reason_is_not() {
    let events = capture::install();
    let (panicked, exited, killed) = run(|mut mb: Mailbox<()>| async move {
        let (p1, r1) = ember_rt::spawn_monitor(|_: Mailbox<()>| async { crash("logged crash") });
        let (p2, r2) =
            ember_rt::spawn_monitor(|_: Mailbox<()>| async { ExitReason::atom("quiet") });
        let (p3, r3) = spawn_idle_monitor();
        ember_rt::exit(p3, ExitReason::Kill);
        for r in [r1, r2, r3] {
            down_for(&mut mb, r).await;
        }
        (p1.untyped(), p2.untyped(), p3.untyped())
    });
    let events = events.lock().expect("capture lock").clone();
    let about = |p: Pid| {
        events
            .iter()
            .filter(|e| e.pid.as_deref() == Some(p.to_string().as_str()))
            .count()
    };
    let crash = events
        .iter()
        .find(|e| e.pid.as_deref() == Some(panicked.to_string().as_str()))
        .expect("a crash event for the panicking process");
    assert_eq!(crash.target, "ember::process");
    assert_eq!(crash.level, tracing::Level::ERROR);
    assert!(
        crash
            .fields
            .iter()
            .any(|(k, v)| k == "message" && v == "logged crash"),
        "the panic message is a field of the event: {crash:?}"
    );
    assert_eq!(about(exited), 0, "an exit reason is not logged");
    assert_eq!(about(killed), 0, "a kill is not logged");
}

/// A7. `shutdown` and `{shutdown, T}` are clean for supervisors (`is_clean`) but not for
/// links: a linked, non-trapping process dies with them. `normal` does not kill it.
#[test]
fn a07_shutdown_reasons_are_clean_but_kill_through_links() {
    run(|mut mb: Mailbox<()>| async move {
        for reason in [
            ExitReason::Shutdown,
            ExitReason::ShutdownWith(Term::atom("x")),
            ExitReason::Normal,
        ] {
            assert!(reason.is_clean());
            let child_reason = reason.clone();
            let (b, r) = ember_rt::spawn_monitor(move |mut bmb: Mailbox<()>| async move {
                let _c = ember_rt::spawn_link(move |_: Mailbox<()>| async move { child_reason });
                bmb.recv().await; // wait until told (or killed through the link)
                ExitReason::atom("survived")
            });
            if reason.is_normal() {
                assert_eq!(
                    mb.recv_any_timeout(common::QUIET).await.map(|_| ()),
                    None,
                    "normal must not kill"
                );
                b.send(());
                assert_eq!(
                    down_for(&mut mb, r).await.reason,
                    ExitReason::atom("survived")
                );
            } else {
                assert_eq!(down_for(&mut mb, r).await.reason, reason);
            }
        }
    });
}

/// A8. Sending to a dead pid succeeds silently. (`Pid ! M` returning `M` has no analogue:
/// `send` returns `()`.)
#[test]
fn a08_send_to_dead_pid_succeeds_silently() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = ember_rt::spawn_monitor(|_: Mailbox<u32>| async {});
        down_for(&mut mb, r).await;
        p.send(1);
        assert_eq!(p.untyped().send_dyn(2u32), Ok(()));
        assert!(!p.is_alive());
    });
}

/// A8. Sending to an unregistered name fails. Deviation: a typed `SendError::NotRegistered`
/// instead of a `badarg` exception. (`{Name, node()}` sends have no analogue yet: no
/// distribution.)
#[test]
fn a08_send_to_unregistered_name_is_an_error() {
    run(|_: Mailbox<()>| async move {
        match ember_rt::send_named("nobody_here", 1u32) {
            Err(SendError::NotRegistered(n)) => assert_eq!(n.as_str(), "nobody_here"),
            other => panic!("expected NotRegistered, got {other:?}"),
        }
    });
}

/// A8/B5. Sending and exit signals only name a process, so they work from any thread, not
/// only from inside a process (lib.rs: "work from any thread"); the sender of an exit signal
/// from outside is `Pid::SYSTEM`.
#[test]
fn a08_send_and_exit_work_from_a_plain_thread() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let outside = std::thread::spawn(move || {
            me.send(1);
            assert_eq!(me.untyped().send_dyn(2u32), Ok(()));
            ember_rt::exit(me, ExitReason::atom("from_outside"));
            assert!(me.is_alive());
            assert!(ember_rt::process_info(me).is_some());
        });
        assert_eq!(recv(&mut mb).await, 1);
        assert_eq!(recv(&mut mb).await, 2);
        let e = common::exit_msg(&mut mb).await;
        assert_eq!(
            (e.from, e.reason),
            (Pid::SYSTEM, ExitReason::atom("from_outside"))
        );
        outside.join().expect("plain thread");
    });
}

/// A9. Per-pair ordering: what A sends to B arrives in the order sent.
#[test]
fn a09_per_pair_ordering_of_messages() {
    run(|mut mb: Mailbox<u32>| async move {
        let me = mb.pid();
        ember_rt::spawn(move |_: Mailbox<()>| async move {
            for i in 0..2000 {
                me.send(i);
                if i % 100 == 0 {
                    ember_rt::yield_now().await;
                }
            }
        });
        for i in 0..2000 {
            assert_eq!(recv(&mut mb).await, i);
        }
    });
}

/// A9. Messages A sent before dying arrive before A's `Exit` (and before its `Down`).
#[test]
fn a09_per_pair_ordering_messages_before_exit() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let spawned = ember_rt::spawn_opt(
            SpawnOpts::new().link().monitor(),
            move |_: Mailbox<()>| async move {
                for i in 0..100 {
                    me.send(i);
                }
                ExitReason::atom("done")
            },
        )
        .expect("spawn");
        for i in 0..100 {
            match common::recv_any(&mut mb).await {
                Message::User(n) => assert_eq!(n, i),
                other => panic!("message {i} expected before the exit, got {other:?}"),
            }
        }
        match common::recv_any(&mut mb).await {
            Message::Exit(e) => {
                assert_eq!(e.from, spawned.pid.untyped());
                assert_eq!(e.reason, ExitReason::atom("done"));
            }
            other => panic!("expected the Exit, got {other:?}"),
        }
        assert!(matches!(common::recv_any(&mut mb).await, Message::Down(_)));
    });
}

/// A9. The order covers all signals from A to B: a message, then an exit signal, arrive in
/// that order at a trapping B.
#[test]
fn a09_per_pair_ordering_message_then_exit_signal() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let sender = ember_rt::spawn(move |_: Mailbox<()>| async move {
            me.send(1);
            ember_rt::exit(me, ExitReason::atom("foo"));
            me.send(2);
        });
        assert!(matches!(common::recv_any(&mut mb).await, Message::User(1)));
        match common::recv_any(&mut mb).await {
            Message::Exit(e) => assert_eq!(
                (e.from, e.reason),
                (sender.untyped(), ExitReason::atom("foo"))
            ),
            other => panic!("expected the exit signal second, got {other:?}"),
        }
        assert!(matches!(common::recv_any(&mut mb).await, Message::User(2)));
    });
}

/// A9. After `exit(B, foo)` then `B ! go`, B never handles `go` (100 runs).
#[test]
fn a09_exit_then_send_is_never_handled() {
    run(|mut mb: Mailbox<()>| async move {
        for _ in 0..100 {
            let handled = Arc::new(AtomicBool::new(false));
            let h = handled.clone();
            let (b, r) =
                ember_rt::spawn_monitor(move |mut bmb: Mailbox<&'static str>| async move {
                    if bmb.recv().await == "go" {
                        h.store(true, Ordering::SeqCst);
                    }
                });
            ember_rt::exit(b, ExitReason::atom("foo"));
            b.send("go");
            assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("foo"));
            assert!(
                !handled.load(Ordering::SeqCst),
                "B handled `go` after being killed"
            );
        }
    });
}

/// A9. Two senders: each one's messages keep their order (there is no order between them).
#[test]
fn a09_two_senders_each_keep_their_order() {
    run(|mut mb: Mailbox<(u8, u32)>| async move {
        let me = mb.pid();
        for s in 0..2u8 {
            ember_rt::spawn(move |_: Mailbox<()>| async move {
                for i in 0..1000 {
                    me.send((s, i));
                }
            });
        }
        let mut next = [0u32; 2];
        for _ in 0..2000 {
            let (s, i) = recv(&mut mb).await;
            assert_eq!(i, next[s as usize], "sender {s} out of order");
            next[s as usize] += 1;
        }
    });
}

/// A10. Selective receive takes the oldest matching message; the others stay, in order.
#[test]
fn a10_selective_receive_keeps_unmatched_in_order() {
    run(|mut mb: Mailbox<u32>| async move {
        for i in 1..=6 {
            mb.pid().send(i);
        }
        let picked = mb
            .receive(|m| matches!(m, Message::User(n) if n % 3 == 0))
            .await;
        assert!(matches!(picked, Message::User(3)));
        let picked = mb
            .receive(|m| matches!(m, Message::User(n) if n % 3 == 0))
            .await;
        assert!(matches!(picked, Message::User(6)));
        let mut rest = Vec::new();
        for _ in 0..4 {
            rest.push(recv(&mut mb).await);
        }
        assert_eq!(rest, [1, 2, 4, 5]);
    });
}

/// A11. Timeouts range over `0..=4294967295` ms; others are rejected (Erlang: `timeout_value`;
/// here a typed error). `infinity` is `Timeout::Infinity`.
#[test]
fn a11_timeout_range_is_checked() {
    assert!(Timeout::millis(-1).is_err());
    assert!(Timeout::millis(4_294_967_296).is_err());
    assert_eq!(Timeout::millis(0), Ok(Timeout::After(Duration::ZERO)));
    assert_eq!(
        Timeout::millis(4_294_967_295),
        Ok(Timeout::After(Duration::from_millis(4_294_967_295)))
    );
}

/// A11. `after 0` only looks at the messages already there.
#[test]
fn a11_after_zero_only_polls() {
    run(|mut mb: Mailbox<u32>| async move {
        assert_eq!(mb.recv_timeout(Duration::ZERO).await, None);
        mb.pid().send(5);
        assert_eq!(mb.recv_timeout(Duration::ZERO).await, Some(5));
        let me = mb.pid();
        // A message sent 50 ms from now is not waited for.
        ember_rt::send_after(Duration::from_millis(50), me, 6);
        assert_eq!(mb.recv_timeout(Timeout::millis(0).unwrap()).await, None);
        assert_eq!(recv(&mut mb).await, 6);
    });
}

/// A11. The clock starts when the receive starts; non-matching arrivals do not reset it.
/// (The bounds are generous hang guards: a reset clock would keep waiting while noise lasts.)
#[test]
fn a11_non_matching_messages_do_not_reset_the_clock() {
    run(|mut mb: Mailbox<u32>| async move {
        let me = mb.pid();
        ember_rt::spawn(move |_: Mailbox<()>| async move {
            for _ in 0..150 {
                me.send(0); // noise, never matched
                ember_rt::sleep(Duration::from_millis(20)).await;
            }
        });
        let start = Instant::now();
        let got = mb
            .receive_timeout(
                |m| matches!(m, Message::User(1)),
                Duration::from_millis(200),
            )
            .await;
        let took = start.elapsed();
        assert!(got.is_none());
        assert!(took >= Duration::from_millis(200), "ended early: {took:?}");
        assert!(
            took < Duration::from_millis(2500),
            "non-matching messages reset the clock: {took:?}"
        );
        assert!(mb.len() >= 2, "the noise stays in the mailbox");
        assert_eq!(mb.recv_timeout(Duration::ZERO).await, Some(0));
    });
}

/// A12. `self_pid` is the caller's pid; a dead pid is not alive and has no `process_info`.
#[test]
fn a12_self_pid_and_dead_pid() {
    run(|mut mb: Mailbox<()>| async move {
        assert_eq!(ember_rt::self_pid(), mb.pid().untyped());
        assert!(mb.pid().is_alive());
        let p = spawn_idle();
        let r = ember_rt::monitor(p);
        assert!(p.is_alive());
        assert!(ember_rt::process_info(p).is_some());
        p.send(());
        down_for(&mut mb, r).await;
        assert!(!p.is_alive());
        assert!(ember_rt::process_info(p).is_none());
    });
}

/// A13. Setting a flag returns the old value. (Invalid values such as a bad priority are ruled
/// out by the types: no `badarg`.)
#[test]
fn a13_process_flags_return_old_value() {
    run(|_: Mailbox<()>| async move {
        assert!(!ember_rt::trap_exit(true));
        assert!(ember_rt::trap_exit(true));
        assert!(ember_rt::trap_exit(false));
        assert_eq!(ember_rt::set_priority(Priority::Low), Priority::Normal);
        assert_eq!(ember_rt::set_priority(Priority::Max), Priority::Low);
        assert_eq!(ember_rt::set_priority(Priority::Normal), Priority::Max);
        let info = ember_rt::process_info(ember_rt::self_pid()).expect("alive");
        assert_eq!((info.trap_exit, info.priority), (false, Priority::Normal));
    });
}

/// A13. `spawn_opt` takes link, monitor, priority, trap_exit and a name, all applied before the
/// process runs. (Heap options have no analogue.)
#[test]
fn a13_spawn_opt_options_apply() {
    run(|mut mb: Mailbox<()>| async move {
        let opts = SpawnOpts::new()
            .link()
            .monitor()
            .priority(Priority::High)
            .trap_exit(true)
            .name("a13_worker");
        let s = ember_rt::spawn_opt(opts, |mut cmb: Mailbox<()>| async move {
            cmb.recv().await;
        })
        .expect("spawn_opt");
        let info = ember_rt::process_info(s.pid).expect("alive");
        assert_eq!(info.priority, Priority::High);
        assert!(info.trap_exit);
        assert_eq!(
            info.registered_name.as_ref().map(|n| n.as_str()),
            Some("a13_worker")
        );
        assert_eq!(info.links, [ember_rt::self_pid()]);
        assert_eq!(info.monitored_by, [ember_rt::self_pid()]);
        let r = s.monitor.expect("monitor requested");
        s.pid.send(());
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Normal);
    });
}

/// A tracing subscriber that records every event (for A6).
mod capture {
    use std::fmt::Debug;
    use std::sync::{Arc, Mutex, OnceLock};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Level, Metadata, Subscriber};

    #[derive(Debug, Clone)]
    pub(crate) struct Captured {
        pub(crate) target: String,
        pub(crate) level: Level,
        pub(crate) pid: Option<String>,
        pub(crate) fields: Vec<(String, String)>,
    }

    type Events = Arc<Mutex<Vec<Captured>>>;

    struct Capture(Events);

    #[derive(Default)]
    struct Fields(Vec<(String, String)>);

    impl Visit for Fields {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            self.0
                .push((field.name().to_string(), format!("{value:?}")));
        }
        fn record_str(&mut self, field: &Field, value: &str) {
            self.0.push((field.name().to_string(), value.to_string()));
        }
    }

    impl Subscriber for Capture {
        fn enabled(&self, _: &Metadata<'_>) -> bool {
            true
        }
        fn new_span(&self, _: &Attributes<'_>) -> Id {
            Id::from_u64(1)
        }
        fn record(&self, _: &Id, _: &Record<'_>) {}
        fn record_follows_from(&self, _: &Id, _: &Id) {}
        fn event(&self, event: &Event<'_>) {
            let mut f = Fields::default();
            event.record(&mut f);
            let meta = event.metadata();
            let pid = f.0.iter().find(|(k, _)| k == "pid").map(|(_, v)| v.clone());
            let fields = f.0;
            self.0.lock().expect("capture lock").push(Captured {
                target: meta.target().to_string(),
                level: *meta.level(),
                pid,
                fields,
            });
        }
        fn enter(&self, _: &Id) {}
        fn exit(&self, _: &Id) {}
    }

    /// Install the capturing subscriber as the global default (once per test binary).
    pub(crate) fn install() -> Events {
        static EVENTS: OnceLock<Events> = OnceLock::new();
        EVENTS
            .get_or_init(|| {
                let events: Events = Arc::default();
                tracing::subscriber::set_global_default(Capture(events.clone()))
                    .expect("no other subscriber");
                events
            })
            .clone()
    }
}

/// Panic with `message`. A helper so that a crashing body's output is `()`: with edition 2024's
/// never-type fallback, `async { panic!(..) }` has output `!`, which is not `IntoExitReason`.
fn crash(message: &str) {
    panic!("{message}")
}
