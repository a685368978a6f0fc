//! A ring of N processes passing a token around until it has made `laps * N` hops; prints
//! ns per hop. `cargo run --release -p ember-rt --example ring -- 1000 1000`

use std::time::Instant;

use ember_rt::{Mailbox, Pid, Runtime};

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let laps: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let rt = Runtime::new().expect("runtime");
    let elapsed = rt
        .run(move |mut mb: Mailbox<u64>| async move {
            // Build the ring backwards: each node forwards the token, decremented, to `to`.
            let mut next: Pid<u64> = mb.pid();
            for _ in 0..n - 1 {
                let to = next;
                next = ember_rt::spawn(move |mut mb: Mailbox<u64>| async move {
                    loop {
                        let t = mb.recv().await;
                        to.send(t.saturating_sub(1));
                        if t <= 1 {
                            return;
                        }
                    }
                });
            }
            let start = Instant::now();
            next.send(laps * n);
            loop {
                let t = mb.recv().await;
                if t == 0 {
                    break;
                }
                next.send(t - 1);
            }
            start.elapsed()
        })
        .expect("root process");
    let hops = laps * n;
    println!(
        "ring n={n} laps={laps}: {:.1} ns/hop",
        elapsed.as_nanos() as f64 / hops as f64
    );
}
