//! The `app` example as a service (otp-semantics H8): run the compiled example, send it
//! SIGTERM (or SIGINT, Ctrl-C) by its pid, and check that it stops in order — `prep_stop`, the
//! workers' `terminate`s in reverse start order, `stop` — and exits 0.
//!
//! The example binary is the one `cargo test -p ember` builds next to this test; if it is
//! missing (e.g. `cargo test --test app_signal`), the test builds it with the same cargo.

#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Hang guard: far more than the example needs (it stops in about 200 ms).
const HANG_GUARD: Duration = Duration::from_secs(60);

/// `target/<profile>/examples/app`, built if needed.
fn example_binary() -> PathBuf {
    let test_exe = std::env::current_exe().expect("the test binary's path");
    // target/<profile>/deps/app_signal-<hash>
    let profile_dir = test_exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("the test binary lives in target/<profile>/deps")
        .to_path_buf();
    let binary = profile_dir
        .join("examples")
        .join(format!("app{}", std::env::consts::EXE_SUFFIX));
    if !binary.exists() {
        let target_dir = profile_dir.parent().expect("target/<profile>");
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--quiet", "-p", "ember", "--example", "app"])
            .arg("--target-dir")
            .arg(target_dir);
        if profile_dir.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo runs");
        assert!(status.success(), "building the example failed: {status}");
    }
    assert!(binary.exists(), "no example binary at {}", binary.display());
    binary
}

/// The running example, with its stdout lines arriving on a channel.
struct App {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl App {
    fn start() -> App {
        let mut child = Command::new(example_binary())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        App {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The next stdout line (hang-guarded).
    fn next_line(&mut self) -> Option<String> {
        let line = self.lines.recv_timeout(HANG_GUARD).ok()?;
        self.seen.push(line.clone());
        Some(line)
    }

    /// Send `signal` to the example's own pid, with `kill`.
    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} failed: {status}");
    }

    /// Wait for the exit (hang-guarded; a hung example is killed through its handle) and
    /// return its exit code, the remaining stdout lines and its stderr.
    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let deadline = Instant::now() + HANG_GUARD;
        let status = loop {
            match self.child.try_wait().expect("wait works") {
                Some(status) => break Some(status),
                None if Instant::now() > deadline => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    break None;
                }
                None => std::thread::sleep(Duration::from_millis(10)),
            }
        };
        while self.next_line().is_some() {}
        let mut stderr = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut stderr);
        }
        (status.and_then(|s| s.code()), self.seen, stderr)
    }
}

/// Start the example, wait until it runs, send `signal`, and check the ordered shutdown.
fn stops_in_order_on(signal: &str) {
    let mut app = App::start();
    // Up to the "running" line: the workers start in order, then the handlers are in place.
    for expected in ["db: started", "cache: started", "web: started"] {
        assert_eq!(app.next_line().as_deref(), Some(expected), "{:?}", app.seen);
    }
    let running = app.next_line().expect("the running line");
    assert_eq!(
        running,
        format!(
            "app: running as pid {}; stop it with SIGTERM or Ctrl-C",
            app.child.id()
        )
    );

    app.signal(signal);
    let (code, lines, stderr) = app.finish();
    let after: Vec<&str> = lines[4..].iter().map(String::as_str).collect();
    let context = format!("stdout: {lines:#?}\nstderr: {stderr}");
    assert_eq!(code, Some(0), "{context}");
    assert_eq!(after.len(), 7, "{context}");
    assert_eq!(
        after[..5],
        [
            "app: prep_stop",
            // Reverse start order, one at a time: web drains fully before cache is stopped.
            "web: terminate (shutdown)",
            "web: drained after 200 ms",
            "cache: terminate (shutdown)",
            "db: terminate (shutdown)",
        ],
        "{context}"
    );
    // `stop` runs after the tree is gone; its line carries the uptime.
    assert!(after[5].starts_with("app: stop after "), "{context}");
    assert_eq!(after[6], "app: exit 0", "{context}");
    assert!(!stderr.contains("crash"), "{context}");
}

#[test]
fn h08_sigterm_stops_the_application_in_order_and_exits_0() {
    stops_in_order_on("TERM");
}

#[test]
fn h08_ctrl_c_sigint_stops_the_application_in_order_and_exits_0() {
    stops_in_order_on("INT");
}
