//! Task.Supervisor semantics (otp-semantics H5): `async_nolink` monitors without linking, a
//! crash is `{:exit, r}` from yield or a DOWN when nobody awaits, success delivers the result,
//! tasks are temporary under a one_for_one 3/5 supervisor.

use std::time::Duration;

use ember_otp::child::Shutdown;
use ember_otp::dynamic_supervisor::DynamicOptions;
use ember_otp::supervisor::{
    CallError, FlagsError, StartChildError, StartError, Strategy, Supervisor,
};
use ember_otp::task::TaskError;
use ember_otp::task_supervisor::{TaskStartError, TaskSupervisor};
use ember_rt::{ExitReason, Mailbox, Message, Monitored, Pid, Runtime};
use tokio::sync::oneshot;

mod common;
use common::run;

const QUIET: Duration = Duration::from_millis(100);

fn is_panic(reason: &ExitReason, text: &str) -> bool {
    matches!(reason, ExitReason::Panic { message, .. } if &**message == text)
}

async fn task_sup() -> TaskSupervisor {
    TaskSupervisor::start_link(DynamicOptions::new())
        .await
        .expect("task supervisor starts")
}

/// Open `gate` once `owner` no longer monitors `task`, i.e. once the owner is inside an await
/// of it: the task then ends while it is being awaited, deterministically.
fn open_when_awaited(owner: Pid, task: Pid, gate: oneshot::Sender<()>) {
    ember_rt::spawn(move |_: Mailbox<()>| async move {
        while ember_rt::process_info(owner).is_some_and(|i| i.monitors.contains(&task)) {
            ember_rt::sleep(Duration::from_millis(1)).await;
        }
        let _ = gate.send(());
    });
}

fn me() -> Pid {
    ember_rt::self_pid()
}

fn links_of(pid: Pid) -> Vec<Pid> {
    ember_rt::process_info(pid).unwrap().links
}

// ---- H5 bullet 1: a crash is {:exit, r} from yield, or a DOWN if nobody awaits -----------

#[test]
fn h05_a_crash_is_an_exit_from_yield_and_never_kills_the_non_trapping_caller() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let (open, gate) = oneshot::channel::<()>();
        let mut task = sup
            .async_nolink(async move {
                let _ = gate.await;
                panic!("boom")
            })
            .await
            .unwrap();
        // Monitored, not linked; the supervisor is the one linked to it.
        assert!(!links_of(me()).contains(&task.pid()));
        assert!(
            ember_rt::process_info(me())
                .unwrap()
                .monitors
                .contains(&task.pid())
        );
        assert!(links_of(task.pid()).contains(&sup.pid()));
        assert!(!ember_rt::process_info(me()).unwrap().trap_exit);

        open_when_awaited(me(), task.pid(), open);
        let got = task.yield_timeout(ember_rt::Timeout::Infinity).await;
        assert!(
            matches!(&got, Err(TaskError::Exit(r)) if is_panic(r, "boom")),
            "{got:?}"
        );
        // The caller lives, and the end was reported once: no DOWN, no EXIT in the mailbox.
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
        assert_eq!(task.monitor_ref(), None);
        assert!(ember_rt::process_info(me()).unwrap().monitors.is_empty());
        assert_eq!(
            task.yield_timeout(Duration::ZERO).await,
            Err(TaskError::AlreadyAwaited)
        );
    });
}

#[test]
fn h05_a_crash_is_an_exit_from_await_and_a_trapping_caller_gets_no_exit_message() {
    run(|mut mb: Mailbox<()>| async move {
        ember_rt::trap_exit(true);
        let sup = task_sup().await;
        let (open, gate) = oneshot::channel::<()>();
        let task = sup
            .async_nolink(async move {
                let _ = gate.await;
                if true {
                    panic!("bad input");
                }
                7
            })
            .await
            .unwrap();
        open_when_awaited(me(), task.pid(), open);
        let got = task.await;
        assert!(
            matches!(&got, Err(TaskError::Exit(r)) if is_panic(r, "bad input")),
            "{got:?}"
        );
        // No link: a trapping caller sees no {'EXIT', ...} either.
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
    });
}

#[test]
fn h05_a_crash_appears_as_a_down_if_nobody_awaits() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let mut task = sup
            .async_nolink(async {
                if true {
                    panic!("boom");
                }
            })
            .await
            .unwrap();
        let reference = task
            .monitor_ref()
            .expect("an async_nolink task is monitored");
        let Some(Message::Down(down)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN for the crashed task");
        };
        assert_eq!(down.reference, reference);
        assert_eq!(down.object, Monitored::Pid(task.pid()));
        assert!(is_panic(&down.reason, "boom"), "{:?}", down.reason);
        // The caller survived; Task.yield(task, 0) afterwards gives {:exit, reason}.
        assert_eq!(
            task.yield_timeout(Duration::ZERO).await,
            Err(TaskError::Exit(down.reason.clone()))
        );
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
    });
}

#[test]
fn h05_a_dropped_handle_still_reports_the_crash_as_a_down() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let (open, gate) = oneshot::channel::<()>();
        let task = sup
            .async_nolink(async move {
                let _ = gate.await;
                panic!("late crash")
            })
            .await
            .unwrap();
        let (pid, reference) = (task.pid(), task.monitor_ref().unwrap());
        drop(task);
        let _ = open.send(());
        let Some(Message::Down(down)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN for the crashed task");
        };
        assert_eq!(
            (down.reference, down.object),
            (reference, Monitored::Pid(pid))
        );
        assert!(is_panic(&down.reason, "late crash"));
    });
}

#[test]
fn h05_a_yield_that_times_out_keeps_the_task_monitored() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let (open, gate) = oneshot::channel::<()>();
        let mut task = sup
            .async_nolink(async move {
                let _ = gate.await;
                panic!("after the yield")
            })
            .await
            .unwrap();
        let before = task.monitor_ref().unwrap();
        // Task.yield(task, 0) #=> nil: still running, still monitored (with a new monitor).
        assert_eq!(task.yield_timeout(Duration::ZERO).await, Ok(None));
        let after = task
            .monitor_ref()
            .expect("monitored again after the timeout");
        assert_ne!(before, after);
        let _ = open.send(());
        let Some(Message::Down(down)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN for the crashed task");
        };
        assert_eq!(down.reference, after);
        assert!(is_panic(&down.reason, "after the yield"));
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
    });
}

// ---- H5 bullet 2: success sends {ref, result} --------------------------------------------

#[test]
fn h05_success_delivers_the_result_and_leaves_nothing_in_the_mailbox() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let (open, gate) = oneshot::channel::<()>();
        let task = sup
            .async_nolink(async move {
                let _ = gate.await;
                String::from("result")
            })
            .await
            .unwrap();
        assert_eq!(task.owner(), Some(me()));
        open_when_awaited(me(), task.pid(), open);
        assert_eq!(task.await, Ok(String::from("result")));
        // Elixir's await flushes the monitor: no DOWN left, no monitor left.
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
        assert!(ember_rt::process_info(me()).unwrap().monitors.is_empty());
    });
}

#[test]
fn h05_success_while_nobody_awaits_is_a_normal_down_and_the_value_waits_in_the_task() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let mut task = sup.async_nolink(async { 6 * 7 }).await.unwrap();
        let reference = task.monitor_ref().unwrap();
        let Some(Message::Down(down)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN for the finished task");
        };
        assert_eq!(
            (down.reference, down.reason),
            (reference, ExitReason::Normal)
        );
        // Elixir's {ref, 42}: the value is still there for a yield.
        assert_eq!(task.yield_timeout(Duration::ZERO).await, Ok(Some(42)));
    });
}

#[test]
fn h05_a_task_that_ended_before_the_await_left_a_down_to_flush_like_elixirs_await() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let task = sup.async_nolink(async { "early" }).await.unwrap();
        let reference = task.monitor_ref().unwrap();
        // It ends while nobody awaits: its DOWN is sent (and not received yet).
        let reason = ember_rt::watch(task.pid()).await;
        assert!(
            matches!(reason, ExitReason::Normal | ExitReason::NoProc),
            "{reason:?}"
        );
        assert_eq!(task.await, Ok("early"));
        // Elixir's await flushes the DOWN; in ember the owner does it with the reference.
        assert_eq!(mb.len(), 1);
        assert!(!mb.demonitor_flush(reference));
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
    });
}

#[test]
fn h05_only_the_owner_may_await_a_nolink_task() {
    run(
        |mut mb: Mailbox<Result<Option<u8>, TaskError>>| async move {
            let sup = task_sup().await;
            let mut task = sup
                .async_nolink(std::future::pending::<u8>())
                .await
                .unwrap();
            let owner = me();
            let back = mb.pid();
            let other = ember_rt::spawn(move |_: Mailbox<()>| async move {
                back.send(task.yield_timeout(Duration::ZERO).await);
            });
            let Message::User(got) = mb.recv_any().await else {
                panic!("expected the other process's answer");
            };
            assert_eq!(
                got,
                Err(TaskError::NotOwner {
                    owner: Some(owner),
                    caller: Some(other.untyped()),
                })
            );
        },
    );
}

#[test]
fn h05_shutdown_of_a_nolink_task_reports_nothing_else() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let task = sup
            .async_nolink(std::future::pending::<()>())
            .await
            .unwrap();
        let pid = task.pid();
        assert_eq!(task.shutdown(Shutdown::BrutalKill).await, Ok(None));
        assert!(!pid.is_alive());
        assert!(mb.recv_any_timeout(QUIET).await.is_none());
        // The supervisor forgot the temporary child.
        assert!(sup.children().await.unwrap().is_empty());
    });
}

#[test]
fn h05_async_nolink_needs_an_owner_process() {
    let rt = Runtime::new().unwrap();
    let sup = rt
        .run(|_: Mailbox<()>| async {
            let sup = TaskSupervisor::start_link(DynamicOptions::new())
                .await
                .unwrap();
            // Unlink, so the supervisor outlives this root process.
            ember_rt::unlink(sup.pid());
            sup
        })
        .unwrap();
    let got = std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(async move { sup.async_nolink(async { 1 }).await.map(|_| ()) })
    })
    .join()
    .unwrap();
    assert_eq!(got, Err(TaskStartError::NotInProcess));
    rt.shutdown();
}

// ---- H5 bullet 3: tasks are temporary; the supervisor is one_for_one 3/5 ------------------

#[test]
fn h05_tasks_are_temporary_crashes_are_never_restarted() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        // More crashes than the intensity allows (3 in 5 s): temporary children never count.
        for i in 0..5 {
            let pid = sup
                .start_child(async move {
                    if true {
                        panic!("crash {i}");
                    }
                })
                .await
                .unwrap();
            let reason = ember_rt::watch(pid).await;
            assert!(
                reason == ExitReason::NoProc || is_panic(&reason, &format!("crash {i}")),
                "{reason:?}"
            );
        }
        let task = sup
            .async_nolink(async { panic!("nolink crash") })
            .await
            .unwrap();
        let Some(Message::Down(_)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN");
        };
        drop(task);
        // A request sent after the deaths is answered after the supervisor handled them.
        let ds = sup.as_dynamic();
        assert!(sup.pid().is_alive());
        assert_eq!(ds.restart_count().await, Ok(0));
        assert!(sup.children().await.unwrap().is_empty());
        assert_eq!(ds.count_children().await.unwrap().specs, 0);
    });
}

#[test]
fn h05_the_supervisor_is_one_for_one_with_3_restarts_in_5_seconds() {
    run(|_mb: Mailbox<()>| async move {
        // The defaults of Task.Supervisor.start_link/1.
        let defaults = DynamicOptions::new();
        assert_eq!(
            (defaults.strategy, defaults.intensity, defaults.period),
            (Strategy::OneForOne, 3, 5)
        );
        // Only one_for_one.
        let bad = TaskSupervisor::start_link(DynamicOptions::new().strategy(Strategy::OneForAll));
        assert_eq!(
            bad.await,
            Err(StartError::InvalidFlags(FlagsError::InvalidStrategy(
                Strategy::OneForAll
            )))
        );
        // one_for_one: a crashing task leaves its siblings running.
        let sup = task_sup().await;
        let sibling = sup.start_child(std::future::pending::<()>()).await.unwrap();
        let crasher = sup
            .start_child(async {
                if true {
                    panic!("alone");
                }
            })
            .await
            .unwrap();
        ember_rt::watch(crasher).await;
        assert_eq!(sup.children().await.unwrap(), vec![sibling]);
        assert!(sibling.is_alive());
    });
}

// ---- the rest of the API ------------------------------------------------------------------

#[test]
fn h05_start_child_is_fire_and_forget_and_children_lists_running_tasks() {
    run(|mut mb: Mailbox<u32>| async move {
        let sup = task_sup().await;
        let me = mb.pid();
        let (open, gate) = oneshot::channel::<()>();
        let a = sup
            .start_child(async move {
                let _ = gate.await;
                me.send(1);
            })
            .await
            .unwrap();
        let b = sup.start_child(std::future::pending::<()>()).await.unwrap();
        let mut children = sup.children().await.unwrap();
        children.sort();
        let mut expected = vec![a, b];
        expected.sort();
        assert_eq!(children, expected);
        // Not linked to the caller.
        assert!(!links_of(ember_rt::self_pid()).contains(&a));
        let _ = open.send(());
        assert_eq!(mb.recv().await, 1);
        let reason = ember_rt::watch(a).await;
        assert!(
            matches!(reason, ExitReason::Normal | ExitReason::NoProc),
            "{reason:?}"
        );
        assert_eq!(sup.terminate_child(b).await, Ok(()));
        assert!(!b.is_alive());
        assert!(sup.children().await.unwrap().is_empty());
    });
}

#[test]
fn h05_max_children_and_a_dead_supervisor_are_errors() {
    run(|_mb: Mailbox<()>| async move {
        let sup = TaskSupervisor::start_link(DynamicOptions::new().max_children(1))
            .await
            .unwrap();
        sup.start_child(std::future::pending::<()>()).await.unwrap();
        assert_eq!(
            sup.async_nolink(async { 1 }).await.map(|_| ()),
            Err(TaskStartError::Start(StartChildError::MaxChildren))
        );
        sup.as_dynamic().stop(ExitReason::Normal).await.unwrap();
        assert_eq!(
            sup.start_child(async {}).await,
            Err(TaskStartError::Start(StartChildError::Call(
                CallError::NoProc
            )))
        );
    });
}

#[test]
fn h05_stopping_the_supervisor_stops_its_tasks_and_the_owner_sees_shutdown() {
    run(|mut mb: Mailbox<()>| async move {
        let sup = task_sup().await;
        let mut task = sup
            .async_nolink(std::future::pending::<()>())
            .await
            .unwrap();
        let reference = task.monitor_ref().unwrap();
        sup.as_dynamic().stop(ExitReason::Normal).await.unwrap();
        let Some(Message::Down(down)) = mb.recv_any_timeout(Duration::from_secs(10)).await else {
            panic!("no DOWN");
        };
        assert_eq!(
            (down.reference, &down.reason),
            (reference, &ExitReason::Shutdown)
        );
        assert_eq!(
            task.yield_timeout(Duration::ZERO).await,
            Err(TaskError::Exit(ExitReason::Shutdown))
        );
    });
}

#[test]
fn h05_a_task_supervisor_in_a_supervision_tree() {
    run(|_mb: Mailbox<()>| async move {
        let spec = TaskSupervisor::child_spec("tasks", DynamicOptions::new().name("tasks"));
        let root = Supervisor::start_link(Default::default(), [spec])
            .await
            .unwrap();
        let sup = TaskSupervisor::whereis("tasks").expect("registered");
        assert_eq!(TaskSupervisor::from_pid(sup.pid()), Ok(sup));
        assert_eq!(
            sup.async_nolink(async { "ok" }).await.unwrap().await,
            Ok("ok")
        );
        root.stop(ExitReason::Normal).await.unwrap();
        assert!(!sup.pid().is_alive());
    });
}
