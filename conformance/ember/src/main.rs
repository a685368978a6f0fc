//! # ember-conformance: the ember side of the differential conformance suite
//!
//! Runs scenarios (`conformance/scenarios/*.scn`) on ember and writes the normalized trace
//! that `conformance/run.sh` diffs against OTP's golden trace. The contract is
//! `conformance/FORMAT.md`; this interpreter mirrors `conformance/erlang/conformance.erl`.
//!
//! ```text
//! ember-conformance --out DIR FILE...     writes DIR/<name>.trace for each FILE
//! ember-conformance FILE...               prints "== <name>" and the trace to stdout
//! ```
//!
//! Each scenario runs on a fresh ember runtime: a director process ([`director`]) executes the
//! steps and commands actors ([`actor`]), which perform actions ([`exec`] and the modules per
//! area: [`timers`], [`otp`] for gen_server, [`sup`] for Supervisor / DynamicSupervisor,
//! [`elixir`] for Task / Agent / Registry). A scenario that does not finish within 30 s ends
//! with `999 director TIMEOUT`, like the Erlang interpreter.
//!
//! Where ember deliberately has no counterpart for an action, the action raises
//! `error {ember_unsupported, What}` (the trace shows it); such scenarios are listed with
//! their reason in `conformance/KNOWN_DIFFERENCES.md`.

mod actor;
mod director;
mod elixir;
mod exec;
mod otp;
mod parse;
mod render;
mod sup;
mod terms;
mod timers;
mod world;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::time::Duration;

use ember_rt::{Mailbox, Runtime};

use crate::director::DirMsg;

const SCENARIO_TIMEOUT: Duration = Duration::from_secs(30);

/// Run one scenario file; returns the trace lines.
fn run_file(path: &Path) -> Vec<String> {
    let src = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => return vec![format!("0 director parse_error {e}")],
    };
    let steps = match parse::parse_file(&src) {
        Ok(s) => s,
        Err(e) => return vec![format!("0 director parse_error {e}")],
    };
    world::reset();
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return vec![format!("0 director runtime_error {e}")],
    };
    let lines = Arc::new(Mutex::new(Vec::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let out = lines.clone();
    let dir = rt.spawn(move |mb: Mailbox<DirMsg>| async move {
        director::run(mb, steps, out).await;
        let _ = done_tx.send(());
    });
    let finished = match done_rx.recv_timeout(SCENARIO_TIMEOUT) {
        Ok(()) => true,
        Err(_) => {
            ember_rt::exit(dir, ember_rt::ExitReason::Kill);
            false
        }
    };
    let mut lines = lines.lock().unwrap_or_else(PoisonError::into_inner).clone();
    if !finished {
        lines.push("999 director TIMEOUT".to_string());
    }
    // Shut the runtime down on another thread: a process stuck in a poll must not hold the
    // trace back (the OS process exits at the end anyway).
    std::thread::spawn(move || drop(rt));
    lines
}

fn main() -> ExitCode {
    let mut out: Option<PathBuf> = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--out" => match args.next() {
                Some(d) => out = Some(PathBuf::from(d)),
                None => {
                    eprintln!("--out needs a directory");
                    return ExitCode::from(2);
                }
            },
            "-h" | "--help" => {
                println!("usage: ember-conformance [--out DIR] FILE...");
                return ExitCode::SUCCESS;
            }
            _ => files.push(PathBuf::from(a)),
        }
    }
    if files.is_empty() {
        eprintln!("usage: ember-conformance [--out DIR] FILE...");
        return ExitCode::from(2);
    }
    let mut status = ExitCode::SUCCESS;
    for f in &files {
        let name = f
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let lines = run_file(f);
        let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
        match &out {
            Some(dir) => {
                if let Err(e) = std::fs::write(dir.join(format!("{name}.trace")), text) {
                    eprintln!("{name}: {e}");
                    status = ExitCode::FAILURE;
                }
            }
            None => print!("== {name}\n{text}"),
        }
    }
    status
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// A few scenarios end to end, against their golden traces (one test: the scenario state
    /// is process-global, so scenarios run one after the other).
    #[test]
    fn scenarios_match_their_goldens() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for name in [
            "01_spawn_normal_return",
            "10_selective_receive",
            "22_exit_self_normal",
            "46_gen_server_basics",
        ] {
            let lines = super::run_file(&root.join(format!("scenarios/{name}.scn")));
            let expected =
                std::fs::read_to_string(root.join(format!("expected/{name}.trace"))).unwrap();
            assert_eq!(lines.join("\n") + "\n", expected, "{name}");
        }
    }
}
