//! Spawn N processes that each wait for a message; print µs per spawn and bytes per process
//! (RSS delta / N). `cargo run --release -p ember-rt --example spawn -- 1000000`

use std::time::Instant;

use ember_rt::{Mailbox, Pid, Runtime};

fn rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let rt = Runtime::builder().workers(2).build().expect("runtime");
    let (per_spawn_us, bytes) = rt
        .run(move |mut mb: Mailbox<()>| async move {
            let me = mb.pid();
            let mut pids: Vec<Pid<()>> = Vec::with_capacity(n);
            let rss0 = rss_bytes();
            let t0 = Instant::now();
            for _ in 0..n {
                pids.push(ember_rt::spawn(move |mut mb: Mailbox<()>| async move {
                    mb.recv().await;
                    me.send(());
                }));
            }
            let spawn_time = t0.elapsed();
            // Let every process reach its receive.
            while ember_rt::runtime_stats()
                .workers
                .iter()
                .any(|w| w.run_queue > 0)
            {
                ember_rt::sleep(std::time::Duration::from_millis(10)).await;
            }
            ember_rt::sleep(std::time::Duration::from_millis(100)).await;
            let rss1 = rss_bytes();
            for p in &pids {
                p.send(());
            }
            for _ in 0..n {
                mb.recv().await;
            }
            (
                spawn_time.as_secs_f64() * 1e6 / n as f64,
                (rss1.saturating_sub(rss0)) / n as u64,
            )
        })
        .expect("root");
    println!("spawn n={n}: {per_spawn_us:.3} us/spawn, {bytes} bytes/process (RSS)");
}
