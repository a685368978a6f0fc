//! The processes of the soak: load generators, the chaos process, the dynamic churn, the RSS
//! sampler.

use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ember::otp::dynamic_supervisor::DynamicSupervisor;
use ember::otp::gen_server::{CallError, Server};
use ember::otp::supervisor::Supervisor;
use ember::rt::{ExitReason, Name, Pid, Priority};

use crate::stats::{Rng, STATS, inc, rss_kib};
use crate::tree::{Poison, Worker, answer, child_sup, worker_spec};
use crate::{Args, CALL_TIMEOUT};

pub(crate) static STOP: AtomicBool = AtomicBool::new(false);

pub(crate) async fn load_generator(names: Arc<Vec<Name>>, seed: u64) {
    let s = &STATS;
    let mut rng = Rng::new(seed);
    let mut cached: Option<Server<Worker>> = None;
    while !STOP.load(Relaxed) {
        let n = rng.next() >> 8;
        let started = Instant::now();
        inc(&s.call_made);
        let server = match cached {
            Some(server) if rng.below(5) == 0 => server,
            _ => match Server::<Worker>::whereis(&names[rng.below(names.len())]) {
                Ok(server) => server,
                Err(e) => {
                    // gen_server:call(Name, _) on a name nobody has: noproc at once.
                    inc(match e {
                        CallError::NoProc => &s.fail_unknown_name,
                        _ => &s.fail_other,
                    });
                    ember::rt::yield_now().await;
                    continue;
                }
            },
        };
        cached = Some(server);
        let result = server.call_timeout(n, CALL_TIMEOUT).await;
        if started.elapsed() > CALL_TIMEOUT + Duration::from_secs(1) {
            inc(&s.call_overdue);
        }
        inc(match result {
            Ok(v) if v == answer(n) => &s.call_served,
            Ok(_) => &s.call_wrong_reply,
            Err(CallError::NoProc) => &s.fail_noproc,
            Err(CallError::Timeout) => &s.fail_timeout,
            Err(CallError::Exit(ExitReason::Killed)) => &s.fail_killed,
            Err(CallError::Exit(ExitReason::Shutdown)) => &s.fail_shutdown,
            Err(CallError::Exit(ExitReason::Panic { .. })) => &s.fail_panic,
            Err(CallError::Exit(_)) => &s.fail_other_exit,
            Err(_) => &s.fail_other,
        });
    }
}

pub(crate) async fn chaos(root: Supervisor, names: Arc<Vec<Name>>, args: Args) {
    ember::rt::set_priority(Priority::High);
    let mut rng = Rng::new(args.seed ^ 0xC4A05);
    let start = Instant::now();
    let end = start + Duration::from_secs(args.seconds);
    let (mut owed, mut last, mut tick) = (0.0f64, start, 0u64);
    while Instant::now() < end {
        ember::rt::sleep(Duration::from_millis(10)).await;
        let now = Instant::now();
        owed += args.rate as f64 * (now - last).as_secs_f64();
        last = now;
        while owed >= 1.0 {
            owed -= 1.0;
            inject(&names, &mut rng);
        }
        // Once a second, alternately: kill a group supervisor, or push `fragile` over.
        if now.duration_since(start).as_secs() > tick {
            tick += 1;
            if tick % 2 == 0 {
                fragile_burst(root).await;
            } else {
                kill_group(root, &mut rng).await;
            }
        }
    }
}

pub(crate) fn inject(names: &[Name], rng: &mut Rng) {
    let s = &STATS;
    let Some(pid) = ember::rt::whereis(&names[rng.below(names.len())]) else {
        inc(&s.inj_missed);
        return;
    };
    match rng.below(3) {
        0 => {
            ember::rt::exit(pid, ExitReason::Kill);
            inc(&s.inj_kill);
        }
        1 => {
            if let Ok(server) = Server::<Worker>::from_pid(pid) {
                server.cast(Poison);
            }
            inc(&s.inj_panic);
        }
        _ => {
            ember::rt::exit(pid, ExitReason::Shutdown);
            inc(&s.inj_shutdown);
        }
    }
}

/// Kill a worker of `fragile` five times in a row: its 4th restart within 5 s exceeds its
/// intensity of 3, so it gives up and `fragile-parent` restarts it.
pub(crate) async fn fragile_burst(root: Supervisor) {
    let Some(parent) = child_sup(root, "fragile-parent").await else {
        return;
    };
    for _ in 0..5 {
        let Some(fragile) = child_sup(parent, "fragile").await else {
            return;
        };
        // Asked after the previous kill: the answer comes after that restart was handled.
        let Ok(kids) = fragile.which_children().await else {
            continue;
        };
        if let Some(pid) = kids.iter().find_map(|k| k.status.pid()) {
            ember::rt::exit(pid, ExitReason::Kill);
            inc(&STATS.chaos_fragile_kills);
        }
    }
}

/// Kill one random group supervisor (not a dynamic one: it would come back empty).
pub(crate) async fn kill_group(root: Supervisor, rng: &mut Rng) {
    let Ok(kids) = root.which_children().await else {
        return;
    };
    let groups: Vec<Pid> = kids
        .iter()
        .filter(|k| ["o4o-", "r4o-", "o4a-"].iter().any(|p| k.id.starts_with(p)))
        .filter_map(|k| k.status.pid())
        .collect();
    if !groups.is_empty() {
        ember::rt::exit(groups[rng.below(groups.len())], ExitReason::Kill);
        inc(&STATS.chaos_group_kills);
    }
}

/// Start and terminate DynamicSupervisor children all along.
pub(crate) async fn churn(dynamic: Vec<DynamicSupervisor>, seed: u64) {
    let s = &STATS;
    let mut rng = Rng::new(seed ^ 0xD1);
    let mut k = 0usize;
    while !STOP.load(Relaxed) {
        ember::rt::sleep(Duration::from_millis(50)).await;
        k += 1;
        let ds = dynamic[rng.below(dynamic.len())];
        match ds.start_child(worker_spec(&format!("dynx-{k}"), k)).await {
            Ok(_) => inc(&s.dyn_started),
            Err(_) => inc(&s.dyn_start_failed),
        }
        let ds = dynamic[rng.below(dynamic.len())];
        let Ok(kids) = ds.which_children().await else {
            continue;
        };
        let running: Vec<Pid> = kids.iter().filter_map(|c| c.status.pid()).collect();
        if running.is_empty() {
            continue;
        }
        if ds
            .terminate_child(running[rng.below(running.len())])
            .await
            .is_ok()
        {
            inc(&s.dyn_terminated);
        }
    }
}

/// Samples RSS every 100 ms until told to stop.
pub(crate) async fn sampler(samples: Arc<Mutex<Vec<u64>>>) {
    while !STOP.load(Relaxed) {
        samples
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(rss_kib());
        ember::rt::sleep(Duration::from_millis(100)).await;
    }
}
