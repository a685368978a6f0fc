//! Elixir child_spec ergonomics (otp-semantics H1): `{RateLimiter, 5}` is one line,
//! `gen_server::child_spec::<RateLimiter>(5)`, with `use GenServer`'s defaults, and
//! `Supervisor.child_spec(spec, id: .., restart: .., shutdown: ..)` overrides compose.

use std::time::Duration;

use ember_otp::child::{ChildType, Restart, Shutdown};
use ember_otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Init, Server};
use ember_otp::supervisor::{ChildStatus, Flags, SpecError, StartError, Supervisor};
use ember_otp::task_supervisor::TaskSupervisor;
use ember_rt::{ExitReason, Mailbox, Pid, Timeout};

mod common;
use common::run;

const QUIET: Duration = Duration::from_millis(100);
const FIVE_SECONDS: Shutdown = Shutdown::Timeout(Duration::from_secs(5));

/// `defmodule RateLimiter do use GenServer ... end`: `call(:tokens)` answers how many are left.
struct RateLimiter {
    tokens: u32,
}

impl GenServer for RateLimiter {
    type Arg = u32;
    type Call = ();
    type Reply = u32;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(max: u32, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(RateLimiter { tokens: max })
    }

    async fn handle_call(
        &mut self,
        _: (),
        _from: &mut Caller<u32>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        CallResult::Reply(self.tokens)
    }
}

/// A server that traps exits and tells `Pid<&str>` when its `terminate` runs.
struct Noisy {
    tell: Pid<&'static str>,
}

impl GenServer for Noisy {
    type Arg = Pid<&'static str>;
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(tell: Pid<&'static str>, _ctx: &mut Context<Self>) -> Init<Self> {
        ember_rt::trap_exit(true); // Process.flag(:trap_exit, true)
        Init::Ok(Noisy { tell })
    }

    async fn terminate(&mut self, _reason: &ExitReason, _ctx: &mut Context<Self>) {
        self.tell.send("terminate");
    }
}

fn pid_of(children: &[ember_otp::supervisor::ChildInfo], id: &str) -> Option<Pid> {
    children
        .iter()
        .find(|c| &*c.id == id)
        .and_then(|c| c.status.pid())
}

#[test]
fn h01_a_gen_server_child_spec_has_use_gen_servers_defaults() {
    // Elixir: RateLimiter.child_spec(5) == %{id: RateLimiter, start: {RateLimiter, :start_link, [5]}}
    let spec = gen_server::child_spec::<RateLimiter>(5);
    assert_eq!(spec.id(), std::any::type_name::<RateLimiter>());
    assert_eq!(spec.restart_type(), Restart::Permanent);
    assert_eq!(spec.child_type(), ChildType::Worker);
    assert_eq!(spec.shutdown_mode(), FIVE_SECONDS);
    assert!(!spec.is_significant());

    // And it is one line in a children list: Supervisor.start_link([{RateLimiter, 5}], ...)
    run(|_mb: Mailbox<()>| async move {
        let sup = Supervisor::start_link(
            Flags::one_for_one(),
            [gen_server::child_spec::<RateLimiter>(5)],
        )
        .await
        .unwrap();
        let children = sup.which_children().await.unwrap();
        let pid = pid_of(&children, std::any::type_name::<RateLimiter>()).expect("running");
        let limiter = Server::<RateLimiter>::from_pid(pid).unwrap();
        assert_eq!(limiter.call(()).await, Ok(5)); // started with the argument
    });
}

#[test]
fn h01_a_supervisor_child_defaults_to_an_infinity_shutdown() {
    let specs = [
        Supervisor::child_spec("sup", Flags::one_for_one(), vec![]),
        DynamicSupervisor::child_spec("dyn", DynamicOptions::new()),
        TaskSupervisor::child_spec("tasks", DynamicOptions::new()),
        gen_server::child_spec::<RateLimiter>(1).supervisor(),
    ];
    for spec in specs {
        assert_eq!(spec.child_type(), ChildType::Supervisor, "{spec:?}");
        assert_eq!(spec.shutdown_mode(), Shutdown::Infinity, "{spec:?}");
        assert_eq!(spec.restart_type(), Restart::Permanent, "{spec:?}");
    }
}

#[test]
fn h01_overrides_compose_in_any_order_and_the_last_one_wins() {
    // Supervisor.child_spec({RateLimiter, 5}, id: :a, restart: :transient, shutdown: :brutal_kill)
    let a = gen_server::child_spec::<RateLimiter>(5)
        .with_id("a")
        .restart(Restart::Transient)
        .shutdown(Shutdown::BrutalKill);
    let b = gen_server::child_spec::<RateLimiter>(5)
        .shutdown(Shutdown::BrutalKill)
        .restart(Restart::Transient)
        .with_id("a");
    for spec in [&a, &b] {
        assert_eq!(spec.id(), "a");
        assert_eq!(spec.restart_type(), Restart::Transient);
        assert_eq!(spec.shutdown_mode(), Shutdown::BrutalKill);
        assert_eq!(spec.child_type(), ChildType::Worker);
    }
    let c = a
        .with_id("c")
        .restart(Restart::Temporary)
        .shutdown(Shutdown::Timeout(Duration::from_millis(10)))
        .supervisor(); // an explicit shutdown survives the change of type
    assert_eq!(c.id(), "c");
    assert_eq!(c.restart_type(), Restart::Temporary);
    assert_eq!(
        c.shutdown_mode(),
        Shutdown::Timeout(Duration::from_millis(10))
    );
}

#[test]
fn h01_ids_tell_two_children_of_one_module_apart() {
    run(|_mb: Mailbox<()>| async move {
        // Two {RateLimiter, n} without ids collide, as in Elixir.
        let twice = [
            gen_server::child_spec::<RateLimiter>(1),
            gen_server::child_spec::<RateLimiter>(2),
        ];
        let err = Supervisor::start_link(Flags::one_for_one(), twice).await;
        assert!(matches!(
            err,
            Err(StartError::InvalidSpec(SpecError::DuplicateChildId(_)))
        ));
        let sup = Supervisor::start_link(
            Flags::one_for_one(),
            [
                gen_server::child_spec::<RateLimiter>(1).with_id("small"),
                gen_server::child_spec::<RateLimiter>(2).with_id("large"),
            ],
        )
        .await
        .unwrap();
        let children = sup.which_children().await.unwrap();
        for (id, tokens) in [("small", 1), ("large", 2)] {
            let pid = pid_of(&children, id).expect("running");
            let server = Server::<RateLimiter>::from_pid(pid).unwrap();
            assert_eq!(server.call(()).await, Ok(tokens));
        }
    });
}

#[test]
fn h01_the_overridden_restart_and_shutdown_are_what_the_supervisor_does() {
    run(|mut mb: Mailbox<&'static str>| async move {
        let me = mb.pid();
        let sup = Supervisor::start_link(
            Flags::one_for_one(),
            [
                gen_server::child_spec::<Noisy>(me).with_id("default"),
                gen_server::child_spec::<Noisy>(me)
                    .with_id("overridden")
                    .restart(Restart::Transient)
                    .shutdown(Shutdown::BrutalKill),
            ],
        )
        .await
        .unwrap();
        let children = sup.which_children().await.unwrap();
        let default = pid_of(&children, "default").unwrap();
        let overridden = pid_of(&children, "overridden").unwrap();

        // restart: a normal stop restarts the permanent child, not the transient one.
        for pid in [default, overridden] {
            let server = Server::<Noisy>::from_pid(pid).unwrap();
            server
                .stop(ExitReason::Normal, Timeout::Infinity)
                .await
                .unwrap();
            assert_eq!(mb.recv().await, "terminate");
        }
        let children = sup.which_children().await.unwrap();
        let restarted = pid_of(&children, "default").expect("permanent: restarted");
        assert_ne!(restarted, default);
        let status = children.iter().find(|c| &*c.id == "overridden").unwrap();
        assert_eq!(status.status, ChildStatus::Stopped);

        // shutdown: the default (5 s) lets terminate run...
        sup.terminate_child("default").await.unwrap();
        assert_eq!(mb.recv().await, "terminate");
        // ...brutal_kill does not.
        sup.restart_child("overridden").await.unwrap();
        sup.terminate_child("overridden").await.unwrap();
        assert!(mb.recv_timeout(QUIET).await.is_none());
    });
}
