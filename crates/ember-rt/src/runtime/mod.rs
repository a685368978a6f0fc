//! The runtime value: starts and stops the workers, the IO/timer driver and the tables.
//!
//! Shutdown order ([`Runtime::shutdown`], also run on drop): refuse new spawns, stop the workers
//! (each leaves its loop at its next scheduling decision; a worker stuck in a poll for longer
//! than the grace period is detached and reported), drop every remaining process's future
//! (no exit signals fire: the whole system is going away, like a BEAM halt), drain the run
//! queues, stop the driver. No thread outlives `shutdown` except a detached stuck worker.
//!
//! Several runtimes can run in one OS process; each has its own processes, names and workers.
//! Pids carry the *creation* number of their runtime, so a pid used on another runtime's thread
//! (or on a plain thread) still reaches its process.

mod driver;

use std::cell::RefCell;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use dashmap::DashMap;

use crate::pid::RawPid;
use crate::process::{Mailbox, Pcb, SpawnOpts, spawn_in};
use crate::registry::Registry;
use crate::scheduler::dirty::DirtyPool;
use crate::scheduler::{SchedConfig, Scheduler, watchdog, worker};
use crate::sync::{AtomicBool, AtomicU32, AtomicU64, Mutex, Ordering, RwLock, Weak, mpsc};
use crate::{BuildError, ExitReason, IntoExitReason, Pid};

/// Runtime configuration (see [`Builder`]).
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub(crate) workers: usize,
    pub(crate) budget: u32,
    pub(crate) thread_name: String,
    pub(crate) panic_hook: bool,
    pub(crate) shutdown_grace: Duration,
    pub(crate) watchdog: bool,
    pub(crate) detect: Duration,
    pub(crate) max_spare: usize,
    pub(crate) dirty_cpu: usize,
    pub(crate) max_blocking: usize,
}

/// Builds a [`Runtime`].
///
/// ```
/// let rt = ember_rt::Runtime::builder().workers(2).budget(4000).build().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }).unwrap(), 2);
/// ```
#[derive(Debug, Clone)]
pub struct Builder {
    config: Config,
}

impl Default for Builder {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Builder {
            config: Config {
                workers: cores,
                budget: 4000,
                thread_name: "ember".into(),
                panic_hook: true,
                shutdown_grace: Duration::from_secs(2),
                watchdog: true,
                detect: Duration::from_millis(10),
                max_spare: 32,
                dirty_cpu: cores,
                max_blocking: 64,
            },
        }
    }
}

impl Builder {
    /// Number of worker threads (default: the number of cores).
    ///
    /// ```
    /// // Erlang: erl +S 3
    /// let rt = ember_rt::Runtime::builder().workers(3).build().unwrap();
    /// assert_eq!(rt.stats().workers.len(), 3);
    /// ```
    pub fn workers(mut self, n: usize) -> Self {
        self.config.workers = n;
        self
    }

    /// Reductions per slice before a process is re-queued at its next await (default 4000,
    /// the BEAM's CONTEXT_REDS).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().budget(1000).build().unwrap();
    /// rt.block_on(async {
    ///     ember_rt::bump_reductions(1000); // Erlang: erlang:bump_reductions(1000)
    ///     assert!(ember_rt::consume_timeslice(0)); // the 1000-reduction slice is spent
    /// }).unwrap();
    /// assert!(ember_rt::Runtime::builder().budget(0).build().is_err());
    /// ```
    pub fn budget(mut self, reductions: u32) -> Self {
        self.config.budget = reductions;
        self
    }

    /// Prefix of the runtime's thread names (default `ember`).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().thread_name("shop").build().unwrap();
    /// let name = rt.block_on(async { std::thread::current().name().map(String::from) }).unwrap();
    /// assert!(name.unwrap().starts_with("shop-"));
    /// ```
    pub fn thread_name(mut self, name: impl Into<String>) -> Self {
        self.config.thread_name = name.into();
        self
    }

    /// Whether to install the panic hook that captures panic locations of processes and keeps
    /// their panics off stderr (default `true`; see the `panic` docs).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().panic_hook(false).build().unwrap();
    /// // A panic still ends only its process; only the location capture is lost.
    /// let err = rt.block_on(async { panic!("boom") }).map(|()| ()).unwrap_err();
    /// let ember_rt::ExitReason::Panic { message, .. } = err else { panic!("not a panic") };
    /// assert_eq!(&*message, "boom");
    /// ```
    pub fn panic_hook(mut self, install: bool) -> Self {
        self.config.panic_hook = install;
        self
    }

    /// How long `shutdown` waits for a worker stuck in a poll before detaching it (default 2 s).
    ///
    /// ```
    /// use std::time::Duration;
    /// // Erlang: the kernel's `shutdown_time`
    /// let grace = Duration::from_millis(500);
    /// let rt = ember_rt::Runtime::builder().shutdown_grace(grace).build().unwrap();
    /// rt.shutdown();
    /// assert!(rt.block_on(async {}).is_err()); // no new processes after shutdown
    /// ```
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// Whether the watchdog runs (default `true`). Without it, a process that does not yield
    /// keeps its worker and everything queued there waits (useful only to show why it exists).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().watchdog(false).build().unwrap();
    /// assert_eq!(rt.block_on(async { 1 + 1 }).unwrap(), 2);
    /// // Utilization is sampled by the watchdog: without it, it stays 0.
    /// assert!(rt.stats().workers.iter().all(|w| w.utilization == 0.0));
    /// ```
    pub fn watchdog(mut self, on: bool) -> Self {
        self.config.watchdog = on;
        self
    }

    /// How long a single poll may last before the watchdog hands its worker's queue to a
    /// spare thread (`T_detect`, default 10 ms).
    ///
    /// ```
    /// use std::time::Duration;
    /// let limit = Duration::from_millis(5);
    /// let rt = ember_rt::Runtime::builder().workers(1).detect_after(limit).build().unwrap();
    /// rt.block_on(async {
    ///     // A process that blocks its thread far longer than the limit, without an await.
    ///     let hog = ember_rt::spawn(|_: ember_rt::Mailbox<()>| async {
    ///         std::thread::sleep(Duration::from_millis(300));
    ///     });
    ///     ember_rt::watch(hog).await;
    /// }).unwrap();
    /// assert!(rt.stats().spare_threads_started >= 1);
    /// ```
    pub fn detect_after(mut self, limit: Duration) -> Self {
        self.config.detect = limit;
        self
    }

    /// Cap on spare threads the watchdog may start (default 32).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().max_spare_threads(4).build().unwrap();
    /// assert_eq!(rt.stats().spare_thread_cap, 4);
    /// ```
    pub fn max_spare_threads(mut self, n: usize) -> Self {
        self.config.max_spare = n;
        self
    }

    /// Threads of the dirty CPU pool (default: one per core).
    ///
    /// ```
    /// // Erlang: erl +SDcpu 1
    /// let rt = ember_rt::Runtime::builder().dirty_cpu_threads(1).build().unwrap();
    /// let thread = rt.block_on(async {
    ///     ember_rt::spawn_dirty_cpu(|| std::thread::current().name().map(String::from)).await
    /// }).unwrap().unwrap();
    /// assert_eq!(thread.as_deref(), Some("ember-dirty-cpu-0"));
    /// assert!(ember_rt::Runtime::builder().dirty_cpu_threads(0).build().is_err());
    /// ```
    pub fn dirty_cpu_threads(mut self, n: usize) -> Self {
        self.config.dirty_cpu = n;
        self
    }

    /// Cap on the blocking pool's threads (default 64).
    ///
    /// ```
    /// // Erlang: erl +SDio 2
    /// let rt = ember_rt::Runtime::builder().max_blocking_threads(2).build().unwrap();
    /// let r = rt.block_on(async { ember_rt::spawn_blocking(|| 7).await }).unwrap();
    /// assert_eq!(r, Ok(7));
    /// assert!(ember_rt::Runtime::builder().max_blocking_threads(0).build().is_err());
    /// ```
    pub fn max_blocking_threads(mut self, n: usize) -> Self {
        self.config.max_blocking = n;
        self
    }

    /// Start the runtime.
    ///
    /// ```
    /// use ember_rt::Runtime;
    /// let rt = Runtime::builder().workers(1).build().unwrap();
    /// assert_eq!(rt.block_on(async { 2 * 21 }).unwrap(), 42);
    /// assert!(Runtime::builder().workers(0).build().is_err());
    /// ```
    pub fn build(self) -> Result<Runtime, BuildError> {
        let config = self.config;
        if config.workers == 0 {
            return Err(BuildError::Config("workers must be at least 1"));
        }
        if config.budget == 0 {
            return Err(BuildError::Config("budget must be at least 1"));
        }
        if config.dirty_cpu == 0 || config.max_blocking == 0 {
            return Err(BuildError::Config("dirty pools need at least one thread"));
        }
        if config.panic_hook {
            crate::panic::install_hook();
        }
        let mut driver = driver::Driver::start(&config.thread_name, config.max_blocking)?;
        let dirty = match DirtyPool::start(config.dirty_cpu, &config.thread_name) {
            Ok(d) => d,
            Err(e) => {
                driver.stop();
                return Err(e.into());
            }
        };
        let sched = Scheduler::new(SchedConfig {
            workers: config.workers,
            budget: config.budget,
            max_spare: config.max_spare,
            detect: config.detect,
        });
        let creation = NEXT_CREATION.fetch_add(1, Ordering::Relaxed);
        let inner = Arc::new(RtInner {
            creation,
            config: config.clone(),
            table: DashMap::with_hasher(SerialHash),
            exiting: DashMap::with_hasher(SerialHash),
            registry: Registry::default(),
            sched,
            driver: driver.handle.clone(),
            dirty,
            threads: Mutex::new(Vec::new()),
            next_serial: AtomicU64::new(1),
            started: Instant::now(),
            closing: AtomicBool::new(false),
        });
        RUNTIMES.write().push((creation, Arc::downgrade(&inner)));
        let rt = Runtime {
            inner,
            driver: Mutex::new(Some(driver)),
        };
        for _ in 0..config.workers {
            worker::spawn_worker(&rt.inner, 0..config.workers)?;
        }
        if config.watchdog {
            let handle = watchdog::start(&rt.inner)?;
            rt.inner.threads.lock().push(handle);
        }
        Ok(rt)
    }
}

static NEXT_CREATION: AtomicU32 = AtomicU32::new(1);
static RUNTIMES: RwLock<Vec<(u32, Weak<RtInner>)>> = RwLock::new(Vec::new());

thread_local! {
    static THREAD_RT: RefCell<Option<Arc<RtInner>>> = const { RefCell::new(None) };
}

/// Hasher for process serials (already unique integers): one multiply, good high bits.
#[derive(Clone, Copy, Default)]
pub(crate) struct SerialHash;

impl std::hash::BuildHasher for SerialHash {
    type Hasher = SerialHasher;
    fn build_hasher(&self) -> SerialHasher {
        SerialHasher(0)
    }
}

/// See [`SerialHash`].
#[derive(Default)]
pub(crate) struct SerialHasher(u64);

impl std::hash::Hasher for SerialHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The shared state of one runtime.
pub(crate) struct RtInner {
    pub(crate) creation: u32,
    pub(crate) config: Config,
    pub(crate) table: DashMap<u64, Arc<Pcb>, SerialHash>,
    pub(crate) registry: Registry,
    pub(crate) sched: Scheduler,
    pub(crate) driver: tokio::runtime::Handle,
    pub(crate) dirty: DirtyPool,
    /// Every thread of the runtime (workers, spares, watchdog), joined at shutdown.
    pub(crate) threads: Mutex<Vec<JoinHandle<()>>>,
    /// Processes logically dead whose future is not dropped yet (zombies while running).
    pub(crate) exiting: DashMap<u64, Arc<Pcb>, SerialHash>,
    next_serial: AtomicU64,
    started: Instant,
    closing: AtomicBool,
}

impl RtInner {
    pub(crate) fn new_pid(&self) -> RawPid {
        RawPid {
            node: 0,
            creation: self.creation,
            serial: self.next_serial.fetch_add(1, Ordering::Relaxed),
        }
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::Acquire)
    }

    pub(crate) fn remove_process(&self, pid: RawPid) {
        self.table.remove(&pid.serial);
    }

    pub(crate) fn get(&self, pid: RawPid) -> Option<Arc<Pcb>> {
        self.table.get(&pid.serial).map(|e| e.value().clone())
    }

    /// Nanoseconds since the runtime started.
    pub(crate) fn now_ns(&self) -> u64 {
        self.started.elapsed().as_nanos() as u64
    }

    pub(crate) fn uptime(&self) -> Duration {
        self.started.elapsed()
    }
}

/// Set (or clear) the runtime of this thread (worker threads).
pub(crate) fn set_thread_runtime(rt: Option<Arc<RtInner>>) {
    THREAD_RT.with(|t| *t.borrow_mut() = rt);
}

/// The runtime of the current thread: a worker's, or the current process's.
pub(crate) fn current_rt() -> Option<Arc<RtInner>> {
    THREAD_RT.with(|t| t.borrow().clone())
}

/// The runtime of the current thread; panics with a clear message on other threads.
pub(crate) fn expect_rt(op: &str) -> Arc<RtInner> {
    current_rt().unwrap_or_else(|| {
        panic!("ember_rt::{op} called outside of an ember runtime; use the Runtime value")
    })
}

/// The runtime that created `creation`, if it still runs.
fn runtime_of(creation: u32) -> Option<Arc<RtInner>> {
    let fast = THREAD_RT.with(|t| {
        t.borrow()
            .as_ref()
            .filter(|rt| rt.creation == creation)
            .cloned()
    });
    fast.or_else(|| {
        RUNTIMES
            .read()
            .iter()
            .find(|(c, _)| *c == creation)
            .and_then(|(_, w)| w.upgrade())
    })
}

/// Find a live process by pid, on whichever runtime owns it.
pub(crate) fn lookup(pid: RawPid) -> Option<Arc<Pcb>> {
    if pid.node != 0 {
        return None;
    }
    let hit = THREAD_RT.with(|t| {
        t.borrow()
            .as_ref()
            .filter(|rt| rt.creation == pid.creation)
            .map(|rt| rt.get(pid))
    });
    match hit {
        Some(found) => found,
        None => runtime_of(pid.creation)?.get(pid),
    }
}

/// Run `f` on a live process's control block without taking a reference to it (the fast path
/// of `send`); `None` if the process is not in a table.
pub(crate) fn with_pcb<R>(pid: RawPid, f: impl FnOnce(&Arc<Pcb>) -> R) -> Option<R> {
    if pid.node != 0 {
        return None;
    }
    let mut f = Some(f);
    let local = THREAD_RT.with(|t| {
        let t = t.borrow();
        let rt = t.as_ref().filter(|rt| rt.creation == pid.creation)?;
        let f = f.take()?;
        Some(rt.table.get(&pid.serial).map(|e| f(e.value())))
    });
    match local {
        Some(r) => r,
        None => {
            let rt = runtime_of(pid.creation)?;
            let f = f.take()?;
            rt.table.get(&pid.serial).map(|e| f(e.value()))
        }
    }
}

/// A running ember runtime: worker threads, the IO/timer driver, and the process tables.
///
/// Erlang: a node's schedulers. Start one with [`Runtime::new`] or [`Runtime::builder`], run a
/// root process with [`block_on`](Runtime::block_on) or [`run`](Runtime::run), and stop it
/// with [`shutdown`](Runtime::shutdown) (or by dropping it).
///
/// ```
/// use ember_rt::{Mailbox, Runtime};
/// let rt = Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let echo = ember_rt::spawn(|mut mb: Mailbox<(u32, ember_rt::Pid<u32>)>| async move {
///         let (n, reply_to) = mb.recv().await;
///         reply_to.send(n * 2);
///     });
///     ember_rt::spawn(move |mut mb: Mailbox<u32>| async move {
///         echo.send((21, mb.pid()));
///         assert_eq!(mb.recv().await, 42);
///     });
///     42
/// }).unwrap();
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    inner: Arc<RtInner>,
    driver: Mutex<Option<driver::Driver>>,
}

impl Runtime {
    /// A runtime with the default configuration (one worker per core).
    ///
    /// ```
    /// // Erlang: starting a node, with one scheduler per core
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    /// assert_eq!(rt.stats().workers.len(), cores);
    /// ```
    pub fn new() -> Result<Runtime, BuildError> {
        Builder::default().build()
    }

    /// A builder to configure the runtime.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::builder().workers(2).thread_name("app").build().unwrap();
    /// assert_eq!(rt.stats().workers.len(), 2);
    /// ```
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// Spawn a process from outside the runtime (it has no parent to link or monitor).
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// let pid = rt.spawn(|mut mb: ember_rt::Mailbox<u8>| async move { mb.recv().await; });
    /// assert!(pid.is_alive());
    /// ```
    pub fn spawn<M, F, Fut>(&self, f: F) -> Pid<M>
    where
        M: Send + 'static,
        F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: IntoExitReason,
    {
        let spawned = spawn_in(&self.inner, None, SpawnOpts::new(), None, f)
            .expect("spawn without a name cannot fail to register");
        spawned.pid
    }

    /// Run `fut` as a root process and block this thread until it finishes.
    ///
    /// Returns the future's output, or the process's exit reason if it did not finish
    /// (it panicked — [`ExitReason::Panic`] — or was killed). Must not be called from inside a
    /// process.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// assert_eq!(rt.block_on(async { 7 }).unwrap(), 7);
    /// let err = rt.block_on(async { panic!("boom") }).map(|()| ()).unwrap_err();
    /// assert!(matches!(err, ember_rt::ExitReason::Panic { .. }));
    /// ```
    pub fn block_on<F>(&self, fut: F) -> Result<F::Output, ExitReason>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.run(move |_mb: Mailbox<()>| fut)
    }

    /// Like [`block_on`](Runtime::block_on), with the root process's mailbox.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// let got = rt.run(|mut mb: ember_rt::Mailbox<String>| async move {
    ///     mb.pid().send("hello".to_string());
    ///     mb.recv().await
    /// }).unwrap();
    /// assert_eq!(got, "hello");
    /// ```
    pub fn run<M, F, Fut>(&self, f: F) -> Result<Fut::Output, ExitReason>
    where
        M: Send + 'static,
        F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: Send + 'static,
    {
        assert!(
            crate::process::current().is_none(),
            "Runtime::block_on/run called from inside an ember process"
        );
        let (tx, rx) = mpsc::channel::<Result<Fut::Output, ExitReason>>();
        let on_exit_tx = tx.clone();
        let hook: crate::process::ExitHook = Box::new(move |reason: &ExitReason| {
            let _ = on_exit_tx.send(Err(reason.clone()));
        });
        let body = move |mb: Mailbox<M>| async move {
            let out = f(mb).await;
            let _ = tx.send(Ok(out));
        };
        if let Err(e) = spawn_in(&self.inner, None, SpawnOpts::new(), Some(hook), body) {
            return Err(ExitReason::error(e));
        }
        rx.recv().unwrap_or(Err(ExitReason::Killed))
    }

    /// Stop the runtime: see the module docs for the order. Idempotent.
    ///
    /// ```
    /// let rt = ember_rt::Runtime::new().unwrap();
    /// rt.shutdown();
    /// ```
    pub fn shutdown(&self) {
        let inner = &self.inner;
        if inner.closing.swap(true, Ordering::AcqRel) {
            return;
        }
        inner.sched.shutdown();
        let deadline = Instant::now() + inner.config.shutdown_grace;
        // Threads may still be added by the watchdog until it has stopped: take them in rounds.
        loop {
            let threads = std::mem::take(&mut *inner.threads.lock());
            if threads.is_empty() {
                break;
            }
            self.join_threads(threads, deadline);
        }
        inner.exiting.clear();
        inner.dirty.stop();
        self.drop_processes();
        inner.sched.drain();
        if let Some(mut d) = self.driver.lock().take() {
            d.stop();
        }
        RUNTIMES.write().retain(|(c, _)| *c != inner.creation);
    }

    fn join_threads(&self, threads: Vec<JoinHandle<()>>, deadline: Instant) {
        for t in threads {
            while !t.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(1));
            }
            if t.is_finished() {
                let _ = t.join();
            } else {
                tracing::warn!(
                    target: "ember::runtime",
                    thread = t.thread().name().unwrap_or("?"),
                    "worker stuck in a poll at shutdown; detached"
                );
            }
        }
    }

    fn drop_processes(&self) {
        let inner = &self.inner;
        let pcbs: Vec<Arc<Pcb>> = inner.table.iter().map(|e| e.value().clone()).collect();
        inner.table.clear();
        for pcb in pcbs {
            if !pcb.sched.claim() {
                continue; // still inside a poll on a detached worker: that thread keeps it
            }
            // SAFETY: `claim` won IDLE/SCHEDULED → DONE, so no worker polls it now or later.
            let fut = unsafe { pcb.future.get_mut() }.take();
            if let Some(fut) = fut {
                let _ =
                    crate::panic::in_process(|| catch_unwind(AssertUnwindSafe(move || drop(fut))));
            }
            pcb.inbox.close();
            pcb.mark_dead(false);
            pcb.sched.finish();
        }
    }

    pub(crate) fn inner(&self) -> &Arc<RtInner> {
        &self.inner
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("creation", &self.inner.creation)
            .field("workers", &self.inner.config.workers)
            .field("processes", &self.inner.table.len())
            .finish()
    }
}
