//! Introspection: snapshots of processes and of the runtime, as data (for tests, tools and the
//! dashboard). Erlang: `process_info/1,2`, `processes/0`, `erlang:statistics/1`.
//!
//! Snapshots are taken without stopping anything: each field is read atomically on its own, so
//! a snapshot of a busy process may mix moments a few microseconds apart.

use std::time::Duration;

use crate::process::Pcb;
use crate::process::state::Sched;
use crate::runtime::{RtInner, expect_rt, lookup};
use crate::sync::Ordering;
use crate::{ExitReason, Name, Pid, Priority, Runtime};

/// What a process is doing (Erlang `status`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use ember_rt::{Status, process_info, self_pid};
/// // Erlang: process_info(self(), status) =:= {status, running}
/// assert_eq!(process_info(self_pid()).unwrap().status, Status::Running);
/// let p = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// // It soon parks in its receive (Erlang: `waiting`).
/// while process_info(p).unwrap().status != Status::Waiting {
///     ember_rt::yield_now().await;
/// }
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Status {
    /// Being polled by a worker.
    Running,
    /// In a run queue.
    Runnable,
    /// Waiting for a message, a timer or IO.
    Waiting,
    /// Logically dead, its future not yet dropped (a *zombie* if it stays so: it was killed
    /// while in a poll that has not returned).
    Exiting,
}

/// A snapshot of one process (Erlang `process_info/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mb: ember_rt::Mailbox<u32>| async move {
///     ember_rt::register("main", mb.pid()).unwrap();
///     mb.pid().send(7);
///     // Erlang: process_info(self(), [registered_name, message_queue_len])
///     let info = ember_rt::process_info(mb.pid()).unwrap();
///     assert_eq!(info.registered_name, Some("main".into()));
///     assert_eq!(info.message_queue_len, 1);
///     assert_eq!(info.message_type, "u32");
/// }).unwrap();
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProcessInfo {
    /// The process.
    pub pid: Pid,
    /// Its registered name.
    pub registered_name: Option<Name>,
    /// What it is doing.
    pub status: Status,
    /// Messages waiting in its mailbox, including those a selective receive skipped.
    pub message_queue_len: usize,
    /// Reductions charged so far.
    pub reductions: u64,
    /// An estimate of its memory in bytes: control block, future, queued messages.
    pub memory: usize,
    /// Linked processes.
    pub links: Vec<Pid>,
    /// Processes it monitors.
    pub monitors: Vec<Pid>,
    /// Processes monitoring it.
    pub monitored_by: Vec<Pid>,
    /// Its `trap_exit` flag.
    pub trap_exit: bool,
    /// Its priority.
    pub priority: Priority,
    /// Who spawned it ([`Pid::SYSTEM`] for processes spawned from outside).
    pub parent: Pid,
    /// The Rust type of the messages it receives.
    pub message_type: &'static str,
    /// Its exit reason, once exiting.
    pub exit_reason: Option<ExitReason>,
    /// How long it has been exiting (zombie age), once exiting.
    pub exiting_for: Option<Duration>,
}

fn info_of(pcb: &Pcb) -> ProcessInfo {
    let st = pcb.state.lock();
    let status = if !pcb.is_alive() {
        Status::Exiting
    } else {
        match pcb.sched.get() {
            Sched::Running => Status::Running,
            Sched::Scheduled => Status::Runnable,
            Sched::Idle | Sched::Done => Status::Waiting,
        }
    };
    let queue = pcb.inbox.pending();
    ProcessInfo {
        pid: Pid::from_raw(pcb.pid),
        registered_name: st.name.clone(),
        status,
        message_queue_len: queue,
        reductions: pcb.reductions.load(Ordering::Relaxed),
        memory: std::mem::size_of::<Pcb>() + pcb.future_size as usize + 96 + queue * 64,
        links: st.links.iter().map(|p| Pid::from_raw(*p)).collect(),
        monitors: st
            .monitors
            .iter()
            .map(|m| Pid::from_raw(m.target))
            .collect(),
        monitored_by: st
            .monitored_by
            .iter()
            .map(|m| Pid::from_raw(m.watcher))
            .collect(),
        trap_exit: st.trap_exit,
        priority: pcb.priority(),
        parent: Pid::from_raw(pcb.parent),
        message_type: pcb.msg_type_name(),
        exit_reason: st.exit_reason.clone(),
        exiting_for: st.exiting_since.map(|t| t.elapsed()),
    }
}

/// A snapshot of a live process, or `None` if it is not alive (Erlang `process_info/1`
/// returning `undefined`). Works from any thread.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let info = ember_rt::process_info(ember_rt::self_pid()).unwrap();
/// assert_eq!(info.status, ember_rt::Status::Running);
/// assert!(!info.trap_exit);
/// # }).unwrap();
/// ```
pub fn process_info<M>(pid: Pid<M>) -> Option<ProcessInfo> {
    lookup(pid.raw)
        .filter(|p| p.is_alive())
        .map(|p| info_of(&p))
}

/// All live processes of the current runtime (Erlang `processes/0`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert!(ember_rt::processes().contains(&ember_rt::self_pid()));
/// # }).unwrap();
/// ```
pub fn processes() -> Vec<Pid> {
    list(&expect_rt("processes"))
}

fn list(rt: &RtInner) -> Vec<Pid> {
    rt.table
        .iter()
        .filter(|e| e.value().is_alive())
        .map(|e| Pid::from_raw(e.value().pid))
        .collect()
}

/// Per-worker figures in [`RuntimeStats`].
///
/// ```
/// // Erlang: erlang:statistics(run_queue_lengths), statistics(scheduler_wall_time)
/// let rt = ember_rt::Runtime::builder().workers(2).build().unwrap();
/// let workers = rt.stats().workers;
/// assert_eq!(workers.len(), 2);
/// assert!(workers.iter().all(|w| (0.0..=1.0).contains(&w.utilization)));
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WorkerInfo {
    /// Processes in this worker's run queue.
    pub run_queue: usize,
    /// Polls run by this worker.
    pub polls: u64,
    /// Share of the watchdog's samples that found this worker polling a process (0.0–1.0;
    /// 0 when the watchdog is off).
    pub utilization: f64,
    /// How long its current poll has lasted, as seen by the watchdog's sampling (to within
    /// one sampling tick), if it is in one.
    pub in_poll_for: Option<Duration>,
}

/// A snapshot of the runtime (Erlang `erlang:statistics/1`, `system_info/1`).
///
/// ```
/// // Erlang: erlang:system_info(process_count), erlang:statistics(total_run_queue_lengths)
/// let rt = ember_rt::Runtime::builder().max_spare_threads(4).build().unwrap();
/// let stats = rt.stats();
/// assert_eq!(stats.processes, 0);
/// assert_eq!(stats.spare_thread_cap, 4);
/// assert_eq!(stats.spare_cap_alarms, 0);
/// ```
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RuntimeStats {
    /// Processes in the process table (alive).
    pub processes: usize,
    /// Processes logically dead whose future has not been dropped yet (zombies and processes
    /// about to be reaped).
    pub exiting: usize,
    /// Per-worker figures.
    pub workers: Vec<WorkerInfo>,
    /// Processes in the global (injector) queue.
    pub injector_queue: usize,
    /// Processes in the high-priority queue.
    pub high_queue: usize,
    /// Processes in the low-priority queue.
    pub low_queue: usize,
    /// Idle (parked) workers.
    pub parked_workers: usize,
    /// Spare threads the watchdog started so far (each replaced a worker stuck in a poll).
    pub spare_threads_started: u64,
    /// The cap on spare threads.
    pub spare_thread_cap: usize,
    /// Times a stuck worker needed a spare thread but the cap was reached.
    pub spare_cap_alarms: u64,
    /// Time since the runtime started.
    pub uptime: Duration,
}

fn stats_of(rt: &RtInner) -> RuntimeStats {
    let sched = &rt.sched;
    let up = rt.uptime();
    let now = rt.now_ns();
    let workers = sched
        .slots
        .iter()
        .filter(|s| s.in_use.load(Ordering::Acquire))
        .map(|s| {
            let seen = s.stats.poll_seen_at.load(Ordering::Relaxed);
            let poll_state = s.handoff.poll_state.load(Ordering::Relaxed);
            let in_poll = poll_state & 1 == 1;
            let samples = s.stats.samples.load(Ordering::Relaxed);
            WorkerInfo {
                run_queue: s.stealer.len(),
                polls: poll_state >> 1,
                utilization: s.stats.busy_samples.load(Ordering::Relaxed) as f64
                    / samples.max(1) as f64,
                in_poll_for: (in_poll && seen != 0)
                    .then(|| Duration::from_nanos(now.saturating_sub(seen))),
            }
        })
        .collect();
    RuntimeStats {
        processes: rt.table.len(),
        exiting: rt.exiting.len(),
        workers,
        injector_queue: sched.injector.len(),
        high_queue: sched.high.len(),
        low_queue: sched.low.len(),
        parked_workers: sched.idle.sleeping(),
        spare_threads_started: sched.spares_started.load(Ordering::Relaxed),
        spare_thread_cap: sched.config.max_spare,
        spare_cap_alarms: sched.spare_cap_alarms.load(Ordering::Relaxed),
        uptime: up,
    }
}

/// Processes that are logically dead but whose future has not been dropped yet: killed while
/// inside a poll that has not returned (zombies), or about to be reaped. Each with its exit
/// reason and how long it has been exiting.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// assert!(ember_rt::zombies().iter().all(|z| z.exit_reason.is_some()));
/// # }).unwrap();
/// ```
pub fn zombies() -> Vec<ProcessInfo> {
    let rt = expect_rt("zombies");
    // Take the handles first: `info_of` locks each process, which must not happen while a
    // shard of the map is locked (exit locks a process, then the map).
    let pcbs: Vec<_> = rt.exiting.iter().map(|e| e.value().clone()).collect();
    pcbs.iter().map(|p| info_of(p)).collect()
}

/// A snapshot of the current runtime.
///
/// ```
/// # let rt = ember_rt::Runtime::builder().workers(2).build().unwrap();
/// # rt.block_on(async {
/// let s = ember_rt::runtime_stats();
/// assert_eq!(s.workers.len(), 2);
/// assert!(s.processes >= 1);
/// # }).unwrap();
/// ```
pub fn runtime_stats() -> RuntimeStats {
    stats_of(&expect_rt("runtime_stats"))
}

impl Runtime {
    /// A snapshot of this runtime, from any thread.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// assert_eq!(rt.stats().processes, 0);
    /// ```
    pub fn stats(&self) -> RuntimeStats {
        stats_of(self.inner())
    }

    /// This runtime's live processes, from any thread.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// assert!(rt.processes().is_empty());
    /// ```
    pub fn processes(&self) -> Vec<Pid> {
        list(self.inner())
    }

    /// The process registered as `name` on this runtime, from any thread.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// assert_eq!(rt.whereis("nobody"), None);
    /// ```
    pub fn whereis(&self, name: impl Into<Name>) -> Option<Pid> {
        self.inner()
            .registry
            .whereis(&name.into())
            .map(Pid::from_raw)
    }
}
