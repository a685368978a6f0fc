//! State-machine property test: the real supervisor against a small reference model.
//!
//! A case is a strategy, an intensity, a list of children with random restart types, and a
//! sequence of operations: mostly "child i exits with reason r", sometimes `terminate_child(i)`
//! or `restart_child(i)`. The model implements otp-semantics
//! G6-G9 in a few lines; after every operation the real supervisor must agree with it on which
//! children exist and run (by id, in `which_children` order), how many times each child was
//! started, the supervisor's restart count, and whether it has given up (and then its exit
//! reason is `shutdown`). The period is long (60 s), so every restart of a case falls in one
//! intensity window and the model needs no clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use ember_otp::child::{ChildSpec, Restart, Started};
use ember_otp::supervisor::{Flags, RestartChildError, Strategy, Supervisor, TerminateChildError};
use ember_rt::{ExitReason, Mailbox, Runtime, Term};
use proptest::prelude::*;
use proptest::strategy::Strategy as _;
use proptest::test_runner::{Config, TestCaseError, TestRunner};

#[derive(Debug, Clone, Copy)]
enum Reason {
    Normal,
    Shutdown,
    ShutdownWith,
    Custom,
    Kill,
}

impl Reason {
    /// The reason the child ends with (`Kill` is sent as an exit signal: the child ends `killed`).
    fn exit_reason(self) -> ExitReason {
        match self {
            Reason::Normal => ExitReason::Normal,
            Reason::Shutdown => ExitReason::Shutdown,
            Reason::ShutdownWith => ExitReason::ShutdownWith(Term::atom("done")),
            Reason::Custom => ExitReason::atom("boom"),
            Reason::Kill => ExitReason::Killed,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Op {
    /// Child `i` exits with this reason (skipped unless it runs).
    Exit(usize, Reason),
    /// `terminate_child(i)`.
    Terminate(usize),
    /// `restart_child(i)`.
    Restart(usize),
}

#[derive(Debug, Clone)]
struct Case {
    strategy: Strategy,
    intensity: u32,
    children: Vec<Restart>,
    ops: Vec<Op>,
}

fn case_strategy() -> impl proptest::strategy::Strategy<Value = Case> {
    let strategy = prop_oneof![
        Just(Strategy::OneForOne),
        Just(Strategy::OneForAll),
        Just(Strategy::RestForOne)
    ];
    let restart = prop_oneof![
        Just(Restart::Permanent),
        Just(Restart::Transient),
        Just(Restart::Temporary)
    ];
    let reason = prop_oneof![
        Just(Reason::Normal),
        Just(Reason::Shutdown),
        Just(Reason::ShutdownWith),
        Just(Reason::Custom),
        Just(Reason::Kill)
    ];
    let op = prop_oneof![
        6 => (0usize..4, reason).prop_map(|(i, r)| Op::Exit(i, r)),
        1 => (0usize..4).prop_map(Op::Terminate),
        1 => (0usize..4).prop_map(Op::Restart),
    ];
    (
        strategy,
        0u32..4,
        proptest::collection::vec(restart, 1..=4),
        proptest::collection::vec(op, 1..12),
    )
        .prop_map(|(strategy, intensity, children, ops)| Case {
            strategy,
            intensity,
            children,
            ops,
        })
}

// ---------------------------------------------------------------- the model

#[derive(Debug, Clone)]
struct ModelChild {
    id: usize,
    restart: Restart,
    running: bool,
    starts: u32,
}

#[derive(Debug)]
struct Model {
    strategy: Strategy,
    intensity: u32,
    children: Vec<ModelChild>,
    restarts: u64,
    gave_up: bool,
}

impl Model {
    fn new(case: &Case) -> Model {
        let children = case
            .children
            .iter()
            .enumerate()
            .map(|(id, &restart)| ModelChild {
                id,
                restart,
                running: true,
                starts: 1,
            })
            .collect();
        Model {
            strategy: case.strategy,
            intensity: case.intensity,
            children,
            restarts: 0,
            gave_up: false,
        }
    }

    fn running(&self, id: usize) -> bool {
        self.children.iter().any(|c| c.id == id && c.running)
    }

    /// Child `id` (running) ended with `reason`.
    fn exited(&mut self, id: usize, reason: &ExitReason) {
        let pos = self
            .children
            .iter()
            .position(|c| c.id == id)
            .expect("running child");
        let restart = match self.children[pos].restart {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_clean(),
            Restart::Temporary => false,
        };
        if !restart {
            if self.children[pos].restart == Restart::Temporary {
                self.children.remove(pos);
            } else {
                self.children[pos].running = false;
            }
            return;
        }
        self.restarts += 1;
        if self.restarts > u64::from(self.intensity) {
            self.gave_up = true;
            return;
        }
        let from = match self.strategy {
            Strategy::OneForOne => {
                self.children[pos].running = true;
                self.children[pos].starts += 1;
                return;
            }
            Strategy::OneForAll => 0,
            Strategy::RestForOne => pos,
        };
        // Stop the range (temporary children are dropped), then start all of it again.
        let mut j = from;
        while j < self.children.len() {
            if self.children[j].restart == Restart::Temporary && self.children[j].id != id {
                self.children.remove(j);
            } else {
                j += 1;
            }
        }
        for c in &mut self.children[from..] {
            c.running = true;
            c.starts += 1;
        }
    }

    /// `terminate_child`: `Ok` (the child is stopped; a temporary one is dropped) or not found.
    fn terminate(&mut self, id: usize) -> Result<(), &'static str> {
        let pos = self
            .children
            .iter()
            .position(|c| c.id == id)
            .ok_or("not_found")?;
        if self.children[pos].restart == Restart::Temporary {
            self.children.remove(pos);
        } else {
            self.children[pos].running = false;
        }
        Ok(())
    }

    /// `restart_child`: starts a stopped child (not counted as a restart).
    fn restart_child(&mut self, id: usize) -> Result<(), &'static str> {
        let pos = self
            .children
            .iter()
            .position(|c| c.id == id)
            .ok_or("not_found")?;
        let c = &mut self.children[pos];
        if c.running {
            return Err("running");
        }
        c.running = true;
        c.starts += 1;
        Ok(())
    }

    /// `(id, running)` in `which_children` order (reverse start order).
    fn listing(&self) -> Vec<(String, bool)> {
        self.children
            .iter()
            .rev()
            .map(|c| (format!("c{}", c.id), c.running))
            .collect()
    }
}

// ---------------------------------------------------------------- the real thing

enum Cmd {
    Exit(ExitReason),
}

fn child(id: usize, restart: Restart, starts: Arc<Vec<AtomicU32>>) -> ChildSpec {
    ChildSpec::new(format!("c{id}"), move || {
        starts[id].fetch_add(1, Ordering::SeqCst);
        async move {
            let pid = ember_rt::spawn_link(|mut mb: Mailbox<Cmd>| async move {
                let Cmd::Exit(r) = mb.recv().await;
                r
            });
            Ok(Started::Pid(pid.untyped()))
        }
    })
    .restart(restart)
}

async fn check(sup: Supervisor, model: &Model, starts: &[AtomicU32]) -> Result<(), String> {
    let kids = sup
        .which_children()
        .await
        .map_err(|e| format!("supervisor unreachable: {e}"))?;
    let real: Vec<(String, bool)> = kids
        .iter()
        .map(|c| (c.id.to_string(), c.status.is_running()))
        .collect();
    if real != model.listing() {
        return Err(format!(
            "children differ: real {real:?}, model {:?}",
            model.listing()
        ));
    }
    let restarts = sup.restart_count().await.map_err(|e| e.to_string())?;
    if restarts != model.restarts {
        return Err(format!(
            "restart count: real {restarts}, model {}",
            model.restarts
        ));
    }
    for c in &model.children {
        let real = starts[c.id].load(Ordering::SeqCst);
        if real != c.starts {
            return Err(format!(
                "starts of c{}: real {real}, model {}",
                c.id, c.starts
            ));
        }
    }
    Ok(())
}

/// Make running child `id` end with `reason`; returns the reason it ended with.
async fn exit_child(sup: Supervisor, id: usize, reason: Reason) -> Result<ExitReason, String> {
    let name = format!("c{id}");
    let kids = sup.which_children().await.map_err(|e| e.to_string())?;
    let pid = kids
        .iter()
        .find(|c| *c.id == *name)
        .and_then(|c| c.status.pid())
        .ok_or("child not running")?;
    let watch = ember_rt::watch(pid);
    match reason {
        Reason::Kill => ember_rt::exit(pid, ExitReason::Kill),
        other => pid
            .typed::<Cmd>()
            .map_err(|e| e.to_string())?
            .send(Cmd::Exit(other.exit_reason())),
    }
    let ended = watch.await;
    if ended != reason.exit_reason() {
        return Err(format!("child ended with {ended:?}"));
    }
    Ok(ended)
}

async fn run_case(case: Case) -> Result<(), String> {
    ember_rt::trap_exit(true);
    let starts: Arc<Vec<AtomicU32>> = Arc::new(
        (0..case.children.len())
            .map(|_| AtomicU32::new(0))
            .collect(),
    );
    let specs: Vec<ChildSpec> = case
        .children
        .iter()
        .enumerate()
        .map(|(id, &r)| child(id, r, starts.clone()))
        .collect();
    let flags = Flags::new(case.strategy)
        .intensity(case.intensity)
        .period(60);
    let sup = Supervisor::start_link(flags, specs)
        .await
        .map_err(|e| e.to_string())?;
    let mut sup_exit = ember_rt::watch(sup.pid());
    let mut model = Model::new(&case);
    check(sup, &model, &starts).await?;
    for &op in &case.ops {
        match op {
            Op::Exit(id, reason) => {
                let id = id % case.children.len();
                if !model.running(id) {
                    continue;
                }
                let ended = exit_child(sup, id, reason).await?;
                model.exited(id, &ended);
                if model.gave_up {
                    let reason = (&mut sup_exit).await;
                    return if reason == ExitReason::Shutdown {
                        Ok(())
                    } else {
                        Err(format!("supervisor exited {reason:?}"))
                    };
                }
            }
            Op::Terminate(id) => {
                let id = id % case.children.len();
                let real = match sup.terminate_child(&format!("c{id}")).await {
                    Ok(()) => Ok(()),
                    Err(TerminateChildError::NotFound) => Err("not_found"),
                    Err(e) => return Err(e.to_string()),
                };
                let expected = model.terminate(id);
                if real != expected {
                    return Err(format!(
                        "terminate_child(c{id}): real {real:?}, model {expected:?}"
                    ));
                }
            }
            Op::Restart(id) => {
                let id = id % case.children.len();
                let real = match sup.restart_child(&format!("c{id}")).await {
                    Ok(_) => Ok(()),
                    Err(RestartChildError::NotFound) => Err("not_found"),
                    Err(RestartChildError::Running) => Err("running"),
                    Err(e) => return Err(e.to_string()),
                };
                let expected = model.restart_child(id);
                if real != expected {
                    return Err(format!(
                        "restart_child(c{id}): real {real:?}, model {expected:?}"
                    ));
                }
            }
        }
        check(sup, &model, &starts).await?;
    }
    sup.stop(ExitReason::Normal)
        .await
        .map_err(|e| e.to_string())
}

#[test]
fn supervisor_agrees_with_the_model() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let config = Config {
        cases: 256,
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case_strategy(), |case| {
        match rt.run(move |_: Mailbox<()>| run_case(case)) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(msg)) => Err(TestCaseError::fail(msg)),
            Err(reason) => Err(TestCaseError::fail(format!(
                "test process died: {reason:?}"
            ))),
        }
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
