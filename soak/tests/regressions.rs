//! Runtime bugs found by the chaos soak, kept as failing tests (ignored until fixed): run them
//! with `cargo test -p ember-soak -- --include-ignored`.
//!
//! Each test runs its body as the root process of a fresh runtime, on its own thread, and
//! fails if no result comes within [`HANG_GUARD`] (a hang guard only).

use std::future::Future;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ember::rt::{ExitReason, Mailbox, Pid, Runtime};

/// How long a case may take before it counts as a hang.
const HANG_GUARD: Duration = Duration::from_secs(60);

/// Run `f` as the root process of a fresh 2-worker runtime and return its output; fail on a
/// panic in the body (an assertion) or on a hang.
fn run<M, F, Fut>(f: F) -> Fut::Output
where
    M: Send + 'static,
    F: FnOnce(Mailbox<M>) -> Fut + Send + 'static,
    Fut: Future + Send + 'static,
    Fut::Output: Send + 'static,
{
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let rt = Runtime::builder().workers(2).build().expect("runtime");
        let _ = tx.send(rt.run(f));
    });
    match rx.recv_timeout(HANG_GUARD) {
        Ok(Ok(out)) => out,
        Ok(Err(reason)) => panic!("the test's process died: {reason}"),
        Err(_) => panic!("hang: no result within {HANG_GUARD:?}"),
    }
}

/// `signals::terminate` (on the killer's thread) marks the victim EXITING first and only later
/// inserts it into `RtInner::exiting`. If a worker drops the victim's future in between — it
/// sees the process dead in `run_task` and calls `finish` → `Pcb::mark_dead`, which removes the
/// entry that is not there yet — the late insert stays forever: the process is listed by
/// `zombies()` and counted by `runtime_stats().exiting` for ever, and its control block (with
/// its inbox) is never freed. The soak sees 1–4 of them per minute of chaos.
#[test]
fn a_process_ended_by_an_exit_signal_is_not_listed_as_exiting_forever() {
    run(|_: Mailbox<()>| async {
        for round in 0..10 {
            for _ in 0..200 {
                // Fresh processes, queued or running: the exit signal races with a worker
                // picking each of them up.
                let pids: Vec<Pid<()>> = (0..100)
                    .map(|_| {
                        ember::rt::spawn(|_: Mailbox<()>| async {
                            while !std::hint::black_box(false) {
                                ember::rt::yield_now().await;
                            }
                        })
                    })
                    .collect();
                for p in pids {
                    ember::rt::exit(p, ExitReason::Shutdown);
                }
            }
            let deadline = Instant::now() + Duration::from_secs(2);
            while ember::rt::runtime_stats().exiting > 0 && Instant::now() < deadline {
                ember::rt::sleep(Duration::from_millis(5)).await;
            }
            let stuck = ember::rt::zombies();
            assert!(
                stuck.is_empty(),
                "round {round}: still exiting after 2 s: {stuck:?}"
            );
        }
    });
}

/// A worker thread that retires (a spare started by the watchdog, once the stuck poll it
/// replaced returns) exits, but its `JoinHandle` stays in `RtInner::threads` until
/// `Runtime::shutdown`: the thread is never joined, so its stack stays mapped (about 17 KiB
/// of RSS and 2 mappings per retired thread, measured) and the list grows with every hand-off.
/// A service with occasional long polls leaks without bound; the soak's RSS climbed with it.
#[test]
fn retired_spare_threads_do_not_accumulate() {
    fn mappings() -> usize {
        std::fs::read_to_string("/proc/self/maps").map_or(0, |m| m.lines().count())
    }
    /// A poll that computes for 60 ms without yielding: the watchdog hands its worker off.
    async fn hog() {
        let w = ember::rt::watch(ember::rt::spawn(|_: Mailbox<()>| async {
            let t = Instant::now();
            while t.elapsed() < Duration::from_millis(60) {
                std::hint::spin_loop();
            }
        }));
        w.await;
    }
    run(|_: Mailbox<()>| async {
        for _ in 0..10 {
            hog().await; // warm up: malloc arenas and the stack cache
        }
        let (maps, spares) = (mappings(), ember::rt::runtime_stats().spare_threads_started);
        for _ in 0..40 {
            hog().await;
        }
        let spares = ember::rt::runtime_stats().spare_threads_started - spares;
        assert!(
            spares >= 10,
            "only {spares} hand-offs: the machine is too busy for this test"
        );
        let grown = mappings().saturating_sub(maps);
        assert!(
            grown < 20,
            "{grown} new mappings after {spares} spare threads came and went"
        );
    });
}
