//! otp-semantics section C: monitors.

mod common;

use std::collections::HashSet;

use common::{down, down_for, recv, run, spawn_idle, spawn_idle_monitor};
use ember_rt::{Down, ExitReason, Mailbox, Message, Monitored, Pid, SpawnOpts};

/// C1. Monitors stack: two monitors give two `Down`s with distinct references.
#[test]
fn c01_monitors_stack() {
    run(|mut mb: Mailbox<()>| async move {
        let p = spawn_idle();
        let r1 = ember_rt::monitor(p);
        let r2 = ember_rt::monitor(p);
        assert_ne!(r1, r2);
        ember_rt::exit(p, ExitReason::atom("foo"));
        let got: HashSet<_> = [down(&mut mb).await, down(&mut mb).await]
            .into_iter()
            .map(|d| d.reference)
            .collect();
        assert_eq!(got, HashSet::from([r1, r2]));
        common::assert_quiet(&mut mb).await;
    });
}

/// C1. Monitors are one-way: the watcher's death does not touch the target; and the target's
/// death does not touch a non-trapping watcher, whatever the reason.
#[test]
fn c01_monitors_are_one_way() {
    run(|mut mb: Mailbox<Down>| async move {
        let target = spawn_idle();
        let me = mb.pid();
        let (watcher, wr) = ember_rt::spawn_monitor(move |mut m: Mailbox<()>| async move {
            ember_rt::monitor(target);
            // Non-trapping watcher: the target dying with `foo` must not kill it.
            let Message::Down(d) = m.recv_any().await else {
                return ExitReason::atom("unexpected");
            };
            me.send(d);
            m.recv().await;
            ExitReason::atom("watcher_done")
        });
        common::wait_until("the watcher monitors", || {
            ember_rt::process_info(target)
                .is_some_and(|i| i.monitored_by.contains(&watcher.untyped()))
        })
        .await;
        ember_rt::exit(target, ExitReason::atom("foo"));
        let d = recv(&mut mb).await;
        assert_eq!(d.reason, ExitReason::atom("foo"));
        assert!(watcher.is_alive(), "a monitor must not kill the watcher");
        watcher.send(());
        assert_eq!(
            down_for(&mut mb, wr).await.reason,
            ExitReason::atom("watcher_done")
        );

        // The other way round: the watcher dies, the target lives.
        let target2 = spawn_idle();
        let (_w2, wr2) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            ember_rt::monitor(target2);
            ExitReason::atom("watcher_gone")
        });
        assert_eq!(
            down_for(&mut mb, wr2).await.reason,
            ExitReason::atom("watcher_gone")
        );
        assert!(target2.is_alive());
        assert!(
            ember_rt::process_info(target2)
                .expect("alive")
                .monitored_by
                .is_empty()
        );
        target2.send(());
    });
}

/// C1. The trap flag does not matter, and a `Down` also comes for a `normal` exit.
#[test]
fn c01_down_comes_for_normal_exit_trapping_or_not() {
    run(|mut mb: Mailbox<()>| async move {
        for trap in [false, true] {
            ember_rt::trap_exit(trap);
            let (p, r) = spawn_idle_monitor();
            p.send(());
            let d = down_for(&mut mb, r).await;
            assert_eq!(d.reason, ExitReason::Normal);
        }
    });
}

/// C2. The `Down` carries the reference, the pid and the reason; `killed` after a kill.
#[test]
fn c02_down_carries_ref_pid_and_reason() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = spawn_idle_monitor();
        ember_rt::exit(p, ExitReason::Kill);
        assert_eq!(
            down(&mut mb).await,
            Down {
                reference: r,
                object: Monitored::Pid(p.untyped()),
                reason: ExitReason::Killed
            }
        );
    });
}

/// C2. `spawn_monitor` is atomic: a child that dies at once gives its real reason, never
/// `noproc` (100 runs).
#[test]
fn c02_spawn_monitor_is_atomic() {
    run(|mut mb: Mailbox<()>| async move {
        for i in 0..100 {
            let (p, r) = if i % 2 == 0 {
                ember_rt::spawn_monitor(|_: Mailbox<()>| async { ExitReason::atom("at_once") })
            } else {
                ember_rt::spawn_monitor(|_: Mailbox<()>| async { crash("at once") })
            };
            let d = down_for(&mut mb, r).await;
            assert_eq!(d.object, Monitored::Pid(p.untyped()));
            if i % 2 == 0 {
                assert_eq!(d.reason, ExitReason::atom("at_once"));
            } else {
                assert!(matches!(d.reason, ExitReason::Panic { .. }), "{d:?}");
            }
        }
        // spawn_opt with `monitor` too.
        let s = ember_rt::spawn_opt(SpawnOpts::new().monitor(), |_: Mailbox<()>| async {
            ExitReason::Shutdown
        })
        .expect("spawn");
        assert_eq!(
            down_for(&mut mb, s.monitor.expect("monitor")).await.reason,
            ExitReason::Shutdown
        );
    });
}

/// C3. Monitoring a dead pid, or one that never existed, gives a `noproc` `Down`.
#[test]
fn c03_monitor_dead_or_unknown_pid_gives_noproc() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, r).await;
        let r2 = ember_rt::monitor(p);
        assert_eq!(
            down_for(&mut mb, r2).await,
            Down {
                reference: r2,
                object: Monitored::Pid(p.untyped()),
                reason: ExitReason::NoProc
            }
        );
        // `<0.0.0>` (Pid::SYSTEM) is never a process.
        let r3 = ember_rt::monitor(Pid::SYSTEM);
        assert_eq!(down_for(&mut mb, r3).await.reason, ExitReason::NoProc);
    });
}

/// C4. A monitor by name reports the name (Erlang `{Name, Node}`), not the pid.
#[test]
fn c04_monitor_by_name_reports_the_name() {
    run(|mut mb: Mailbox<()>| async move {
        let p = spawn_idle();
        ember_rt::register("c04_server", p).expect("register");
        let r = ember_rt::monitor_name("c04_server");
        ember_rt::exit(p, ExitReason::atom("foo"));
        assert_eq!(
            down_for(&mut mb, r).await,
            Down {
                reference: r,
                object: Monitored::Name("c04_server".into()),
                reason: ExitReason::atom("foo")
            }
        );
    });
}

/// C4. An unknown name gives a `noproc` `Down` naming it.
#[test]
fn c04_monitor_unknown_name_gives_noproc_with_the_name() {
    run(|mut mb: Mailbox<()>| async move {
        let r = ember_rt::monitor_name("c04_nobody");
        assert_eq!(
            down_for(&mut mb, r).await,
            Down {
                reference: r,
                object: Monitored::Name("c04_nobody".into()),
                reason: ExitReason::NoProc
            }
        );
    });
}

/// C4. The name is resolved once: after it moves to another process, the monitor still
/// follows the first one.
#[test]
fn c04_monitor_by_name_resolves_once() {
    run(|mut mb: Mailbox<()>| async move {
        let first = spawn_idle();
        let second = spawn_idle();
        ember_rt::register("c04_moving", first).expect("register");
        let r = ember_rt::monitor_name("c04_moving");
        ember_rt::unregister("c04_moving").expect("unregister");
        ember_rt::register("c04_moving", second).expect("register again");
        ember_rt::exit(second, ExitReason::atom("second"));
        common::wait_until("second is dead", || !second.is_alive()).await;
        common::assert_quiet(&mut mb).await;
        ember_rt::exit(first, ExitReason::atom("first"));
        let d = down_for(&mut mb, r).await;
        assert_eq!(d.reason, ExitReason::atom("first"));
        assert_eq!(d.object, Monitored::Name("c04_moving".into()));
    });
}

/// C5. `demonitor`: ember returns Erlang's `[info]` answer (`true` if a live monitor was
/// removed, `false` otherwise) rather than plain `demonitor/1`'s constant `true`; calling it
/// twice, or after the monitor fired, is harmless. (A non-reference argument is ruled out by
/// the types.)
#[test]
fn c05_demonitor_info_result() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, _) = spawn_idle_monitor();
        let r = ember_rt::monitor(p);
        assert!(ember_rt::demonitor(r));
        assert!(!ember_rt::demonitor(r));
        ember_rt::exit(p, ExitReason::atom("foo"));
        // Only the spawn_monitor's Down arrives; the removed monitor stays silent.
        let d = down(&mut mb).await;
        assert_ne!(d.reference, r);
        common::assert_quiet(&mut mb).await;

        let (_, fired) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, fired).await;
        assert!(!ember_rt::demonitor(fired), "a fired monitor is not live");
    });
}

/// C5. `demonitor` does not remove a `Down` that was already delivered.
#[test]
fn c05_demonitor_does_not_remove_delivered_down() {
    run(|mut mb: Mailbox<u32>| async move {
        let (p, r) = spawn_idle_monitor();
        ember_rt::exit(p, ExitReason::atom("foo"));
        common::wait_until("the Down is queued", || !mb.is_empty()).await;
        assert!(!ember_rt::demonitor(r));
        assert_eq!(down(&mut mb).await.reference, r);
    });
}

/// C5. `demonitor(Ref, [flush])` also removes the delivered `Down`, and leaves other messages.
#[test]
fn c05_demonitor_flush_removes_delivered_down() {
    run(|mut mb: Mailbox<u32>| async move {
        let (p, r) = spawn_idle_monitor();
        let (q, rq) = spawn_idle_monitor();
        mb.pid().send(1);
        ember_rt::exit(p, ExitReason::atom("foo"));
        ember_rt::exit(q, ExitReason::atom("bar"));
        common::wait_until("both Downs are queued", || mb.len() == 3).await;
        mb.pid().send(2);
        assert!(!mb.demonitor_flush(r), "the monitor had fired");
        assert_eq!(recv(&mut mb).await, 1);
        assert_eq!(recv(&mut mb).await, 2);
        assert_eq!(down(&mut mb).await.reference, rq, "the other Down stays");
        common::assert_quiet(&mut mb).await;

        // On a live monitor: `true`, and no Down ever comes.
        let (p2, _) = spawn_idle_monitor();
        let r2 = ember_rt::monitor(p2);
        assert!(mb.demonitor_flush(r2));
        ember_rt::exit(p2, ExitReason::atom("baz"));
        let d = down(&mut mb).await;
        assert_ne!(d.reference, r2);
    });
}

/// C6. Monitoring oneself returns a reference and creates no monitor.
#[test]
fn c06_monitor_self_creates_nothing() {
    run(|mut mb: Mailbox<()>| async move {
        let me = ember_rt::self_pid();
        let r = ember_rt::monitor(me);
        let info = ember_rt::process_info(me).expect("alive");
        assert!(info.monitors.is_empty());
        assert!(info.monitored_by.is_empty());
        assert!(!ember_rt::demonitor(r), "there is no such monitor");
        common::assert_quiet(&mut mb).await;
    });
}

/// C7. `process_info` lists `monitors` on the watcher and `monitored_by` on the target.
/// (`monitor/3` with `{tag, T}` or `{alias, _}` has no ember-rt analogue yet.)
#[test]
fn c07_process_info_lists_monitors_both_ways() {
    run(|_: Mailbox<()>| async move {
        let me = ember_rt::self_pid();
        let p = spawn_idle();
        let r = ember_rt::monitor(p);
        assert_eq!(
            ember_rt::process_info(me).expect("alive").monitors,
            [p.untyped()]
        );
        assert_eq!(ember_rt::process_info(p).expect("alive").monitored_by, [me]);
        ember_rt::demonitor(r);
        assert!(
            ember_rt::process_info(me)
                .expect("alive")
                .monitors
                .is_empty()
        );
        assert!(
            ember_rt::process_info(p)
                .expect("alive")
                .monitored_by
                .is_empty()
        );
        p.send(());
    });
}

/// Panic with `message` (a helper: `async { panic!() }` has output `!` in edition 2024).
fn crash(message: &str) {
    panic!("{message}")
}
