//! Agent behaviour tests (otp-semantics H6).

use std::time::Duration;

use ember_otp::agent::{self, Agent};
use ember_otp::child::Started;
use ember_otp::gen_server::{self, CallError, Context, GenServer, Init, StartOpts};
use ember_rt::{ExitReason, Mailbox, Timeout};

mod common;
use common::run;

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn h06_start_link_makes_the_functions_result_the_state_built_inside_the_agent() {
    run(|_mb: Mailbox<()>| async move {
        let me = ember_rt::self_pid();
        let agent = Agent::start_link(move || (ember_rt::self_pid(), 41))
            .await
            .unwrap();
        let (built_by, n) = agent.get(|s| *s).await.unwrap();
        assert_eq!(built_by, agent.pid());
        assert_ne!(built_by, me);
        assert_eq!(n, 41);
        assert!(
            ember_rt::process_info(me)
                .unwrap()
                .links
                .contains(&agent.pid())
        );
    });
}

#[test]
fn h06_get_update_and_get_and_update() {
    run(|_mb: Mailbox<()>| async move {
        let agent = Agent::start_link(Vec::<u32>::new).await.unwrap();
        assert_eq!(agent.update(|v| v.push(1)).await, Ok(()));
        assert_eq!(agent.update(|v| v.push(2)).await, Ok(()));
        assert_eq!(agent.get(|v| v.clone()).await, Ok(vec![1, 2]));
        assert_eq!(agent.get_and_update(|v| v.pop()).await, Ok(Some(2)));
        assert_eq!(agent.get(|v| v.len()).await, Ok(1));
    });
}

#[test]
fn h06_calls_time_out_like_a_gen_server_call() {
    run(|_mb: Mailbox<()>| async move {
        let agent = Agent::start_link(|| 0u32).await.unwrap();
        // Keep the agent busy in a function that never yields.
        agent.cast(|_| std::thread::sleep(Duration::from_millis(200)));
        assert_eq!(
            agent.get_timeout(|n| *n, Duration::from_millis(5)).await,
            Err(CallError::Timeout)
        );
        let r = agent
            .update_timeout(|n| *n += 1, Duration::from_millis(5))
            .await;
        assert_eq!(r, Err(CallError::Timeout));
        // The agent keeps running and still ran the timed-out update.
        assert_eq!(agent.get(|n| *n).await, Ok(1));
    });
}

#[test]
fn h06_cast_returns_at_once_and_runs_asynchronously() {
    run(|mut mb: Mailbox<u32>| async move {
        let agent = Agent::start_link(|| 10u32).await.unwrap();
        let me = mb.pid();
        agent.cast(move |n| {
            *n += 1;
            me.send(*n);
        });
        assert_eq!(mb.recv_timeout(WAIT).await, Some(11));
        agent
            .stop(ExitReason::Normal, Timeout::Infinity)
            .await
            .unwrap();
        agent.cast(|n| *n += 1); // to a dead agent: fine
    });
}

#[test]
fn h06_stop_returns_ok_once_the_agent_is_gone() {
    run(|_mb: Mailbox<()>| async move {
        let agent = Agent::start_link(|| ()).await.unwrap();
        assert_eq!(agent.stop(ExitReason::Normal, WAIT).await, Ok(()));
        assert!(!agent.pid().is_alive());
        assert_eq!(agent.get(|_| ()).await, Err(CallError::NoProc));
        assert_eq!(
            agent.stop(ExitReason::Normal, WAIT).await,
            Err(CallError::NoProc)
        );
    });
}

#[test]
fn a_panicking_function_crashes_the_agent_and_the_caller_gets_the_reason() {
    run(|_mb: Mailbox<()>| async move {
        let agent = Agent::start(|| 0u8).await.unwrap();
        let r = agent.get(|_| -> u8 { panic!("bad fun") }).await;
        match r {
            Err(CallError::Exit(ExitReason::Panic { message, .. })) => {
                assert_eq!(&*message, "bad fun")
            }
            other => panic!("expected the panic, got {other:?}"),
        }
        assert!(!agent.pid().is_alive());
    });
}

#[test]
fn a_panicking_start_function_fails_the_start() {
    run(|_mb: Mailbox<()>| async move {
        let r = Agent::<u8>::start(|| panic!("no state")).await;
        assert!(
            matches!(
                r,
                Err(gen_server::StartError::Exit(ExitReason::Panic { .. }))
            ),
            "{r:?}"
        );
    });
}

struct Other;

impl GenServer for Other {
    type Arg = ();
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Other)
    }
}

#[test]
fn named_agents_are_found_by_name_and_type_checked() {
    run(|_mb: Mailbox<()>| async move {
        Agent::start_opts(|| 7u64, StartOpts::new().link().name("config"))
            .await
            .unwrap();
        assert_eq!(
            Agent::<u64>::whereis("config").unwrap().get(|n| *n).await,
            Ok(7)
        );
        assert!(matches!(
            Agent::<u32>::whereis("config"),
            Err(CallError::WrongType { .. })
        ));
        gen_server::start_opts::<Other>((), StartOpts::new().name("other"))
            .await
            .unwrap();
        assert!(matches!(
            Agent::<u64>::whereis("other"),
            Err(CallError::WrongType { .. })
        ));
        assert_eq!(Agent::<u64>::whereis("nobody"), Err(CallError::NoProc));
    });
}

#[test]
fn child_spec_starts_a_linked_agent() {
    run(|_mb: Mailbox<()>| async move {
        let spec = agent::child_spec(|| 3i32);
        let Ok(Started::Pid(pid)) = spec.start_child().await else {
            panic!("expected a pid")
        };
        assert!(
            ember_rt::process_info(ember_rt::self_pid())
                .unwrap()
                .links
                .contains(&pid)
        );
        // Restartable: the start function can run again.
        let Ok(Started::Pid(again)) = spec.start_child().await else {
            panic!("expected a pid")
        };
        assert_ne!(pid, again);
    });
}
