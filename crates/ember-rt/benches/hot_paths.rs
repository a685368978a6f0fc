//! Micro-benchmarks of ember-rt's hot paths (divan). Each sample runs a batch of operations
//! inside one process, so the numbers are per operation, not per `block_on`.
//!
//! `cargo bench -p ember-rt --bench hot_paths`

use std::sync::OnceLock;

use divan::{Bencher, counter::ItemsCount};
use ember_rt::{Mailbox, Message, Runtime};

const BATCH: usize = 1_000;

fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::builder().workers(2).build().expect("runtime"))
}

fn main() {
    divan::main();
}

/// `Pid ! Msg` to oneself followed by the `receive` that takes it.
#[divan::bench]
fn send_and_receive(b: Bencher) {
    b.counter(ItemsCount::new(BATCH)).bench(|| {
        rt().run(|mut mb: Mailbox<u64>| async move {
            let me = mb.pid();
            for i in 0..BATCH as u64 {
                me.send(i);
                divan::black_box(mb.recv().await);
            }
        })
    });
}

/// Spawn a process that returns at once, and wait for its exit.
#[divan::bench]
fn spawn_and_exit(b: Bencher) {
    b.counter(ItemsCount::new(BATCH)).bench(|| {
        rt().block_on(async {
            for _ in 0..BATCH {
                let p = ember_rt::spawn(|_: Mailbox<()>| async {});
                divan::black_box(ember_rt::watch(p).await);
            }
        })
    });
}

/// A round trip with another process (send, its receive and reply, our receive).
#[divan::bench]
fn round_trip(b: Bencher) {
    b.counter(ItemsCount::new(BATCH)).bench(|| {
        rt().run(|mut mb: Mailbox<u64>| async move {
            let me = mb.pid();
            let echo = ember_rt::spawn(move |mut inbox: Mailbox<u64>| async move {
                for _ in 0..BATCH {
                    let n = inbox.recv().await;
                    me.send(n);
                }
            });
            for i in 0..BATCH as u64 {
                echo.send(i);
                divan::black_box(mb.recv().await);
            }
        })
    });
}

/// Selective receive of the newest message behind a queue of `depth` that do not match.
#[divan::bench(args = [10, 100, 1000])]
fn selective_receive_deep_queue(b: Bencher, depth: usize) {
    b.counter(ItemsCount::new(100usize)).bench(|| {
        rt().run(move |mut mb: Mailbox<u64>| async move {
            let me = mb.pid();
            for _ in 0..depth {
                me.send(0);
            }
            for i in 1..=100u64 {
                me.send(i);
                let m = mb
                    .receive(move |m| matches!(m, Message::User(n) if *n == i))
                    .await;
                divan::black_box(m);
            }
            mb.flush();
        })
    });
}
