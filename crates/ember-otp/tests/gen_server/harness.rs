//! Test harness: a runtime per test with a hang guard, receive helpers, and the capture of
//! `tracing` reports.

use super::*;

/// A hang guard, not a measurement.
pub(crate) const WAIT: Duration = Duration::from_secs(10);
/// How long to listen to be fairly sure something does not happen.
pub(crate) const QUIET: Duration = Duration::from_millis(150);

/// `common::run` with this file's report capture installed first.
pub(crate) fn run<M, F, Fut>(f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    capture_reports();
    crate::common::run(f)
}

pub(crate) fn atom(a: &str) -> ExitReason {
    ExitReason::atom(a)
}

/// The next event, or a panic after the hang guard.
pub(crate) async fn next(mb: &mut Mailbox<Ev>) -> Ev {
    mb.recv_timeout(WAIT).await.expect("no event arrived")
}

/// The next message of any kind (events, exits, downs).
pub(crate) async fn next_any(mb: &mut Mailbox<Ev>) -> Message<Ev> {
    mb.recv_any_timeout(WAIT).await.expect("no message arrived")
}

/// Wait for the exit reason of `pid`.
pub(crate) async fn exit_of(pid: Pid) -> ExitReason {
    tokio::time::timeout(WAIT, ember_rt::watch(pid))
        .await
        .expect("the process did not exit")
}

// ---------------------------------------------------------------------------------------------
// Crash-report capture: a minimal global tracing subscriber (tests may install one; the library
// never does).

#[derive(Debug, Clone)]
pub(crate) struct Report {
    pub(crate) target: String,
    pub(crate) level: tracing::Level,
    pub(crate) fields: BTreeMap<String, String>,
}

pub(crate) static REPORTS: Mutex<Vec<Report>> = Mutex::new(Vec::new());

pub(crate) struct Capture;

pub(crate) struct Fields(BTreeMap<String, String>);

impl tracing::field::Visit for Fields {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0
            .insert(field.name().to_string(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, meta: &tracing::Metadata<'_>) -> bool {
        meta.target().starts_with("ember")
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(BTreeMap::new());
        event.record(&mut fields);
        REPORTS.lock().unwrap().push(Report {
            target: event.metadata().target().to_string(),
            level: *event.metadata().level(),
            fields: fields.0,
        });
    }
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

pub(crate) fn capture_reports() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        let _ = tracing::subscriber::set_global_default(Capture);
    });
}

/// The gen_server reports of `level` about the server registered as `name`. (Pids print the
/// same in every runtime of the test binary, so servers under test get unique names.)
pub(crate) fn reports(level: tracing::Level, name: &str) -> Vec<Report> {
    REPORTS
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.target == "ember::gen_server" && r.level == level)
        .filter(|r| r.fields.get("name").map(String::as_str) == Some(name))
        .cloned()
        .collect()
}

pub(crate) fn crash_reports(name: &str) -> Vec<Report> {
    reports(tracing::Level::ERROR, name)
}

pub(crate) fn named(name: &str) -> StartOpts {
    StartOpts::new().name(name)
}
