//! Reports as data: the `tracing` events emitted by supervisors, behaviours and applications.
//!
//! Erlang's supervisors and gen_servers send *reports* (maps with fixed keys) to the logger,
//! and a formatter turns them into text elsewhere. ember does the same with `tracing` events:
//! every event has a fixed `target`, a fixed `event` field naming the report, and fixed field
//! names, so tools can filter and aggregate them without parsing text. The library never
//! installs a subscriber; the application chooses one (e.g. `tracing-subscriber`).
//!
//! Pids and reasons are recorded with their `Display` form (`<0.83.0>`, `{shutdown,db_down}`),
//! counts as integers, ids and names as strings.
//!
//! | `event`                         | target              | level | fields                                                  | Erlang equivalent |
//! |---------------------------------|---------------------|-------|---------------------------------------------------------|-------------------|
//! | `child_started`                 | `ember::supervisor` | INFO  | `supervisor`, `child_id`, `pid`                         | progress report `[{supervisor,_},{started,_}]` |
//! | `start_error`                   | `ember::supervisor` | ERROR | `supervisor`, `child_id`, `reason`                      | supervisor report, `errorContext => start_error` |
//! | `child_terminated`              | `ember::supervisor` | ERROR | `supervisor`, `child_id`, `pid`, `reason`               | supervisor report, `errorContext => child_terminated` |
//! | `child_restarted`               | `ember::supervisor` | INFO  | `supervisor`, `child_id`, `pid`, `restart_count`        | (the progress report of the new child) |
//! | `reached_max_restart_intensity` | `ember::supervisor` | ERROR | `supervisor`, `child_id`, `reason`, `restart_count`     | supervisor report, `errorContext => shutdown` |
//! | `shutdown_error`                | `ember::supervisor` | ERROR | `supervisor`, `child_id`, `pid`, `reason`               | supervisor report, `errorContext => shutdown_error` |
//! | `crash`                         | `ember::process`    | ERROR | `pid`, `name`, `reason`                                 | crash report / gen_server `terminating` |
//! | `application_started`           | `ember::application`| INFO  | `application`, `supervisor`                             | progress report `[{application,_},{started_at,_}]` |
//! | `application_stopped`           | `ember::application`| INFO  | `application`                                           | `application: X, exited: stopped` |
//! | `application_exited`            | `ember::application`| ERROR | `application`, `reason`                                 | `application: X, exited: Reason` |
//!
//! `restart_count` is the number of restarts the supervisor has performed since it started
//! (every attempt counts, as for the restart intensity). `child_id` is the child spec's id; a
//! [`DynamicSupervisor`](crate::dynamic_supervisor::DynamicSupervisor) reports the spec's id too
//! (Elixir shows `:undefined`). `name` is the registered name or `undefined`.

use ember_rt::{ExitReason, Pid};

/// The `target` of supervisor events.
///
/// ```
/// assert_eq!(ember_otp::report::TARGET_SUPERVISOR, "ember::supervisor");
/// ```
pub const TARGET_SUPERVISOR: &str = "ember::supervisor";
/// The `target` of process crash reports.
///
/// ```
/// assert_eq!(ember_otp::report::TARGET_PROCESS, "ember::process");
/// ```
pub const TARGET_PROCESS: &str = "ember::process";
/// The `target` of application events.
///
/// ```
/// assert_eq!(ember_otp::report::TARGET_APPLICATION, "ember::application");
/// ```
pub const TARGET_APPLICATION: &str = "ember::application";

/// A child was started (Erlang progress report).
///
/// ```
/// use ember_rt::Pid;
/// ember_otp::report::child_started(Pid::SYSTEM, "worker", Pid::SYSTEM);
/// ```
pub fn child_started(supervisor: Pid, child_id: &str, pid: Pid) {
    tracing::info!(
        target: "ember::supervisor",
        event = "child_started",
        supervisor = %supervisor,
        child_id = child_id,
        pid = %pid,
        "child started"
    );
}

/// A child's start function failed (Erlang `errorContext => start_error`).
///
/// ```
/// use ember_rt::{ExitReason, Pid};
/// ember_otp::report::start_error(Pid::SYSTEM, "db", &ExitReason::atom("econnrefused"));
/// ```
pub fn start_error(supervisor: Pid, child_id: &str, reason: &ExitReason) {
    tracing::error!(
        target: "ember::supervisor",
        event = "start_error",
        supervisor = %supervisor,
        child_id = child_id,
        reason = %reason,
        "child start failed"
    );
}

/// A child ended and the supervisor handles it (Erlang `errorContext => child_terminated`).
///
/// ```
/// use ember_rt::{ExitReason, Pid};
/// ember_otp::report::child_terminated(Pid::SYSTEM, "db", Pid::SYSTEM, &ExitReason::Killed);
/// ```
pub fn child_terminated(supervisor: Pid, child_id: &str, pid: Pid, reason: &ExitReason) {
    tracing::error!(
        target: "ember::supervisor",
        event = "child_terminated",
        supervisor = %supervisor,
        child_id = child_id,
        pid = %pid,
        reason = %reason,
        "child terminated"
    );
}

/// A child was restarted; `pid` is the new process.
///
/// ```
/// use ember_rt::Pid;
/// ember_otp::report::child_restarted(Pid::SYSTEM, "db", Pid::SYSTEM, 1);
/// ```
pub fn child_restarted(supervisor: Pid, child_id: &str, pid: Pid, restart_count: u64) {
    tracing::info!(
        target: "ember::supervisor",
        event = "child_restarted",
        supervisor = %supervisor,
        child_id = child_id,
        pid = %pid,
        restart_count = restart_count,
        "child restarted"
    );
}

/// The supervisor gives up: too many restarts within the period (Erlang
/// `reached_max_restart_intensity`). It stops its children and exits with `shutdown`.
///
/// ```
/// use ember_rt::{ExitReason, Pid};
/// ember_otp::report::reached_max_restart_intensity(Pid::SYSTEM, "db", &ExitReason::Killed, 4);
/// ```
pub fn reached_max_restart_intensity(
    supervisor: Pid,
    child_id: &str,
    reason: &ExitReason,
    restart_count: u64,
) {
    tracing::error!(
        target: "ember::supervisor",
        event = "reached_max_restart_intensity",
        supervisor = %supervisor,
        child_id = child_id,
        reason = %reason,
        restart_count = restart_count,
        "supervisor reached max restart intensity; shutting down"
    );
}

/// A child did not end the way its shutdown asked (it died earlier with another reason, or
/// had to be killed after its timeout) (Erlang `errorContext => shutdown_error`).
///
/// ```
/// use ember_rt::{ExitReason, Pid};
/// ember_otp::report::shutdown_error(Pid::SYSTEM, "db", Pid::SYSTEM, &ExitReason::Killed);
/// ```
pub fn shutdown_error(supervisor: Pid, child_id: &str, pid: Pid, reason: &ExitReason) {
    tracing::error!(
        target: "ember::supervisor",
        event = "shutdown_error",
        supervisor = %supervisor,
        child_id = child_id,
        pid = %pid,
        reason = %reason,
        "child shutdown error"
    );
}

/// A process (e.g. a GenServer) crashed (Erlang crash report / `** Generic server terminating`).
///
/// ```
/// use ember_rt::{ExitReason, Pid};
/// ember_otp::report::crash(Pid::SYSTEM, Some("cache"), &ExitReason::atom("badarg"));
/// ember_otp::report::crash(Pid::SYSTEM, None, &ExitReason::atom("badarg"));
/// ```
pub fn crash(pid: Pid, name: Option<&str>, reason: &ExitReason) {
    tracing::error!(
        target: "ember::process",
        event = "crash",
        pid = %pid,
        name = name.unwrap_or("undefined"),
        reason = %reason,
        "process crashed"
    );
}

/// An application started (Erlang progress report `started_at`).
///
/// ```
/// use ember_rt::Pid;
/// ember_otp::report::application_started("shop", Pid::SYSTEM);
/// ```
pub fn application_started(application: &str, supervisor: Pid) {
    tracing::info!(
        target: "ember::application",
        event = "application_started",
        application = application,
        supervisor = %supervisor,
        "application started"
    );
}

/// An application was stopped on request (Erlang `exited: stopped`).
///
/// ```
/// ember_otp::report::application_stopped("shop");
/// ```
pub fn application_stopped(application: &str) {
    tracing::info!(
        target: "ember::application",
        event = "application_stopped",
        application = application,
        "application stopped"
    );
}

/// An application's root supervisor ended by itself (Erlang `exited: Reason`).
///
/// ```
/// use ember_rt::ExitReason;
/// ember_otp::report::application_exited("shop", &ExitReason::Shutdown);
/// ```
pub fn application_exited(application: &str, reason: &ExitReason) {
    tracing::error!(
        target: "ember::application",
        event = "application_exited",
        application = application,
        reason = %reason,
        "application exited"
    );
}
