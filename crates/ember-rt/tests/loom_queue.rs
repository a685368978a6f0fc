//! Loom model of the inbox queue (`src/process/queue.rs`): no lost wake-up, per-sender FIFO,
//! nothing delivered after close.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p ember-rt --release --test loom_queue`.
//!
//! The model compiles the crate's own `queue.rs` and `sync.rs` (the std ⇄ loom shim) into this
//! test by path, so it checks exactly the code the runtime uses, with loom's atomics and mutex.

#![cfg(loom)]

#[allow(unused_imports, unreachable_pub)]
#[path = "../src/sync.rs"]
mod sync;

#[allow(dead_code, unreachable_pub)]
#[path = "../src/process/queue.rs"]
mod queue;

use std::collections::VecDeque;
use std::future::poll_fn;
use std::task::Poll;

use loom::sync::Arc;
use loom::thread;
use queue::Queue;

/// Two senders push two items each while the receiver waits with `poll_take` and a real
/// (loom) waker: the receiver gets all four — a lost wake-up would leave it blocked, which
/// loom reports as a deadlock — and each sender's items in the order it pushed them.
#[test]
fn loom_queue_two_senders_no_lost_wakeup_and_per_sender_fifo() {
    model(|| {
        let q = Arc::new(Queue::<(u8, u8)>::new());
        let senders: Vec<_> = (0..2u8)
            .map(|s| {
                let q = q.clone();
                thread::spawn(move || {
                    for i in 0..2u8 {
                        assert!(q.push((s, i)).is_ok(), "the queue is open");
                    }
                })
            })
            .collect();
        let mut got = VecDeque::new();
        loom::future::block_on(poll_fn(|cx| {
            while got.len() < 4 {
                if q.poll_take(&mut got, cx).is_pending() {
                    return Poll::Pending;
                }
            }
            Poll::Ready(())
        }));
        for s in senders {
            s.join().expect("sender");
        }
        for s in 0..2u8 {
            let mine: Vec<u8> = got
                .iter()
                .filter(|(from, _)| *from == s)
                .map(|(_, i)| *i)
                .collect();
            assert_eq!(mine, [0, 1], "sender {s} out of order: {got:?}");
        }
        assert_eq!(q.len(), 0);
    });
}

/// One sender, a receiver that registered its waker with an empty queue and then goes on
/// polling with a *different* waker (a process re-polled from another context): the push must
/// wake the current one, never only the stale one.
#[test]
fn loom_queue_wakes_the_latest_waker() {
    model(|| {
        let q = Arc::new(Queue::<u8>::new());
        let mut got = VecDeque::new();
        // First poll, with a throwaway waker: nothing there yet.
        let stale = futures_noop_waker();
        let mut cx = std::task::Context::from_waker(&stale);
        assert!(q.poll_take(&mut got, &mut cx).is_pending());
        let q2 = q.clone();
        let sender = thread::spawn(move || {
            q2.push(7).expect("open");
        });
        loom::future::block_on(poll_fn(|cx| match q.poll_take(&mut got, cx) {
            Poll::Ready(n) => Poll::Ready(n),
            Poll::Pending => Poll::Pending,
        }));
        sender.join().expect("sender");
        assert_eq!(got, [7]);
    });
}

/// `close` racing two pushes: a push either lands before the close (and is handed back by
/// `close`, to be dropped) or fails and gets its item back; nothing is ever delivered after
/// the close, and once a push has failed the next one fails too.
#[test]
fn loom_queue_close_racing_push_delivers_nothing_after_close() {
    model(|| {
        let q = Arc::new(Queue::<u8>::new());
        let q2 = q.clone();
        let sender = thread::spawn(move || {
            let first = q2.push(1);
            let second = q2.push(2);
            (first, second)
        });
        let left = q.close();
        let mut after = VecDeque::new();
        let taken_early = q.take_all(&mut after);
        let (first, second) = sender.join().expect("sender");
        let taken_late = q.take_all(&mut after);
        assert_eq!(
            taken_early + taken_late,
            0,
            "delivered after close: {after:?}"
        );
        assert_eq!(q.len(), 0);
        let left: Vec<u8> = left.into_iter().collect();
        match (first, second) {
            (Ok(()), Ok(())) => assert_eq!(left, [1, 2]),
            (Ok(()), Err(2)) => assert_eq!(left, [1]),
            (Err(1), Err(2)) => assert!(left.is_empty()),
            other => panic!("impossible outcome {other:?} (left in the queue: {left:?})"),
        }
        // And a push after the close always fails.
        assert_eq!(q.push(3), Err(3));
    });
}

/// A waker that does nothing (only used for a poll whose wake-up is not awaited).
fn futures_noop_waker() -> std::task::Waker {
    std::task::Waker::noop().clone()
}

/// `loom::model` with a default preemption bound of 3 (override with `LOOM_MAX_PREEMPTIONS`):
/// the unbounded search of these models takes far too long, and bugs of this kind show up
/// within a few preemptions.
fn model<F: Fn() + Sync + Send + 'static>(f: F) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(3);
    }
    builder.check(f);
}
