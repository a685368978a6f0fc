//! The tree: the worker GenServer, the plan of supervisors, and walking the live tree.

use std::collections::HashSet;
use std::time::Duration;

use ember::otp::child::{ChildSpec, ChildType, Restart, Shutdown};
use ember::otp::dynamic_supervisor::{DynamicOptions, DynamicSupervisor};
use ember::otp::gen_server::{
    self, CallResult, Caller, Context, GenServer, Handled, Info, Init, StartOpts,
};
use ember::otp::supervisor::{Flags, Supervisor};
use ember::rt::{Name, Pid};

const GROUP_INTENSITY: u32 = 10_000;
const FRAGILE_WORKERS: usize = 5;

/// A worker's state: how many calls it answered.
pub(crate) struct Worker {
    served: u64,
}

/// What a worker is started with.
#[derive(Clone)]
pub(crate) struct WorkerArg {
    trap: bool,
}

/// The poison cast: the server panics on it.
pub(crate) struct Poison;

/// The answer a worker must give to `n`.
pub(crate) fn answer(n: u64) -> u64 {
    n.wrapping_mul(3).wrapping_add(1)
}

impl GenServer for Worker {
    type Arg = WorkerArg;
    type Call = u64;
    type Reply = u64;
    type Cast = Poison;
    type Info = ();
    type Continue = ();

    async fn init(arg: WorkerArg, _ctx: &mut Context<Self>) -> Init<Self> {
        if arg.trap {
            ember::rt::trap_exit(true);
        }
        Init::Ok(Worker { served: 0 })
    }

    async fn handle_call(
        &mut self,
        n: u64,
        _from: &mut Caller<u64>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        self.served += 1;
        CallResult::Reply(answer(n))
    }

    async fn handle_cast(&mut self, _: Poison, _ctx: &mut Context<Self>) -> Handled<Self> {
        panic!("poisoned after {} calls", self.served);
    }

    async fn handle_info(&mut self, info: Info<()>, _ctx: &mut Context<Self>) -> Handled<Self> {
        match info {
            // An exit from someone other than the parent (the chaos process): stop with it.
            Info::Exit(e) => Handled::Stop(e.reason),
            _ => Handled::NoReply,
        }
    }
}

pub(crate) fn worker_spec(name: &str, i: usize) -> ChildSpec {
    let restart = match i % 20 {
        0..15 => Restart::Permanent,
        15..18 => Restart::Transient,
        _ => Restart::Temporary,
    };
    let shutdown = if i % 8 == 1 {
        Shutdown::BrutalKill
    } else {
        Shutdown::Timeout(Duration::from_secs(1))
    };
    let arg = WorkerArg { trap: i % 4 == 0 };
    gen_server::child_spec_opts::<Worker>(arg, StartOpts::new().name(name))
        .with_id(name)
        .restart(restart)
        .shutdown(shutdown)
}

/// The static description of the tree.
pub(crate) struct Plan {
    pub(crate) root: Vec<ChildSpec>,
    /// For each DynamicSupervisor id, the workers to add to it.
    pub(crate) dynamic: Vec<(String, Vec<ChildSpec>)>,
    /// The names the load generators and the chaos process pick from.
    pub(crate) names: Vec<Name>,
    pub(crate) supervisors: usize,
    pub(crate) workers: usize,
}

pub(crate) fn plan(workers: usize) -> Plan {
    let mut p = Plan {
        root: vec![],
        dynamic: vec![],
        names: vec![],
        supervisors: 1,
        workers: 0,
    };
    let shares = [
        ("o4o", 50, 100),
        ("r4o", 20, 50),
        ("o4a", 10, 25),
        ("dyn", 20, 500),
    ];
    for (kind, percent, group) in shares {
        let total = workers * percent / 100;
        for g in 0..total.div_ceil(group) {
            let id = format!("{kind}-{g}");
            let size = group.min(total - g * group);
            let specs: Vec<ChildSpec> = (0..size)
                .map(|i| {
                    let name = format!("{id}-{i}");
                    p.names.push(Name::from(name.as_str()));
                    worker_spec(&name, i)
                })
                .collect();
            p.workers += size;
            p.supervisors += 1;
            let flags = match kind {
                "o4o" => Flags::one_for_one(),
                "r4o" => Flags::rest_for_one(),
                "o4a" => Flags::one_for_all(),
                _ => {
                    let opts = DynamicOptions::new().intensity(GROUP_INTENSITY).period(5);
                    p.root
                        .push(DynamicSupervisor::child_spec(id.as_str(), opts));
                    p.dynamic.push((id, specs));
                    continue;
                }
            };
            let flags = flags.intensity(GROUP_INTENSITY).period(5);
            p.root
                .push(Supervisor::child_spec(id.as_str(), flags, specs));
        }
    }
    let fragile_workers = (0..FRAGILE_WORKERS)
        .map(|i| worker_spec(&format!("fragile-w{i}"), i * 20)) // permanent, never trapping
        .collect();
    let fragile = Supervisor::child_spec(
        "fragile",
        Flags::one_for_one().intensity(3).period(5),
        fragile_workers,
    );
    let parent = Flags::one_for_one().intensity(1000).period(5);
    p.root.push(Supervisor::child_spec(
        "fragile-parent",
        parent,
        vec![fragile],
    ));
    p.supervisors += 2;
    p.workers += FRAGILE_WORKERS;
    p
}

/// The pid of the running child with this id under `sup`, if any.
pub(crate) async fn child_pid(sup: Supervisor, id: &str) -> Option<Pid> {
    let kids = sup.which_children().await.ok()?;
    kids.iter().find(|k| &*k.id == id)?.status.pid()
}

/// The running supervisor with this id under `sup`, if any.
pub(crate) async fn child_sup(sup: Supervisor, id: &str) -> Option<Supervisor> {
    Supervisor::from_pid(child_pid(sup, id).await?).ok()
}

/// Every process of the tree, as its supervisors list them: supervisors and running children.
pub(crate) async fn walk(root: Supervisor) -> Result<Vec<Pid>, String> {
    let mut out = vec![root.pid()];
    let mut stack = vec![root];
    while let Some(sup) = stack.pop() {
        let kids = sup
            .which_children()
            .await
            .map_err(|e| format!("which_children of {}: {e}", sup.pid()))?;
        for kid in kids {
            let Some(pid) = kid.status.pid() else {
                continue;
            };
            out.push(pid);
            if kid.child_type != ChildType::Supervisor {
                continue;
            }
            if let Ok(s) = Supervisor::from_pid(pid) {
                stack.push(s);
            } else if let Ok(ds) = DynamicSupervisor::<()>::from_pid(pid) {
                let dkids = ds
                    .which_children()
                    .await
                    .map_err(|e| format!("which_children of {pid}: {e}"))?;
                out.extend(dkids.iter().filter_map(|k| k.status.pid()));
            }
        }
    }
    Ok(out)
}

/// Compare the tree with the runtime's process list: (tree size, live processes, differences).
pub(crate) async fn census(
    root: Supervisor,
    me: Pid,
) -> Result<(usize, usize, Vec<String>), String> {
    let tree: HashSet<Pid> = walk(root).await?.into_iter().collect();
    let live: HashSet<Pid> = ember::rt::processes()
        .into_iter()
        .filter(|p| *p != me)
        .collect();
    let mut diff: Vec<String> = live
        .difference(&tree)
        .map(|p| format!("leaked {p}"))
        .chain(
            tree.difference(&live)
                .map(|p| format!("listed but dead {p}")),
        )
        .collect();
    diff.truncate(10);
    Ok((tree.len(), live.len(), diff))
}
