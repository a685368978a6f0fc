//! Application semantics (otp-semantics H8): start, ordered stop, errors, the root dying, and
//! the `run_until` entry (signals are wired the same way, with an OS signal as the trigger).

use std::time::Duration;

use ember_otp::application::{self, Application, ApplicationError, Stopped};
use ember_otp::child::{ChildSpec, Started};
use ember_otp::supervisor::{Flags, Supervisor};
use ember_rt::{ExitReason, Mailbox, Message, Pid, Runtime, SpawnOpts};
use tokio::sync::oneshot;

#[derive(Debug, PartialEq)]
enum Ev {
    Start,
    ChildStarted(&'static str),
    Terminated(&'static str, ExitReason),
    PrepStop(u32),
    Stop { state: u32, supervisor_alive: bool },
}

fn worker(id: &'static str, to: Pid<Ev>) -> ChildSpec {
    ChildSpec::new(id, move || async move {
        let opts = SpawnOpts::new().link().trap_exit(true);
        let spawned = ember_rt::spawn_opt(opts, move |mut mb: Mailbox<()>| async move {
            match mb.recv_any().await {
                Message::User(()) => ExitReason::Normal,
                Message::Exit(e) => {
                    to.send(Ev::Terminated(id, e.reason.clone()));
                    e.reason
                }
                Message::Down(_) => ExitReason::Normal,
            }
        });
        to.send(Ev::ChildStarted(id));
        Ok(Started::Pid(
            spawned.map_err(ExitReason::error)?.pid.untyped(),
        ))
    })
}

struct TestApp {
    name: &'static str,
    to: Pid<Ev>,
    flags: Flags,
    fail_start: Option<ExitReason>,
    supervisor: Option<Supervisor>,
}

impl TestApp {
    fn new(name: &'static str, to: Pid<Ev>) -> TestApp {
        TestApp {
            name,
            to,
            flags: Flags::default(),
            fail_start: None,
            supervisor: None,
        }
    }
}

impl Application for TestApp {
    type State = u32;

    fn name(&self) -> &str {
        self.name
    }

    async fn start(&mut self) -> Result<(Supervisor, u32), ExitReason> {
        self.to.send(Ev::Start);
        if let Some(r) = self.fail_start.clone() {
            return Err(r);
        }
        let children = [
            worker("a", self.to),
            worker("b", self.to),
            worker("c", self.to),
        ];
        let sup = Supervisor::start_link(self.flags.clone(), children).await?;
        self.supervisor = Some(sup);
        Ok((sup, 1))
    }

    async fn prep_stop(&mut self, state: u32) -> u32 {
        self.to.send(Ev::PrepStop(state));
        state + 1
    }

    async fn stop(&mut self, state: u32) {
        let supervisor_alive = self.supervisor.is_some_and(|s| s.pid().is_alive());
        self.to.send(Ev::Stop {
            state,
            supervisor_alive,
        });
    }
}

fn rt() -> Runtime {
    Runtime::builder().workers(2).build().unwrap()
}

async fn next(mb: &mut Mailbox<Ev>) -> Ev {
    mb.recv_timeout(Duration::from_secs(10))
        .await
        .expect("expected an event")
}

async fn expect_started(mb: &mut Mailbox<Ev>) {
    assert_eq!(next(mb).await, Ev::Start);
    for id in ["a", "b", "c"] {
        assert_eq!(next(mb).await, Ev::ChildStarted(id));
    }
}

async fn expect_ordered_stop(mb: &mut Mailbox<Ev>, exited: bool) {
    assert_eq!(next(mb).await, Ev::PrepStop(1));
    if !exited {
        for id in ["c", "b", "a"] {
            assert_eq!(next(mb).await, Ev::Terminated(id, ExitReason::Shutdown));
        }
    }
    assert_eq!(
        next(mb).await,
        Ev::Stop {
            state: 2,
            supervisor_alive: false
        }
    );
}

#[test]
fn h08_start_then_stop_runs_prep_stop_shuts_the_tree_down_in_reverse_then_stop() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let app = application::start(TestApp::new("shop", mb.pid()))
            .await
            .unwrap();
        expect_started(&mut mb).await;
        assert_eq!(application::which_applications(), ["shop"]);
        assert_eq!(app.supervisor().count_children().await.unwrap().active, 3);
        application::stop("shop").await.unwrap();
        expect_ordered_stop(&mut mb, false).await;
        assert!(!app.is_running());
        assert!(application::which_applications().is_empty());
    })
    .unwrap();
}

#[test]
fn h08_starting_twice_and_stopping_twice_are_errors() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let app = application::start(TestApp::new("twice", mb.pid()))
            .await
            .unwrap();
        expect_started(&mut mb).await;
        let again = application::start(TestApp::new("twice", mb.pid())).await;
        assert_eq!(
            again.unwrap_err(),
            ApplicationError::AlreadyStarted("twice".into())
        );
        app.stop().await.unwrap();
        assert_eq!(
            app.stop().await,
            Err(ApplicationError::NotStarted("twice".into()))
        );
        assert_eq!(
            application::stop("twice").await,
            Err(ApplicationError::NotStarted("twice".into()))
        );
        // once stopped it can be started again
        let app = application::start(TestApp::new("twice", mb.pid()))
            .await
            .unwrap();
        app.stop().await.unwrap();
    })
    .unwrap();
}

#[test]
fn h08_a_failing_start_is_an_error_and_leaves_nothing_running() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let mut bad = TestApp::new("bad", mb.pid());
        bad.fail_start = Some(ExitReason::atom("no_config"));
        let r = application::start(bad).await;
        assert_eq!(
            r.unwrap_err(),
            ApplicationError::StartFailed {
                name: "bad".into(),
                reason: ExitReason::atom("no_config")
            }
        );
        assert_eq!(next(&mut mb).await, Ev::Start);
        assert!(application::which_applications().is_empty());

        struct Panicking;
        impl Application for Panicking {
            type State = ();
            fn name(&self) -> &str {
                "panicking"
            }
            async fn start(&mut self) -> Result<(Supervisor, ()), ExitReason> {
                panic!("start exploded")
            }
        }
        let r = application::start(Panicking).await;
        assert!(matches!(
            r,
            Err(ApplicationError::StartFailed {
                reason: ExitReason::Panic { .. },
                ..
            })
        ));
    })
    .unwrap();
}

#[test]
fn h08_root_supervisor_dying_stops_the_app_and_still_runs_prep_stop_and_stop() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let mut app = TestApp::new("fragile", mb.pid());
        app.flags = Flags::default().intensity(0);
        let me = mb.pid();
        ember_rt::spawn(move |_: Mailbox<()>| async move {
            let r = application::run_until(app, std::future::pending::<()>()).await;
            assert_eq!(r, Ok(Stopped::Exited(ExitReason::Shutdown)));
            me.send(Ev::Start); // "run_until returned"
        });
        expect_started(&mut mb).await;
        // crash child "a": intensity 0, so the root supervisor gives up
        let kids = find_children("fragile").await;
        ember_rt::exit(kids[2], ExitReason::Kill); // which_children is in reverse start order
        // the supervisor stops b and c (reverse order), then exits shutdown
        assert_eq!(
            next(&mut mb).await,
            Ev::Terminated("c", ExitReason::Shutdown)
        );
        assert_eq!(
            next(&mut mb).await,
            Ev::Terminated("b", ExitReason::Shutdown)
        );
        expect_ordered_stop(&mut mb, true).await;
        assert_eq!(next(&mut mb).await, Ev::Start);
        assert!(application::which_applications().is_empty());
    })
    .unwrap();
}

/// The pids of the children of a running application's root supervisor (found among the
/// application master's links), in `which_children` order.
async fn find_children(app: &str) -> Vec<Pid> {
    let master = ember_rt::whereis(format!("application:{app}").as_str()).unwrap();
    let info = ember_rt::process_info(master).unwrap();
    for linked in info.links {
        if let Ok(sup) = Supervisor::from_pid(linked) {
            return sup
                .which_children()
                .await
                .unwrap()
                .iter()
                .filter_map(|c| c.status.pid())
                .collect();
        }
    }
    panic!("no root supervisor linked to the master");
}

#[test]
fn h08_run_until_a_trigger_stops_in_order() {
    rt().run(|mut mb: Mailbox<Ev>| async move {
        let (trigger_tx, trigger_rx) = oneshot::channel::<()>();
        let (done_tx, done_rx) = oneshot::channel();
        let app = TestApp::new("service", mb.pid());
        ember_rt::spawn(move |_: Mailbox<()>| async move {
            let _ = done_tx.send(application::run_until(app, trigger_rx).await);
        });
        expect_started(&mut mb).await;
        trigger_tx.send(()).unwrap(); // what SIGTERM does in run_until_signal
        expect_ordered_stop(&mut mb, false).await;
        assert_eq!(done_rx.await.unwrap(), Ok(Stopped::Requested));
        assert!(application::which_applications().is_empty());
    })
    .unwrap();
}
