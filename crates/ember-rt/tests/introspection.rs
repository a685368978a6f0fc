//! Introspection (otp-semantics I9, design note G3): `process_info`, `processes`,
//! `runtime_stats`.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use common::{down_for, run, spawn_idle};
use ember_rt::{ExitReason, Mailbox, Message, Name, Pid, Priority, SpawnOpts, Status};

/// Every field of a live process's snapshot.
#[test]
fn process_info_fields() {
    run(|mut mb: Mailbox<()>| async move {
        let me = ember_rt::self_pid();
        ember_rt::trap_exit(true);
        let s = ember_rt::spawn_opt(
            SpawnOpts::new()
                .link()
                .priority(Priority::Low)
                .name("info_target"),
            |mut m: Mailbox<u64>| async move {
                m.recv().await;
            },
        )
        .expect("spawn");
        let p = s.pid;
        let r = ember_rt::monitor(p);
        let watcher = spawn_idle();
        let watched = spawn_idle();
        common::wait_until("the target waits", || {
            ember_rt::process_info(p).is_some_and(|i| i.status == Status::Waiting)
        })
        .await;

        let info = ember_rt::process_info(p).expect("alive");
        assert_eq!(info.pid, p.untyped());
        assert_eq!(info.registered_name, Some(Name::new("info_target")));
        assert_eq!(info.status, Status::Waiting);
        assert_eq!(info.message_queue_len, 0);
        assert!(info.reductions > 0, "its first slice was charged");
        assert!(info.memory > 0);
        assert_eq!(info.links, [me]);
        assert!(info.monitors.is_empty());
        assert_eq!(info.monitored_by, [me]);
        assert!(!info.trap_exit);
        assert_eq!(info.priority, Priority::Low);
        assert_eq!(info.parent, me);
        assert!(info.message_type.contains("u64"), "{}", info.message_type);
        assert_eq!(info.exit_reason, None);
        assert_eq!(info.exiting_for, None);

        let mine = ember_rt::process_info(me).expect("alive");
        assert_eq!(mine.status, Status::Running);
        assert!(mine.trap_exit);
        assert_eq!(mine.monitors, [p.untyped()]);
        assert_eq!(
            mine.parent,
            Pid::SYSTEM,
            "the root was spawned from outside"
        );
        watcher.send(());
        watched.send(());
        p.send(1);
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Normal);
    });
}

/// `status` is `Runnable` for a process that is queued but not yet polled (a spawn from inside
/// a poll is only handed to the scheduler when that poll ends).
#[test]
fn process_info_status_runnable() {
    run(|_: Mailbox<()>| async move {
        let p = spawn_idle();
        assert_eq!(
            ember_rt::process_info(p).expect("alive").status,
            Status::Runnable
        );
        p.send(());
    });
}

/// `message_queue_len` counts waiting messages, and `memory` grows with them.
#[test]
fn process_info_message_queue_len_and_memory() {
    run(|_: Mailbox<()>| async move {
        let p = ember_rt::spawn(|mut m: Mailbox<u32>| async move {
            // Not receiving for a while: messages pile up.
            ember_rt::sleep(Duration::from_secs(60)).await;
            m.recv().await;
        });
        common::wait_until("p sleeps", || {
            ember_rt::process_info(p).is_some_and(|i| i.status == Status::Waiting)
        })
        .await;
        let before = ember_rt::process_info(p).expect("alive");
        for i in 0..10 {
            p.send(i);
        }
        let after = ember_rt::process_info(p).expect("alive");
        assert_eq!(before.message_queue_len, 0);
        assert_eq!(after.message_queue_len, 10);
        assert!(
            after.memory > before.memory,
            "{} <= {}",
            after.memory,
            before.memory
        );
        ember_rt::exit(p, ExitReason::Kill);
    });
}

/// I9: `message_queue_len` is the number of messages waiting, including those a selective
/// receive has already looked at and left in place (Erlang counts the whole queue).
#[test]
fn process_info_message_queue_len_counts_skipped_messages() {
    run(|_: Mailbox<()>| async move {
        let p = ember_rt::spawn(|mut m: Mailbox<u32>| async move {
            // Wait for 99 only; everything else is skipped and stays queued.
            m.receive(|msg| matches!(msg, Message::User(99))).await;
        });
        for i in 0..3 {
            p.send(i);
        }
        // Let p look at (and skip) the three messages.
        common::wait_until("p waits", || {
            ember_rt::process_info(p).is_some_and(|i| i.status == Status::Waiting)
        })
        .await;
        ember_rt::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            ember_rt::process_info(p).expect("alive").message_queue_len,
            3
        );
        p.send(99);
    });
}

/// `processes()` lists live processes, not dead ones; `Runtime::processes` works from outside.
#[test]
fn processes_lists_live_processes() {
    let rt = common::builder().build().expect("runtime");
    let (idle, dead) = rt
        .run(|mut mb: Mailbox<()>| async move {
            let idle = spawn_idle();
            let (dead, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
            down_for(&mut mb, r).await;
            let all = ember_rt::processes();
            assert!(all.contains(&ember_rt::self_pid()));
            assert!(all.contains(&idle.untyped()));
            assert!(!all.contains(&dead.untyped()));
            (idle, dead.untyped())
        })
        .expect("root");
    let outside = rt.processes();
    assert!(outside.contains(&idle.untyped()));
    assert!(!outside.contains(&dead));
    assert_eq!(rt.whereis("nobody"), None);
}

/// `runtime_stats` reports the workers and the live processes.
#[test]
fn runtime_stats_reports_workers_and_processes() {
    run(|_: Mailbox<()>| async move {
        let before = ember_rt::runtime_stats();
        assert_eq!(before.workers.len(), 2);
        let idle: Vec<_> = (0..10).map(|_| spawn_idle()).collect();
        let after = ember_rt::runtime_stats();
        assert_eq!(after.processes, before.processes + 10);
        assert!(after.uptime >= before.uptime);
        for p in idle {
            p.send(());
        }
    });
}

/// Design note G3: a process killed while inside a poll that does not return is a *zombie*:
/// logically dead at once (its monitor fires with `killed`, it is not alive, `process_info`
/// gives nothing, as for any dead pid), yet counted by `runtime_stats().exiting` and listed by
/// `zombies()` with its reason and age, until its poll returns.
#[test]
fn zombie_is_counted_and_listed_until_its_poll_returns() {
    run(|mut mb: Mailbox<()>| async move {
        let started = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let (s, rel) = (started.clone(), release.clone());
        let (z, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            s.store(true, Ordering::SeqCst);
            // A poll that does not return until released (it blocks its worker).
            while !rel.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        common::wait_until("the zombie-to-be is in its poll", || {
            started.load(Ordering::SeqCst)
        })
        .await;
        ember_rt::exit(z, ExitReason::Kill);
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Killed);
        let alive = z.is_alive();
        let listed = ember_rt::processes().contains(&z.untyped());
        let info = ember_rt::process_info(z);
        let stats = ember_rt::runtime_stats();
        let zombies = ember_rt::zombies();
        release.store(true, Ordering::SeqCst);
        assert!(
            !alive && !listed && info.is_none(),
            "a zombie is logically dead"
        );
        assert_eq!(stats.exiting, 1, "the zombie must be counted");
        let zombie = zombies
            .iter()
            .find(|i| i.pid == z.untyped())
            .expect("the zombie is listed");
        assert_eq!(zombie.status, Status::Exiting);
        assert_eq!(zombie.exit_reason, Some(ExitReason::Killed));
        assert!(zombie.exiting_for.is_some());
        common::wait_until("the zombie is reaped", || {
            ember_rt::runtime_stats().exiting == 0 && ember_rt::zombies().is_empty()
        })
        .await;
    });
}

/// A zombie stops being a problem once its poll returns: the future is dropped and nothing of
/// it is left (the code after its next await never runs).
#[test]
fn killed_running_process_is_reaped_at_its_next_await() {
    run(|mut mb: Mailbox<u8>| async move {
        let started = Arc::new(AtomicBool::new(false));
        let release = Arc::new(AtomicBool::new(false));
        let after = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicBool::new(false));
        let (s, rel, a, d) = (
            started.clone(),
            release.clone(),
            after.clone(),
            dropped.clone(),
        );
        let me = mb.pid();
        let (z, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            let _guard = DropFlag(d);
            s.store(true, Ordering::SeqCst);
            while !rel.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(1));
            }
            me.send(1); // logically dead: dropped
            ember_rt::yield_now().await;
            a.store(true, Ordering::SeqCst);
        });
        common::wait_until("z is in its poll", || started.load(Ordering::SeqCst)).await;
        ember_rt::exit(z, ExitReason::Kill);
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Killed);
        release.store(true, Ordering::SeqCst);
        common::wait_until("the future is dropped", || dropped.load(Ordering::SeqCst)).await;
        assert!(
            !after.load(Ordering::SeqCst),
            "code after the next await ran"
        );
        assert_eq!(
            mb.recv_timeout(common::QUIET).await,
            None,
            "a zombie's sends are dropped"
        );
    });
}

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}
