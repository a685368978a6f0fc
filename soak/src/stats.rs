//! The figures: counters, the `tracing` layer that counts supervisor reports, RSS, a PRNG.

use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! counters {
    ($($field:ident),* $(,)?) => {
        /// Every figure of the run; the name prefix says which line of the report it is on.
        pub(crate) struct Stats { $(pub(crate) $field: AtomicU64),* }
        pub(crate) static STATS: Stats = Stats { $($field: AtomicU64::new(0)),* };
        impl Stats {
            fn all(&self) -> Vec<(&'static str, u64)> {
                vec![$((stringify!($field), self.$field.load(Relaxed))),*]
            }
        }
    };
}

counters!(
    call_made,
    call_served,
    call_wrong_reply,
    call_overdue,
    fail_noproc,
    fail_unknown_name,
    fail_killed,
    fail_shutdown,
    fail_panic,
    fail_other_exit,
    fail_timeout,
    fail_other,
    inj_kill,
    inj_panic,
    inj_shutdown,
    inj_missed,
    chaos_group_kills,
    chaos_fragile_kills,
    dyn_started,
    dyn_start_failed,
    dyn_terminated,
    rep_restarted,
    rep_child_terminated,
    rep_start_error,
    rep_shutdown_error,
    rep_crash,
    rep_other_warnings,
    gave_up_fragile,
    gave_up_other,
);

pub(crate) fn inc(c: &AtomicU64) {
    c.fetch_add(1, Relaxed);
}

pub(crate) fn get(c: &AtomicU64) -> u64 {
    c.load(Relaxed)
}

/// The counters whose name starts with `prefix`: their sum and `name value, ...`.
pub(crate) fn group(prefix: &str) -> (u64, String) {
    let items: Vec<(&str, u64)> = STATS
        .all()
        .into_iter()
        .filter_map(|(k, v)| Some((k.strip_prefix(prefix)?, v)))
        .collect();
    let text: Vec<String> = items.iter().map(|(k, v)| format!("{k} {v}")).collect();
    (items.iter().map(|(_, v)| v).sum(), text.join(", "))
}

/// Supervisors other than `fragile` that gave up, and other warnings: for the failure message.
pub(crate) static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

pub(crate) fn note(s: String) {
    let mut notes = NOTES.lock().unwrap_or_else(|e| e.into_inner());
    if notes.len() < 20 {
        notes.push(s);
    }
}

/// Counts the reports of `ember_otp::report` (and gen_server crash reports) by kind.
pub(crate) struct ReportCounter;

#[derive(Default)]
pub(crate) struct Fields {
    event: String,
    child_id: String,
    supervisor: String,
    message: String,
}

impl tracing::field::Visit for Fields {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        match field.name() {
            "event" => self.event = value.to_owned(),
            "child_id" => self.child_id = value.to_owned(),
            _ => {}
        }
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn fmt::Debug) {
        match field.name() {
            "supervisor" => self.supervisor = format!("{value:?}"),
            "message" => self.message = format!("{value:?}"),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for ReportCounter {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        let meta = event.metadata();
        let mut f = Fields::default();
        event.record(&mut f);
        let s = &STATS;
        match (meta.target(), f.event.as_str()) {
            ("ember::gen_server", _) if *meta.level() == tracing::Level::ERROR => inc(&s.rep_crash),
            ("ember::supervisor", "child_restarted") => inc(&s.rep_restarted),
            ("ember::supervisor", "child_terminated") => inc(&s.rep_child_terminated),
            ("ember::supervisor", "start_error") => inc(&s.rep_start_error),
            ("ember::supervisor", "shutdown_error") => inc(&s.rep_shutdown_error),
            ("ember::supervisor", "reached_max_restart_intensity") => {
                if f.child_id.starts_with("fragile-w") {
                    inc(&s.gave_up_fragile);
                } else {
                    inc(&s.gave_up_other);
                    note(format!("{} gave up (child {})", f.supervisor, f.child_id));
                }
            }
            ("ember::supervisor", _) => {}
            (target, _) if *meta.level() <= tracing::Level::WARN => {
                inc(&s.rep_other_warnings);
                note(format!("{target}: {}", f.message));
            }
            _ => {}
        }
    }
}

/// xorshift64*: a deterministic stream from `--seed` (no dependency needed).
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// A field of /proc/self/status in KiB (`VmRSS`, `VmHWM`); 0 where unavailable.
pub(crate) fn proc_status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

pub(crate) fn rss_kib() -> u64 {
    proc_status_kib("VmRSS")
}

pub(crate) fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}
