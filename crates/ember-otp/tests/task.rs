//! Task behaviour tests (otp-semantics H3, H4).

use std::time::Duration;

use ember_otp::child::Shutdown;
use ember_otp::task::{DEFAULT_AWAIT_TIMEOUT, Task, TaskError};
use ember_rt::{ExitReason, Mailbox, Message, Timeout};

mod common;
use common::run;

const WAIT: Duration = Duration::from_secs(10);
const QUIET: Duration = Duration::from_millis(100);

fn is_panic(reason: &ExitReason, text: &str) -> bool {
    matches!(reason, ExitReason::Panic { message, .. } if &**message == text)
}

#[test]
fn h03_await_returns_the_result_and_leaves_no_monitor_behind() {
    run(|mut mb: Mailbox<()>| async move {
        let task = Task::spawn(async { 40 + 2 });
        assert_eq!(task.owner(), Some(ember_rt::self_pid()));
        assert_eq!(task.await, Ok(42));
        // Nothing in the mailbox (no DOWN), no monitor left.
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
        assert!(
            ember_rt::process_info(ember_rt::self_pid())
                .unwrap()
                .monitors
                .is_empty()
        );
    });
}

#[test]
fn h03_a_task_is_linked_to_its_owner() {
    run(|_mb: Mailbox<()>| async move {
        let task = Task::spawn(async { ember_rt::sleep(Duration::from_millis(50)).await });
        assert!(
            ember_rt::process_info(ember_rt::self_pid())
                .unwrap()
                .links
                .contains(&task.pid())
        );
        assert_eq!(task.await, Ok(()));
    });
}

#[test]
fn h03_await_timeout_returns_timeout_and_the_task_keeps_running() {
    run(|_mb: Mailbox<()>| async move {
        assert_eq!(DEFAULT_AWAIT_TIMEOUT, Duration::from_secs(5));
        let mut task = Task::spawn(async {
            ember_rt::sleep(Duration::from_millis(50)).await;
            "late"
        });
        assert_eq!(
            task.await_timeout(Duration::from_millis(1)).await,
            Err(TaskError::Timeout)
        );
        assert!(task.pid().is_alive());
        // Unlike Elixir, the owner did not exit and may wait again.
        assert_eq!(task.await_timeout(WAIT).await, Ok("late"));
        assert_eq!(
            task.await_timeout(WAIT).await,
            Err(TaskError::AlreadyAwaited)
        );
    });
}

#[test]
fn h03_a_crashing_task_kills_a_nontrapping_owner_through_the_link() {
    run(|mut mb: Mailbox<()>| async move {
        let (owner, mref) = ember_rt::spawn_monitor(|_: Mailbox<()>| async move {
            let task = Task::spawn(async { panic!("task exploded") });
            let _ = task.await;
            ember_rt::sleep(WAIT).await; // not reached: the link kills the owner
        });
        match mb.recv_any_timeout(WAIT).await {
            Some(Message::Down(d)) => {
                assert_eq!(d.reference, mref);
                assert!(is_panic(&d.reason, "task exploded"), "{}", d.reason);
            }
            other => panic!("expected the owner's down, got {other:?}"),
        }
        assert!(!owner.is_alive());
    });
}

#[test]
fn h03_a_trapping_owner_gets_the_exit_from_await_and_an_exit_message() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let task = Task::spawn(async { panic!("task exploded") });
        let pid = task.pid();
        match task.await {
            Err(TaskError::Exit(reason)) => assert!(is_panic(&reason, "task exploded"), "{reason}"),
            other => panic!("expected an exit, got {other:?}"),
        }
        match mb.recv_any_timeout(WAIT).await {
            Some(Message::Exit(e)) => assert_eq!(e.from, pid),
            other => panic!("expected the link's exit message, got {other:?}"),
        }
    });
}

#[test]
fn h03_only_the_owner_may_await() {
    run(|mut mb: Mailbox<bool>| async move {
        let mut task = Task::spawn(async { 1 });
        let owner = task.owner();
        let me = mb.pid();
        let stranger = ember_rt::spawn(move |_: Mailbox<()>| async move {
            let r = task.await_timeout(WAIT).await;
            me.send(matches!(r, Err(TaskError::NotOwner { owner: o, .. }) if o == owner));
        });
        assert_ne!(Some(stranger.untyped()), owner);
        assert_eq!(mb.recv_timeout(WAIT).await, Some(true));
    });
}

#[test]
fn h04_yield_returns_none_while_running_and_the_value_later() {
    run(|mut mb: Mailbox<()>| async move {
        let me = mb.pid();
        let mut task = Task::spawn(async move {
            ember_rt::sleep(Duration::from_millis(30)).await;
            me.send(());
            7
        });
        assert_eq!(task.yield_timeout(Duration::ZERO).await, Ok(None));
        assert_eq!(task.yield_timeout(Duration::from_millis(1)).await, Ok(None));
        // The task kept running.
        assert_eq!(mb.recv_timeout(WAIT).await, Some(()));
        assert_eq!(task.yield_timeout(Timeout::Infinity).await, Ok(Some(7)));
    });
}

#[test]
fn h04_yield_gives_the_exit_of_a_task_that_was_killed() {
    run(|_mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let mut task = Task::spawn(std::future::pending::<()>());
        ember_rt::exit(task.pid(), ExitReason::Kill);
        assert_eq!(
            task.yield_timeout(WAIT).await,
            Err(TaskError::Exit(ExitReason::Killed))
        );
    });
}

#[test]
fn h04_shutdown_brutal_kill_returns_none_and_the_owner_survives() {
    run(|_mb: Mailbox<()>| async move {
        // The owner does not trap exits: the unlink before the kill keeps it alive.
        let task = Task::spawn(std::future::pending::<()>());
        let pid = task.pid();
        assert_eq!(task.shutdown(Shutdown::BrutalKill).await, Ok(None));
        assert!(!pid.is_alive());
    });
}

#[test]
fn h04_shutdown_with_a_timeout_sends_shutdown_and_returns_none() {
    run(|_mb: Mailbox<()>| async move {
        let task = Task::spawn(std::future::pending::<()>());
        assert_eq!(task.shutdown(Shutdown::Timeout(WAIT)).await, Ok(None));
    });
}

#[test]
fn h04_shutdown_kills_a_task_that_ignores_shutdown_after_the_timeout() {
    run(|mut mb: Mailbox<()>| async move {
        let me = mb.pid();
        let task = Task::spawn(async move {
            ember_rt::trap_exit(true);
            me.send(());
            std::future::pending::<()>().await
        });
        let exited = ember_rt::watch(task.pid());
        // Let it set its trap flag first.
        assert_eq!(mb.recv_timeout(WAIT).await, Some(()));
        assert_eq!(
            task.shutdown(Shutdown::Timeout(Duration::from_millis(20)))
                .await,
            Ok(None)
        );
        assert_eq!(
            tokio::time::timeout(WAIT, exited).await.unwrap(),
            ExitReason::Killed
        );
    });
}

#[test]
fn h04_shutdown_returns_the_value_of_a_task_that_finished_meanwhile() {
    run(|_mb: Mailbox<()>| async move {
        let task = Task::spawn(async { "done" });
        tokio::time::timeout(WAIT, ember_rt::watch(task.pid()))
            .await
            .unwrap();
        assert_eq!(task.shutdown(Shutdown::BrutalKill).await, Ok(Some("done")));
    });
}

#[test]
fn h04_shutdown_reports_a_task_that_had_crashed() {
    run(|_mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let task = Task::spawn(async { panic!("early crash") });
        tokio::time::timeout(WAIT, ember_rt::watch(task.pid()))
            .await
            .unwrap();
        match task.shutdown(Shutdown::Timeout(WAIT)).await {
            Err(TaskError::Exit(reason)) => assert!(is_panic(&reason, "early crash"), "{reason}"),
            other => panic!("expected the crash, got {other:?}"),
        }
    });
}

#[test]
fn h04_yield_many_and_await_many() {
    run(|_mb: Mailbox<()>| async move {
        let mut tasks = vec![
            Task::spawn(async { 1 }),
            Task::spawn(async {
                std::future::pending::<()>().await;
                2
            }),
        ];
        let results = Task::yield_many(&mut tasks, Duration::from_millis(20)).await;
        assert_eq!(results, vec![Ok(Some(1)), Ok(None)]);
        let slow = tasks.pop().unwrap();
        assert_eq!(slow.shutdown(Shutdown::BrutalKill).await, Ok(None));

        let tasks = (0..10).map(|n| Task::spawn(async move { n * n })).collect();
        let all = Task::await_many(tasks, WAIT).await.unwrap();
        assert_eq!(all, (0..10).map(|n| n * n).collect::<Vec<_>>());
    });
}
