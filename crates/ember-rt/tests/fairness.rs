//! Fairness guarantees G1–G3 (design note, shared/design/scheduler.md), as behaviour tests.
//! Not timed: bounds below are hang guards, generous for a noisy 2-core machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ember_rt::{ExitReason, Mailbox, Message, Pid, Runtime};

/// A process that spins without ever reaching a runtime await, until `stop` is set.
fn hog(stop: Arc<AtomicBool>) -> impl FnOnce(Mailbox<()>) -> std::future::Ready<()> {
    move |_mb| {
        let mut x = 0u64;
        while !stop.load(Ordering::Relaxed) {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        std::future::ready(())
    }
}

/// Light processes doing round trips with an echo process; returns how many finished.
async fn light_round_trips(mb: &mut Mailbox<u32>, lights: u32, trips: u32, cap: Duration) -> u32 {
    let me = mb.pid();
    let echo: Pid<(u32, Pid<u32>)> =
        ember_rt::spawn(|mut mb: Mailbox<(u32, Pid<u32>)>| async move {
            loop {
                let (n, to) = mb.recv().await;
                to.send(n);
                if n == u32::MAX {
                    break;
                }
            }
        });
    for i in 0..lights {
        ember_rt::spawn(move |mut mb: Mailbox<u32>| async move {
            for t in 0..trips {
                echo.send((t, mb.pid()));
                assert_eq!(mb.recv().await, t);
            }
            me.send(i);
        });
    }
    let deadline = Instant::now() + cap;
    let mut done = 0;
    while done < lights {
        let left = deadline.saturating_duration_since(Instant::now());
        match mb.recv_timeout(left).await {
            Some(_) => done += 1,
            None => break,
        }
    }
    done
}

#[test]
fn g2_four_spinning_hogs_cannot_starve_light_processes() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let done = rt
        .run(move |mut mb: Mailbox<u32>| async move {
            for _ in 0..4 {
                ember_rt::spawn(hog(s.clone()));
            }
            light_round_trips(&mut mb, 1000, 20, Duration::from_secs(60)).await
        })
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(done, 1000, "every light process finished its round trips");
    assert!(
        rt.stats().spare_threads_started >= 1,
        "the watchdog started spare threads"
    );
}

#[test]
fn g2_without_the_watchdog_hogs_do_freeze_the_others() {
    // The failure mode the watchdog exists for: shown, bounded by a timeout.
    let rt = Runtime::builder()
        .workers(2)
        .watchdog(false)
        .build()
        .unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    rt.spawn(move |mut mb: Mailbox<u32>| async move {
        for _ in 0..4 {
            ember_rt::spawn(hog(s.clone()));
        }
        ember_rt::yield_now().await; // let the hogs take both workers
        let done = light_round_trips(&mut mb, 100, 5, Duration::from_secs(2)).await;
        let _ = tx.send(done);
    });
    let got = rx.recv_timeout(Duration::from_millis(1500));
    stop.store(true, Ordering::Relaxed);
    assert!(
        got.is_err() || got == Ok(0),
        "nothing progressed while both workers were held: {got:?}"
    );
}

#[test]
fn g2_blocking_process_does_not_stop_timers() {
    let rt = Runtime::builder().workers(1).build().unwrap();
    let got = rt
        .run(|mut mb: Mailbox<&'static str>| async move {
            ember_rt::spawn(|_: Mailbox<()>| async {
                std::thread::sleep(Duration::from_millis(300));
            });
            ember_rt::send_after(Duration::from_millis(20), mb.pid(), "tick");
            let start = Instant::now();
            let m = mb.recv_timeout(Duration::from_secs(10)).await;
            (m, start.elapsed())
        })
        .unwrap();
    assert_eq!(got.0, Some("tick"));
}

#[test]
fn g3_kill_of_a_hog_gives_down_killed_and_it_is_listed_as_zombie() {
    let rt = Runtime::builder().workers(2).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let (reason, zombie_listed, name_freed) = rt
        .run(move |mut mb: Mailbox<()>| async move {
            let spawned =
                ember_rt::spawn_opt(ember_rt::SpawnOpts::new().monitor().name("hog"), hog(s))
                    .unwrap();
            // Let it enter its endless poll.
            ember_rt::sleep(Duration::from_millis(50)).await;
            ember_rt::exit(spawned.pid, ExitReason::Kill);
            let reason = match mb.recv_any_timeout(Duration::from_secs(10)).await {
                Some(Message::Down(d)) => Some(d.reason),
                _ => None,
            };
            let zombie = ember_rt::zombies().iter().any(|z| z.pid == spawned.pid);
            (reason, zombie, ember_rt::whereis("hog").is_none())
        })
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(reason, Some(ExitReason::Killed));
    assert!(
        zombie_listed,
        "the killed hog is still inside its poll: a zombie"
    );
    assert!(name_freed);
}

#[test]
fn g1_budget_preempts_a_process_at_its_awaits() {
    // One worker: a process looping over a runtime await cannot keep the worker from others.
    let rt = Runtime::builder().workers(1).build().unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let done = rt
        .run(move |mut mb: Mailbox<u32>| async move {
            ember_rt::spawn(move |_: Mailbox<()>| async move {
                while !s.load(Ordering::Relaxed) {
                    ember_rt::bump_reductions(10);
                    ember_rt::yield_now().await;
                }
            });
            light_round_trips(&mut mb, 50, 10, Duration::from_secs(30)).await
        })
        .unwrap();
    stop.store(true, Ordering::Relaxed);
    assert_eq!(done, 50);
}
