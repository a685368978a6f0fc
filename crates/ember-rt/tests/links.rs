//! otp-semantics section B: links and exit signals.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{down_for, exit_msg, recv, recv_any, run, spawn_idle, spawn_idle_monitor};
use ember_rt::{Exit, ExitReason, LinkError, Mailbox, Message, Pid, SpawnOpts, Term};

fn links_of<M>(p: Pid<M>) -> Vec<Pid> {
    ember_rt::process_info(p).expect("alive").links
}

/// A process that traps exits and forwards every `Exit` it receives to `to`.
fn spawn_trapping_forwarder(to: Pid<Exit>) -> (Pid<()>, ember_rt::Ref) {
    let s = ember_rt::spawn_opt(
        SpawnOpts::new().trap_exit(true).monitor(),
        move |mut mb: Mailbox<()>| async move {
            loop {
                match mb.recv_any().await {
                    Message::Exit(e) => to.send(e),
                    Message::User(()) => return,
                    Message::Down(_) => {}
                }
            }
        },
    )
    .expect("spawn");
    (s.pid, s.monitor.expect("monitor"))
}

/// B1. A link is bidirectional and unique per pair: linking twice then unlinking once leaves
/// no link. Linking to oneself does nothing. (`link(foo)` is ruled out by the types.)
#[test]
fn b01_link_is_bidirectional_and_unique() {
    run(|mut mb: Mailbox<()>| async move {
        let me = ember_rt::self_pid();
        let (p, r) = spawn_idle_monitor();
        ember_rt::link(p).expect("link");
        ember_rt::link(p).expect("link again");
        assert_eq!(links_of(me).iter().filter(|l| **l == p).count(), 1);
        assert_eq!(links_of(p), [me]);
        ember_rt::unlink(p);
        assert!(!links_of(me).contains(&p.untyped()));
        assert!(links_of(p).is_empty());
        // The link is really gone: p dying with `foo` does not take us along.
        ember_rt::exit(p, ExitReason::atom("foo"));
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("foo"));

        assert_eq!(ember_rt::link(me), Ok(()));
        assert!(links_of(me).is_empty(), "link to self creates nothing");
    });
}

/// B2. When a process ends with R, its linked processes get an exit signal with R.
#[test]
fn b02_linked_process_gets_the_exit_reason() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let c = ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::atom("foo") });
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: c.untyped(),
                reason: ExitReason::atom("foo")
            }
        );
    });
}

/// B2. A process killed by `exit(P, kill)` passes on `killed`, not `kill`.
#[test]
fn b02_killed_process_signals_killed() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let p = ember_rt::spawn_link(|mut m: Mailbox<()>| async move { m.recv().await });
        ember_rt::exit(p, ExitReason::Kill);
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: p.untyped(),
                reason: ExitReason::Killed
            }
        );
    });
}

/// B3 row `normal`, not trapping: the signal is ignored and the receiver lives (by link and by
/// `exit/2` from another process).
#[test]
fn b03_normal_is_ignored_when_not_trapping() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = spawn_idle_monitor();
        ember_rt::exit(p, ExitReason::Normal);
        // A linked peer of p ending normally.
        let p2 = p;
        let helper = ember_rt::spawn(move |mut m: Mailbox<()>| async move {
            ember_rt::link(p2).expect("link");
            m.recv().await;
        });
        common::wait_until("helper is linked", || {
            links_of(p).contains(&helper.untyped())
        })
        .await;
        helper.send(());
        common::wait_until("helper has ended", || !helper.is_alive()).await;
        assert!(
            mb.recv_any_timeout(common::QUIET).await.is_none(),
            "p must still live"
        );
        assert!(p.is_alive());
        p.send(());
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Normal);
    });
}

/// B3 row `normal`, trapping: it becomes an `Exit` message.
#[test]
fn b03_normal_becomes_message_when_trapping() {
    run(|mut mb: Mailbox<Exit>| async move {
        let me = ember_rt::self_pid();
        let (fwd, _) = spawn_trapping_forwarder(mb.pid());
        ember_rt::exit(fwd, ExitReason::Normal);
        assert_eq!(
            recv(&mut mb).await,
            Exit {
                from: me,
                reason: ExitReason::Normal
            }
        );
        assert!(fwd.is_alive());
        fwd.send(());
    });
}

/// B3 row `kill` sent directly: untrappable, the receiver dies with `killed`, trapping or not.
#[test]
fn b03_kill_sent_directly_is_untrappable() {
    run(|mut mb: Mailbox<Exit>| async move {
        let (trapper, r1) = spawn_trapping_forwarder(mb.pid());
        let (plain, r2) = spawn_idle_monitor();
        ember_rt::exit(trapper, ExitReason::Kill);
        ember_rt::exit(plain, ExitReason::Kill);
        assert_eq!(down_for(&mut mb, r1).await.reason, ExitReason::Killed);
        assert_eq!(down_for(&mut mb, r2).await.reason, ExitReason::Killed);
        assert_eq!(
            mb.recv_timeout(common::QUIET).await,
            None,
            "a trapper must not see the kill as a message"
        );
    });
}

/// B3 row `kill` through a link (the peer ended itself with `kill`), not trapping: the receiver
/// dies with `kill` (not `killed`).
#[test]
fn b03_kill_through_link_kills_non_trapping_with_kill() {
    run(|mut mb: Mailbox<()>| async move {
        let (_b, r) = ember_rt::spawn_monitor(|mut m: Mailbox<()>| async move {
            let _c = ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::Kill });
            m.recv().await;
        });
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Kill);
    });
}

/// B3 row `kill` through a link, trapping: an ordinary `Exit` message with `kill`.
#[test]
fn b03_kill_through_link_is_trappable() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let c = ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::Kill });
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: c.untyped(),
                reason: ExitReason::Kill
            }
        );
    });
}

/// B3 row "anything else", not trapping: the receiver dies with the same reason, which then
/// goes on to its own links.
#[test]
fn b03_other_reasons_kill_non_trapping_and_propagate() {
    run(|mut mb: Mailbox<Pid>| async move {
        let reasons = [
            ExitReason::Shutdown,
            ExitReason::ShutdownWith(Term::atom("db")),
            ExitReason::Killed,
            ExitReason::atom("foo"),
            ExitReason::Term(Term::tuple([Term::atom("badarith"), Term::list([])])),
        ];
        ember_rt::trap_exit(true);
        for reason in reasons {
            let me = mb.pid();
            let r2 = reason.clone();
            // B is linked to us (trapping) and to C; C dies with the reason.
            let b = ember_rt::spawn_link(move |mut m: Mailbox<()>| async move {
                let c = ember_rt::spawn_link(move |mut cm: Mailbox<()>| async move {
                    cm.recv().await;
                    r2
                });
                me.send(c.untyped());
                m.recv().await;
            });
            let c = recv(&mut mb).await;
            ember_rt::exit(c, ExitReason::Normal); // ignored: C does not trap
            c.typed::<()>().expect("C receives ()").send(());
            assert_eq!(
                exit_msg(&mut mb).await,
                Exit {
                    from: b.untyped(),
                    reason
                }
            );
        }
    });
}

/// B3 row "anything else", trapping: each reason, including a panic, arrives as a message.
#[test]
fn b03_other_reasons_become_messages_when_trapping() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let reasons = [
            ExitReason::Shutdown,
            ExitReason::ShutdownWith(Term::int(1)),
            ExitReason::Killed,
            ExitReason::atom("foo"),
            ExitReason::NoProc,
        ];
        for reason in reasons {
            let r2 = reason.clone();
            let c = ember_rt::spawn_link(move |_: Mailbox<()>| async move { r2 });
            assert_eq!(
                exit_msg(&mut mb).await,
                Exit {
                    from: c.untyped(),
                    reason
                }
            );
        }
        let c = ember_rt::spawn_link(|_: Mailbox<()>| async { crash("link panic") });
        let e = exit_msg(&mut mb).await;
        assert_eq!(e.from, c.untyped());
        assert!(
            matches!(&e.reason, ExitReason::Panic { message, .. } if &**message == "link panic"),
            "{e:?}"
        );
    });
}

/// B4. C is killed, so B (linked, not trapping) dies with `killed`, and A sees `killed`.
#[test]
fn b04_killed_propagates_as_killed() {
    run(|mut mb: Mailbox<Pid>| async move {
        ember_rt::trap_exit(true);
        let me = mb.pid();
        let b = ember_rt::spawn_link(move |mut m: Mailbox<()>| async move {
            let c = ember_rt::spawn_link(|mut cm: Mailbox<()>| async move { cm.recv().await });
            me.send(c.untyped());
            m.recv().await;
        });
        let c = recv(&mut mb).await;
        ember_rt::exit(c, ExitReason::Kill);
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: b.untyped(),
                reason: ExitReason::Killed
            }
        );
    });
}

/// B4. C ends itself with `kill`, so B dies with `kill`, and trapping A gets `{'EXIT',B,kill}`:
/// only a direct `exit/2` with `kill` is untrappable.
#[test]
fn b04_exit_kill_itself_propagates_as_trappable_kill() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let b = ember_rt::spawn_link(|mut m: Mailbox<()>| async move {
            let _c = ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::Kill });
            m.recv().await;
        });
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: b.untyped(),
                reason: ExitReason::Kill
            }
        );
    });
}

/// B5. `exit(P, R)` to an unlinked process follows the table: `foo` kills a non-trapping one.
#[test]
fn b05_exit_to_unlinked_process_follows_the_table() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = spawn_idle_monitor();
        ember_rt::exit(p, ExitReason::atom("foo"));
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("foo"));
    });
}

/// B5. `exit/2` to a dead pid is harmless. (A non-pid target is ruled out by the types.)
#[test]
fn b05_exit_to_dead_pid_is_harmless() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, r).await;
        ember_rt::exit(p, ExitReason::Kill);
        ember_rt::exit(p, ExitReason::atom("foo"));
        assert!(!p.is_alive());
    });
}

/// B5. `killed` sent with `exit/2` is an ordinary reason: a trapping receiver gets a message.
#[test]
fn b05_killed_sent_directly_is_trappable() {
    run(|mut mb: Mailbox<Exit>| async move {
        let me = ember_rt::self_pid();
        let (fwd, _) = spawn_trapping_forwarder(mb.pid());
        ember_rt::exit(fwd, ExitReason::Killed);
        assert_eq!(
            recv(&mut mb).await,
            Exit {
                from: me,
                reason: ExitReason::Killed
            }
        );
        assert!(fwd.is_alive());
        fwd.send(());
    });
}

/// B6. `exit(self(), R)` acts on the caller. Deviation (see lib.rs): ember cannot interrupt
/// Rust code, so the caller stops at its next await rather than at once; the code after that
/// await never runs (checked over 100 runs).
#[test]
fn b06_exit_self_stops_the_caller_at_its_next_await() {
    run(|mut mb: Mailbox<()>| async move {
        for _ in 0..100 {
            let after = Arc::new(AtomicBool::new(false));
            let a = after.clone();
            let (_, r) = ember_rt::spawn_monitor(move |mut m: Mailbox<()>| async move {
                ember_rt::exit(ember_rt::self_pid(), ExitReason::atom("bye"));
                let _ = m.recv_timeout(std::time::Duration::ZERO).await;
                a.store(true, Ordering::SeqCst);
            });
            assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("bye"));
            assert!(!after.load(Ordering::SeqCst), "code after the await ran");
        }
    });
}

/// B6. `exit(self(), normal)` kills a non-trapping caller, with reason `normal`.
#[test]
fn b06_exit_self_normal_kills_non_trapping_caller() {
    run(|mut mb: Mailbox<()>| async move {
        let after = Arc::new(AtomicBool::new(false));
        let a = after.clone();
        let (_, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            ember_rt::exit(ember_rt::self_pid(), ExitReason::Normal);
            ember_rt::yield_now().await;
            a.store(true, Ordering::SeqCst);
            ExitReason::atom("not_reached")
        });
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Normal);
        assert!(!after.load(Ordering::SeqCst));
    });
}

/// B6. A trapping caller gets `Exit { from: self, R }` for any R except `kill`, and lives on.
#[test]
fn b06_exit_self_trapping_gets_a_message() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let me = ember_rt::self_pid();
        for reason in [
            ExitReason::Normal,
            ExitReason::atom("foo"),
            ExitReason::Killed,
            ExitReason::Shutdown,
        ] {
            ember_rt::exit(me, reason.clone());
            assert_eq!(exit_msg(&mut mb).await, Exit { from: me, reason });
        }
    });
}

/// B6. `exit(self(), kill)` gives `killed` even when trapping.
#[test]
fn b06_exit_self_kill_gives_killed_even_when_trapping() {
    run(|mut mb: Mailbox<()>| async move {
        let (_, r) = ember_rt::spawn_monitor(|mut m: Mailbox<()>| async move {
            ember_rt::trap_exit(true);
            ember_rt::exit(ember_rt::self_pid(), ExitReason::Kill);
            m.recv_any().await;
            ExitReason::atom("not_reached")
        });
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Killed);
    });
}

/// B7. `unlink` succeeds without a link, and once it returns the link cannot affect the caller.
#[test]
fn b07_unlink_without_link_is_ok_and_cuts_the_link() {
    run(|mut mb: Mailbox<()>| async move {
        let p = spawn_idle();
        ember_rt::unlink(p); // no link: fine
        ember_rt::link(p).expect("link");
        ember_rt::unlink(p);
        let r = ember_rt::monitor(p);
        ember_rt::exit(p, ExitReason::atom("foo"));
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::atom("foo"));
        common::assert_quiet(&mut mb).await; // and we are still here to check
    });
}

/// B7. An `Exit` already in a trapping caller's mailbox stays there after `unlink`.
#[test]
fn b07_unlink_keeps_an_exit_already_delivered() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let s = ember_rt::spawn_opt(SpawnOpts::new().link().monitor(), |_: Mailbox<()>| async {
            ExitReason::atom("foo")
        })
        .expect("spawn");
        // The Down is delivered after the Exit, so once we have it the Exit is queued.
        down_for(&mut mb, s.monitor.expect("monitor")).await;
        ember_rt::unlink(s.pid);
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: s.pid.untyped(),
                reason: ExitReason::atom("foo")
            }
        );
    });
}

/// B8. Linking to a dead pid when not trapping fails with `noproc`.
#[test]
fn b08_link_to_dead_pid_fails_with_noproc() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, r).await;
        assert_eq!(ember_rt::link(p), Err(LinkError::NoProc(p.untyped())));
        assert!(links_of(ember_rt::self_pid()).is_empty());
    });
}

/// B8. Linking to a dead pid when trapping succeeds and an `Exit` with `noproc` arrives.
#[test]
fn b08_link_to_dead_pid_when_trapping_gives_noproc_exit() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let (p, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, r).await;
        assert_eq!(ember_rt::link(p), Ok(()));
        assert_eq!(
            exit_msg(&mut mb).await,
            Exit {
                from: p.untyped(),
                reason: ExitReason::NoProc
            }
        );
    });
}

/// B8. `spawn_link` is atomic: a child that dies at once still delivers its real reason, never
/// `noproc` (100 runs, half of them panicking).
#[test]
fn b08_spawn_link_is_atomic() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        for i in 0..100 {
            let c = if i % 2 == 0 {
                ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::atom("at_once") })
            } else {
                ember_rt::spawn_link(|_: Mailbox<()>| async { crash("at once") })
            };
            let e = exit_msg(&mut mb).await;
            assert_eq!(e.from, c.untyped());
            if i % 2 == 0 {
                assert_eq!(e.reason, ExitReason::atom("at_once"));
            } else {
                assert!(matches!(e.reason, ExitReason::Panic { .. }), "{e:?}");
            }
        }
    });
}

/// B9. An `Exit` is an ordinary message for selective receive, and the trap flag counts at the
/// moment the signal arrives: turning trapping off later leaves the message (and the process).
#[test]
fn b09_exit_message_is_ordinary_and_converted_on_arrival() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::trap_exit(true);
        mb.pid().send(1);
        let s = ember_rt::spawn_opt(SpawnOpts::new().link().monitor(), |_: Mailbox<()>| async {
            ExitReason::atom("foo")
        })
        .expect("spawn");
        down_for(&mut mb, s.monitor.expect("monitor")).await;
        mb.pid().send(2);
        ember_rt::trap_exit(false);
        // User messages can be taken around the Exit, which stays in place.
        assert_eq!(recv(&mut mb).await, 1);
        assert_eq!(recv(&mut mb).await, 2);
        match recv_any(&mut mb).await {
            Message::Exit(e) => assert_eq!(e.reason, ExitReason::atom("foo")),
            other => panic!("expected the Exit, got {other:?}"),
        }
    });
}

/// Panic with `message` (a helper: `async { panic!() }` has output `!` in edition 2024).
fn crash(message: &str) {
    panic!("{message}")
}
