//! Shared helpers of the Rust contenders of the benchmark suite (`ember_bench` and the peers in
//! `bench/peers-rust`): the command-line contract, JSON output, memory measurement, statistics and
//! the hog loops of the fairness and kill workloads.
//!
//! The contract is documented in `bench/README.md` ("CLI and JSON contract"). This crate has no
//! dependencies: it is built both by the main workspace (as a member) and by `bench/peers-rust`'s
//! own workspace (as a path dependency).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A parsed command line: `<bin> <workload> [--key value]...`.
pub struct Args {
    /// The first argument: which workload to run.
    pub workload: String,
    kv: BTreeMap<String, String>,
}

impl Args {
    /// Parse `std::env::args()`; exits with status 2 on a usage error.
    pub fn parse() -> Args {
        let mut it = std::env::args().skip(1);
        let workload = match it.next() {
            Some(w) if !w.starts_with("--") => w,
            _ => usage_exit("missing workload"),
        };
        let mut kv = BTreeMap::new();
        while let Some(k) = it.next() {
            let Some(key) = k.strip_prefix("--") else {
                usage_exit(&format!("unexpected argument {k}"))
            };
            let Some(v) = it.next() else {
                usage_exit(&format!("flag --{key} needs a value"))
            };
            kv.insert(key.to_string(), v);
        }
        Args { workload, kv }
    }

    /// An integer flag (`_` separators allowed), or `default` when absent.
    pub fn u64(&self, key: &str, default: u64) -> u64 {
        match self.kv.get(key) {
            None => default,
            Some(v) => {
                let v = v.replace('_', "");
                v.parse()
                    .unwrap_or_else(|_| usage_exit(&format!("--{key}: not an integer: {v}")))
            }
        }
    }

    /// Like [`Args::u64`], as a `usize`.
    pub fn usize(&self, key: &str, default: usize) -> usize {
        self.u64(key, default as u64) as usize
    }

    /// A floating-point flag, or `default` when absent.
    pub fn f64(&self, key: &str, default: f64) -> f64 {
        match self.kv.get(key) {
            None => default,
            Some(v) => v
                .parse()
                .unwrap_or_else(|_| usage_exit(&format!("--{key}: not a number: {v}"))),
        }
    }

    /// A string flag, or `default` when absent.
    pub fn str(&self, key: &str, default: &str) -> String {
        self.kv
            .get(key)
            .cloned()
            .unwrap_or_else(|| default.to_string())
    }

    /// `--hog-kind spin|yield|sleep` (default `spin`).
    pub fn hog_kind(&self) -> HogKind {
        let s = self.str("hog-kind", "spin");
        HogKind::parse(&s)
            .unwrap_or_else(|| usage_exit(&format!("--hog-kind: spin|yield|sleep, not {s}")))
    }
}

/// Print `msg` and the usage to stderr, exit with status 2.
pub fn usage_exit(msg: &str) -> ! {
    eprintln!("error: {msg}");
    eprintln!(
        "usage: <bench> <spawn|ring|pingpong|skynet|call|fairness|kill|restart|crash_isolation|idle10m> \
         [--workers 2] [--n N] [--procs R] [--laps L] [--pairs P] [--trips T] [--leaves 1000000] [--callers C] [--calls M] [--light L] \
         [--hogs K] [--hog-kind spin|yield|sleep] [--cap-secs S] [--kills N] [--sleep-ms MS] [--crashes N] [--children N] [--clients C] \
         [--requests R] [--max-gib G]"
    );
    std::process::exit(2)
}

/// A JSON value small enough for our output lines.
#[derive(Clone, Debug)]
pub enum V {
    /// An integer.
    I(i64),
    /// A float, printed with at most 3 decimals (`null` if not finite).
    F(f64),
    /// A string.
    S(String),
    /// A boolean.
    B(bool),
    /// `null`.
    Null,
}

impl From<u64> for V {
    fn from(v: u64) -> V {
        V::I(v as i64)
    }
}
impl From<usize> for V {
    fn from(v: usize) -> V {
        V::I(v as i64)
    }
}
impl From<i64> for V {
    fn from(v: i64) -> V {
        V::I(v)
    }
}
impl From<f64> for V {
    fn from(v: f64) -> V {
        V::F(v)
    }
}
impl From<&str> for V {
    fn from(v: &str) -> V {
        V::S(v.to_string())
    }
}
impl From<String> for V {
    fn from(v: String) -> V {
        V::S(v)
    }
}
impl From<bool> for V {
    fn from(v: bool) -> V {
        V::B(v)
    }
}
impl From<Option<f64>> for V {
    fn from(v: Option<f64>) -> V {
        v.map(V::F).unwrap_or(V::Null)
    }
}

fn write_json_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn write_v(out: &mut String, v: &V) {
    match v {
        V::I(i) => {
            let _ = write!(out, "{i}");
        }
        V::F(f) if f.is_finite() => {
            // Enough digits for ns/µs figures; JSON has no NaN/inf.
            let _ = write!(out, "{}", (f * 1000.0).round() / 1000.0);
        }
        V::F(_) | V::Null => out.push_str("null"),
        V::S(s) => write_json_str(out, s),
        V::B(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

fn write_obj(out: &mut String, fields: &[(&str, V)]) {
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_str(out, k);
        out.push(':');
        write_v(out, v);
    }
    out.push('}');
}

/// One result line builder. Prints
/// `{"system":..,"workload":..,"params":{..},"metric":..,"value":..,"unit":..,"status":..,<extra>}`.
pub struct Reporter {
    /// `ember`, `tokio`, ...
    pub system: &'static str,
    /// The workload, as on the command line.
    pub workload: String,
    /// The sizes actually used, `workers` first.
    pub params: Vec<(&'static str, V)>,
    /// Extra fields appended to every line (e.g. runtime statistics).
    pub tail: Vec<(&'static str, V)>,
}

impl Reporter {
    /// A reporter with no params yet.
    pub fn new(system: &'static str, workload: &str) -> Reporter {
        Reporter {
            system,
            workload: workload.to_string(),
            params: Vec::new(),
            tail: Vec::new(),
        }
    }

    /// Add a param (in printing order).
    pub fn param(&mut self, k: &'static str, v: impl Into<V>) -> &mut Self {
        self.params.push((k, v.into()));
        self
    }

    /// Add a field to the end of every line printed from now on.
    pub fn tail(&mut self, k: &'static str, v: impl Into<V>) -> &mut Self {
        self.tail.push((k, v.into()));
        self
    }

    /// Print one result line (and flush stdout).
    pub fn emit(
        &self,
        metric: &str,
        value: impl Into<V>,
        unit: &str,
        status: &str,
        extra: &[(&str, V)],
    ) {
        let mut out = String::with_capacity(256);
        out.push('{');
        write_json_str(&mut out, "system");
        out.push(':');
        write_json_str(&mut out, self.system);
        out.push_str(",\"workload\":");
        write_json_str(&mut out, &self.workload);
        out.push_str(",\"params\":");
        write_obj(&mut out, &self.params);
        out.push_str(",\"metric\":");
        write_json_str(&mut out, metric);
        out.push_str(",\"value\":");
        write_v(&mut out, &value.into());
        out.push_str(",\"unit\":");
        write_json_str(&mut out, unit);
        out.push_str(",\"status\":");
        write_json_str(&mut out, status);
        let tail = self.tail.iter().map(|(k, v)| (*k, v));
        for (k, v) in extra.iter().map(|(k, v)| (*k, v)).chain(tail) {
            out.push(',');
            write_json_str(&mut out, k);
            out.push(':');
            write_v(&mut out, v);
        }
        out.push('}');
        use std::io::Write;
        let stdout = std::io::stdout();
        let mut lock = stdout.lock();
        let _ = writeln!(lock, "{out}");
        let _ = lock.flush();
    }
}

/// Resident set size of this process in bytes, from `/proc/self/status` (VmRSS).
pub fn rss_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("VmRSS:") {
            let kb: u64 = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            return kb * 1024;
        }
    }
    0
}

/// Nearest-rank percentile of a sorted slice (p in 0..=100).
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, sorted.len()) - 1])
}

/// Sort `v` and return its nearest-rank median.
pub fn median(v: &mut [f64]) -> Option<f64> {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    percentile(v, 50.0)
}

/// The three hog kinds of the fairness and kill workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HogKind {
    /// Pure arithmetic, no runtime call ever (a relaxed atomic load of the stop flag every 1024
    /// iterations is the only memory traffic).
    Spin,
    /// A chunk of arithmetic (`YIELD_CHUNK` iterations), then one runtime operation, forever.
    Yield,
    /// `std::thread::sleep(sleep_ms)` in a loop inside the task: blocks its worker thread.
    Sleep,
}

impl HogKind {
    /// `spin`, `yield` or `sleep`.
    pub fn parse(s: &str) -> Option<HogKind> {
        match s {
            "spin" => Some(HogKind::Spin),
            "yield" => Some(HogKind::Yield),
            "sleep" => Some(HogKind::Sleep),
            _ => None,
        }
    }
    /// The name used on the command line and in `params`.
    pub fn name(self) -> &'static str {
        match self {
            HogKind::Spin => "spin",
            HogKind::Yield => "yield",
            HogKind::Sleep => "sleep",
        }
    }
}

/// Iterations of arithmetic between two runtime operations in the `yield` hog.
pub const YIELD_CHUNK: u32 = 1000;

/// One step of the hogs' arithmetic (a 64-bit LCG).
#[inline(always)]
pub fn lcg(x: u64) -> u64 {
    x.wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
}

/// The `spin` hog: arithmetic until `stop` is set. Never calls into any runtime.
pub fn spin_until(stop: &AtomicBool) -> u64 {
    let mut x: u64 = 1;
    loop {
        for _ in 0..1024 {
            x = lcg(black_box(x));
        }
        if stop.load(Ordering::Relaxed) {
            return x;
        }
    }
}

/// One arithmetic chunk of the `yield` hog.
#[inline]
pub fn spin_chunk(mut x: u64) -> u64 {
    for _ in 0..YIELD_CHUNK {
        x = lcg(black_box(x));
    }
    x
}

/// The `sleep` hog: blocking sleeps until `stop` is set. Never calls into any runtime.
pub fn sleep_until(stop: &AtomicBool, sleep_ms: u64) {
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(sleep_ms));
    }
}

/// Summary of the light processes' trips in the fairness workload, printed as four lines.
pub struct FairnessResult {
    /// Per-trip latencies of the light processes that finished.
    pub latencies_ns: Vec<u64>,
    /// From the light processes' spawn until the last one reported (or the cap).
    pub total: Duration,
    /// Light processes started.
    pub light: usize,
    /// Round trips per light process.
    pub trips: usize,
    /// Light processes that reported within the cap.
    pub finished: usize,
    /// Whether some light process did not finish within the cap.
    pub starved: bool,
    /// A `note` field for the lines, if any.
    pub note: Option<&'static str>,
}

/// Print the fairness lines: `p50_us`, `p99_us`, `max_us`, `total_ms`.
/// The coordinator's side of the fairness workload, shared by the Rust peers: collect each light
/// process's latencies from `results` until all `light` have reported or `cap` (from `t0`) has
/// passed, tell the hogs to stop, and report. Runs on the main thread, which is not a worker,
/// so it notices the cap even when every worker is stuck.
pub fn collect_fairness(
    rep: &Reporter,
    results: &std::sync::mpsc::Receiver<Vec<u64>>,
    t0: std::time::Instant,
    cap: Duration,
    (light, trips): (usize, usize),
    stop: &AtomicBool,
    note: Option<&'static str>,
) {
    let deadline = t0 + cap;
    let mut all = Vec::with_capacity(light * trips);
    let mut finished = 0;
    while finished < light {
        let now = std::time::Instant::now();
        if now >= deadline {
            break;
        }
        match results.recv_timeout(deadline - now) {
            Ok(l) => {
                all.extend(l);
                finished += 1;
            }
            Err(_) => break,
        }
    }
    let total = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    report_fairness(
        rep,
        FairnessResult {
            latencies_ns: all,
            total,
            light,
            trips,
            finished,
            starved: finished < light,
            note,
        },
    );
}

/// Report one fairness run (see [`collect_fairness`] for the usual way to get there).
pub fn report_fairness(rep: &Reporter, mut r: FairnessResult) {
    r.latencies_ns.sort_unstable();
    let us: Vec<f64> = r.latencies_ns.iter().map(|&n| n as f64 / 1000.0).collect();
    let status = if r.starved { "starved" } else { "ok" };
    let mut extra: Vec<(&str, V)> = vec![
        ("light", r.light.into()),
        ("finished", r.finished.into()),
        ("trips_done", us.len().into()),
        ("trips_expected", (r.light * r.trips).into()),
    ];
    if let Some(n) = r.note {
        extra.push(("note", n.into()));
    }
    rep.emit("p50_us", percentile(&us, 50.0), "us", status, &extra);
    rep.emit("p99_us", percentile(&us, 99.0), "us", status, &extra);
    rep.emit("max_us", us.last().copied(), "us", status, &extra);
    rep.emit(
        "total_ms",
        r.total.as_secs_f64() * 1000.0,
        "ms",
        status,
        &extra,
    );
}

/// Summary of a kill workload: per-kill latencies (None = not observed within the cap).
pub fn report_kill(rep: &Reporter, lat: &[Option<Duration>], kills: usize, note: Option<&str>) {
    report_kill_with(rep, lat, kills, note, &[]);
}

/// Like [`report_kill`], with more fields at the end of the line.
pub fn report_kill_with(
    rep: &Reporter,
    lat: &[Option<Duration>],
    kills: usize,
    note: Option<&str>,
    more: &[(&str, V)],
) {
    let mut got: Vec<f64> = lat
        .iter()
        .flatten()
        .map(|d| d.as_secs_f64() * 1e6)
        .collect();
    let timed_out = lat.iter().any(|l| l.is_none());
    let max = got
        .iter()
        .cloned()
        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
    let med = median(&mut got);
    let mut extra: Vec<(&str, V)> = vec![
        ("kills", kills.into()),
        ("observed", got.len().into()),
        ("max_us", max.into()),
    ];
    if let Some(n) = note {
        extra.push(("note", n.into()));
    }
    extra.extend(more.iter().cloned());
    let status = if timed_out { "timeout" } else { "ok" };
    rep.emit(
        "kill_latency_us",
        if timed_out { None } else { med },
        "us",
        status,
        &extra,
    );
}

/// Print a line with status `unsupported` and a `note` saying why.
pub fn report_unsupported(rep: &Reporter, metric: &str, unit: &str, note: &str) {
    rep.emit(
        metric,
        V::Null,
        unit,
        "unsupported",
        &[("note", note.into())],
    );
}

/// Skynet: number of leaves must be a power of the fan-out; expected sum of 0..leaves.
pub fn skynet_expected(leaves: u64) -> u64 {
    leaves * (leaves - 1) / 2
}

/// Exit the process without running destructors (so that a stuck worker cannot hang shutdown).
pub fn hard_exit(code: i32) -> ! {
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    std::process::exit(code)
}

// ---- reporting of the throughput workloads (same lines for every Rust peer) ----

/// What a spawn run measured (see `emit_spawn` for the lines printed).
#[derive(Clone, Copy, Debug)]
pub struct SpawnResult {
    /// Processes spawned.
    pub n: usize,
    /// The spawn loop alone.
    pub spawn: Duration,
    /// From the start of the spawn loop until every process waits.
    pub settle: Duration,
    /// From the first release message until every process has ended.
    pub release: Duration,
    /// VmRSS before the spawn loop.
    pub rss_before: u64,
    /// VmRSS once every process waits.
    pub rss_after: u64,
}

/// Print the spawn lines: `us_per_spawn` and `bytes_per_process` (VmRSS delta / N).
pub fn emit_spawn(
    rep: &Reporter,
    n: usize,
    spawn_t: Duration,
    settle_t: Duration,
    release_t: Duration,
    rss0: u64,
    rss1: u64,
) {
    let r = SpawnResult {
        n,
        spawn: spawn_t,
        settle: settle_t,
        release: release_t,
        rss_before: rss0,
        rss_after: rss1,
    };
    report_spawn(rep, &r, &[]);
}

/// Like [`emit_spawn`], with more fields at the end of the `bytes_per_process` line.
pub fn report_spawn(rep: &Reporter, r: &SpawnResult, more: &[(&str, V)]) {
    let extra = [
        ("total_ms", V::F(r.spawn.as_secs_f64() * 1e3)),
        ("settle_ms", V::F(r.settle.as_secs_f64() * 1e3)),
        ("release_ms", V::F(r.release.as_secs_f64() * 1e3)),
    ];
    rep.emit(
        "us_per_spawn",
        r.spawn.as_secs_f64() * 1e6 / r.n as f64,
        "us",
        "ok",
        &extra,
    );
    let bytes = r.rss_after.saturating_sub(r.rss_before) as f64 / r.n as f64;
    let mut extra = vec![
        ("rss_before", V::from(r.rss_before)),
        ("rss_after", V::from(r.rss_after)),
    ];
    extra.extend(more.iter().cloned());
    rep.emit("bytes_per_process", bytes, "bytes", "ok", &extra);
}

/// Print the ring line: `ns_per_hop`.
pub fn report_ring(rep: &Reporter, procs: usize, laps: u64, elapsed: Duration) {
    let hops = procs as u64 * laps;
    rep.emit(
        "ns_per_hop",
        elapsed.as_secs_f64() * 1e9 / hops as f64,
        "ns",
        "ok",
        &[
            ("hops", hops.into()),
            ("total_ms", V::F(elapsed.as_secs_f64() * 1e3)),
        ],
    );
}

/// Print the pingpong line: `msgs_per_sec`.
pub fn report_pingpong(rep: &Reporter, pairs: usize, trips: u64, elapsed: Duration) {
    let msgs = 2 * pairs as u64 * trips;
    rep.emit(
        "msgs_per_sec",
        msgs as f64 / elapsed.as_secs_f64(),
        "msg/s",
        "ok",
        &[
            ("messages", msgs.into()),
            ("total_ms", V::F(elapsed.as_secs_f64() * 1e3)),
        ],
    );
}

/// Print the skynet line: `ms`, status `error` if the sum is wrong.
pub fn report_skynet(rep: &Reporter, leaves: u64, sum: u64, elapsed: Duration) {
    let ok = sum == skynet_expected(leaves);
    rep.emit(
        "ms",
        elapsed.as_secs_f64() * 1e3,
        "ms",
        if ok { "ok" } else { "error" },
        &[
            ("sum", sum.into()),
            ("expected", skynet_expected(leaves).into()),
        ],
    );
}

/// Print the call lines: `us_per_call` (median of the callers' means) and `calls_per_sec`.
pub fn report_call(
    rep: &Reporter,
    callers: usize,
    calls: u64,
    avgs: &mut [f64],
    elapsed: Duration,
) {
    let total = callers as u64 * calls;
    let med = median(avgs);
    let extra = [
        ("total_calls", V::from(total)),
        ("total_ms", V::F(elapsed.as_secs_f64() * 1e3)),
    ];
    rep.emit("us_per_call", med, "us", "ok", &extra);
    rep.emit(
        "calls_per_sec",
        total as f64 / elapsed.as_secs_f64(),
        "call/s",
        "ok",
        &extra,
    );
}

// ---- restart, crash_isolation, idle10m (shared by every Rust contender) ----

/// The message of the panic that crashes a worker in `restart` and `crash_isolation`.
pub const CRASH_MSG: &str = "bench: crash requested";

/// Silence the default panic message for the requested crashes only (the Erlang peer switches
/// its logger off the same way); any other panic is still printed.
pub fn quiet_crash_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let p = info.payload();
        let msg = p
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| p.downcast_ref::<String>().map(String::as_str));
        if msg != Some(CRASH_MSG) {
            default(info);
        }
    }));
}

/// crash_isolation: whether request `k` (global index `round * children + child`) carries a bad
/// input. The same formula in every contender: 1% of the requests, spread pseudo-randomly.
pub fn is_bad_request(k: u64) -> bool {
    (k.wrapping_mul(2_654_435_761) & 0xFFFF_FFFF) % 100 == 0
}

/// Print the restart lines: `restart_p50_us`, `restart_max_us` (from the crash request to the
/// first answer of the restarted worker).
pub fn report_restart(rep: &Reporter, lat: &[Duration], crashes: usize, note: Option<&str>) {
    let mut us: Vec<f64> = lat.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mean = if us.is_empty() {
        None
    } else {
        Some(us.iter().sum::<f64>() / us.len() as f64)
    };
    let mut extra: Vec<(&str, V)> = vec![
        ("crashes", crashes.into()),
        ("observed", us.len().into()),
        ("p99_us", percentile(&us, 99.0).into()),
        ("mean_us", mean.into()),
    ];
    if let Some(n) = note {
        extra.push(("note", n.into()));
    }
    let status = if us.len() == crashes { "ok" } else { "error" };
    rep.emit(
        "restart_p50_us",
        percentile(&us, 50.0),
        "us",
        status,
        &extra,
    );
    rep.emit("restart_max_us", us.last().copied(), "us", status, &extra);
}

/// What a crash_isolation run counted.
#[derive(Clone, Debug, Default)]
pub struct IsolationResult {
    /// Requests with a good input.
    pub good: u64,
    /// Good requests answered (at the first attempt).
    pub served: u64,
    /// Requests with a bad input (each one crashes its worker).
    pub bad: u64,
    /// Per crash: from the bad request to the first answer of the restarted worker.
    pub restarts: Vec<Duration>,
    /// From the start signal until every client has finished.
    pub total: Duration,
}

/// Print the crash_isolation lines: `served_share`, `restart_p50_us`, `restart_max_us`,
/// `total_ms`.
pub fn report_isolation(rep: &Reporter, r: &IsolationResult, note: Option<&str>) {
    let mut us: Vec<f64> = r.restarts.iter().map(|d| d.as_secs_f64() * 1e6).collect();
    us.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mut extra: Vec<(&str, V)> = vec![
        ("good_requests", r.good.into()),
        ("served", r.served.into()),
        ("bad_requests", r.bad.into()),
        ("restarts_observed", us.len().into()),
    ];
    if let Some(n) = note {
        extra.push(("note", n.into()));
    }
    let share = if r.good == 0 {
        1.0
    } else {
        r.served as f64 / r.good as f64
    };
    rep.emit("served_share", share, "share", "ok", &extra);
    rep.emit("restart_p50_us", percentile(&us, 50.0), "us", "ok", &extra);
    rep.emit("restart_max_us", us.last().copied(), "us", "ok", &extra);
    rep.emit("total_ms", r.total.as_secs_f64() * 1e3, "ms", "ok", &extra);
}

/// `MemAvailable` of `/proc/meminfo`, in bytes (0 if unknown).
pub fn mem_available_bytes() -> u64 {
    let s = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    for line in s.lines() {
        if let Some(rest) = line.strip_prefix("MemAvailable:") {
            let kb: u64 = rest
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse()
                .unwrap_or(0);
            return kb * 1024;
        }
    }
    0
}

/// idle10m: how far the RSS may grow: `--max-gib` (default 16) GiB, and never more than the
/// memory available at the start minus 2 GiB.
pub fn idle_budget_bytes(args: &Args) -> u64 {
    let cap = (args.f64("max-gib", 16.0) * (1u64 << 30) as f64) as u64;
    let avail = mem_available_bytes();
    if avail == 0 {
        cap
    } else {
        cap.min(avail.saturating_sub(2 << 30))
    }
}

/// idle10m: spawn in this many steps; after each one the RSS is checked against the budget.
pub const IDLE_STEPS: usize = 10;

/// idle10m: after `spawned` of `n` processes, `Some(note)` if the RSS growth so far, projected
/// linearly to `n`, would exceed `budget` (the spawning must stop: not feasible).
pub fn idle_over_budget(
    spawned: usize,
    n: usize,
    rss_before: u64,
    rss_now: u64,
    budget: u64,
) -> Option<String> {
    let grown = rss_now.saturating_sub(rss_before);
    let projected = grown as f64 / spawned.max(1) as f64 * n as f64;
    (projected > budget as f64).then(|| {
        format!(
            "stopped at {spawned} processes: {:.0} bytes each, {:.1} GiB projected for {n} > \
             budget {:.1} GiB",
            grown as f64 / spawned.max(1) as f64,
            projected / (1u64 << 30) as f64,
            budget as f64 / (1u64 << 30) as f64
        )
    })
}

/// What an idle10m run measured.
#[derive(Clone, Debug)]
pub struct IdleResult {
    /// Processes asked for.
    pub n: usize,
    /// Processes actually spawned (fewer if the budget or a limit stopped the spawning).
    pub spawned: usize,
    /// The spawn loop (of the `spawned` processes).
    pub spawn: Duration,
    /// Until every spawned process has ended after its release message.
    pub release: Duration,
    /// VmRSS before the spawn loop.
    pub rss_before: u64,
    /// VmRSS once every spawned process waits.
    pub rss_after: u64,
    /// `None` if all `n` were spawned; else why not.
    pub infeasible: Option<String>,
}

/// Print the idle10m lines: `feasible` (1 or 0), `bytes_per_process`, `us_per_spawn` (both over
/// the processes actually spawned).
pub fn report_idle(rep: &Reporter, r: &IdleResult) {
    let mut extra: Vec<(&str, V)> = vec![
        ("n", r.n.into()),
        ("spawned", r.spawned.into()),
        ("feasible", r.infeasible.is_none().into()),
        ("total_ms", V::F(r.spawn.as_secs_f64() * 1e3)),
        ("release_ms", V::F(r.release.as_secs_f64() * 1e3)),
        ("rss_before", r.rss_before.into()),
        ("rss_after", r.rss_after.into()),
    ];
    if let Some(n) = &r.infeasible {
        extra.push(("note", n.clone().into()));
    }
    let feasible = if r.infeasible.is_none() { 1.0 } else { 0.0 };
    rep.emit("feasible", feasible, "bool", "ok", &extra);
    let spawned = r.spawned.max(1) as f64;
    rep.emit(
        "bytes_per_process",
        r.rss_after.saturating_sub(r.rss_before) as f64 / spawned,
        "bytes",
        "ok",
        &extra,
    );
    rep.emit(
        "us_per_spawn",
        r.spawn.as_secs_f64() * 1e6 / spawned,
        "us",
        "ok",
        &extra,
    );
}

/// crash_isolation: the loop of one load-generating client, for contenders whose calls are
/// futures. It serves children `first`, `first + step`, ... for `requests` rounds; request `k`
/// (`round * children + child`) with a bad input goes through `crash_and_wait(child)` (crash the
/// worker, wait until its restart answers, return that time), any other through
/// `work(child, k)` (true if answered).
pub async fn iso_client_loop<C, CF, W, WF>(
    children: usize,
    first: usize,
    step: usize,
    requests: u64,
    mut crash_and_wait: C,
    mut work: W,
) -> IsolationResult
where
    C: FnMut(usize) -> CF,
    CF: std::future::Future<Output = Duration>,
    W: FnMut(usize, u64) -> WF,
    WF: std::future::Future<Output = bool>,
{
    let mut r = IsolationResult::default();
    for round in 0..requests {
        for c in (first..children).step_by(step.max(1)) {
            let k = round * children as u64 + c as u64;
            if is_bad_request(k) {
                r.bad += 1;
                r.restarts.push(crash_and_wait(c).await);
            } else {
                r.good += 1;
                r.served += u64::from(work(c, k).await);
            }
        }
    }
    r
}

impl IsolationResult {
    /// Add another client's counts to these.
    pub fn merge(&mut self, other: IsolationResult) {
        self.good += other.good;
        self.served += other.served;
        self.bad += other.bad;
        self.restarts.extend(other.restarts);
    }
}
