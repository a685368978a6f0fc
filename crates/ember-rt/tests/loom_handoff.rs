//! Loom model of the watchdog handoff (`src/scheduler/handoff.rs`): a process woken during a
//! poll ends up exactly once either with the worker or in the injector — never lost, never
//! twice — whatever the interleaving of the worker, a waker and the watchdog.
//!
//! Run with `RUSTFLAGS="--cfg loom" cargo test -p ember-rt --release --test loom_handoff`.
//! Like the other loom models, it compiles the runtime's own `handoff.rs` and `sync.rs` shim
//! into this test by path, so it checks the code the scheduler uses.

#![cfg(loom)]

#[allow(dead_code, unused_imports, unreachable_pub)]
#[path = "../src/sync.rs"]
mod sync;

#[allow(dead_code, unreachable_pub)]
#[path = "../src/scheduler/handoff.rs"]
mod handoff;

use handoff::WakeSlot;
use loom::sync::{Arc, Mutex};
use loom::thread;

/// One poll of the worker races with one wake made "during" it and a watchdog takeover.
#[test]
fn loom_handoff_every_wake_lands_exactly_once() {
    loom::model(|| {
        let slot = Arc::new(WakeSlot::<u32>::default());
        let injector = Arc::new(Mutex::new(Vec::<u32>::new()));
        let state = slot.start_poll();

        // The process being polled wakes process 7.
        let waker = {
            let (slot, injector) = (slot.clone(), injector.clone());
            thread::spawn(move || {
                if let Err(p) = slot.buffer(7) {
                    injector.lock().unwrap().push(p);
                }
            })
        };
        // The watchdog judges the poll stuck.
        let watchdog = {
            let (slot, injector) = (slot.clone(), injector.clone());
            thread::spawn(move || slot.take_over(state, |p| injector.lock().unwrap().push(p)))
        };

        // The poll ends.
        let mut woken = Vec::new();
        let replaced = slot.finish_poll(state, &mut woken);
        waker.join().unwrap();
        let took_over = watchdog.join().unwrap();
        // What the worker does afterwards: keep its wakes, or hand them over.
        let mut kept = Vec::new();
        if replaced {
            injector.lock().unwrap().append(&mut woken);
            slot.clear_replaced();
        } else {
            kept.append(&mut woken);
        }
        // A wake that came after `finish_poll` and before the takeover is still buffered: the
        // worker takes it at its next `finish_poll`, or the watchdog moved it.
        let mut later = Vec::new();
        let replaced_later = slot.finish_poll(slot.start_poll(), &mut later);
        assert!(!replaced_later || took_over);
        kept.append(&mut later);

        let injected = injector.lock().unwrap().clone();
        let total: Vec<u32> = kept.iter().chain(injected.iter()).copied().collect();
        assert_eq!(
            total,
            vec![7],
            "the woken process is in exactly one place: kept={kept:?} injected={injected:?}"
        );
        if took_over && !replaced {
            // The takeover can only win after the poll ended if it saw the same poll state: impossible.
            panic!("the watchdog took over a poll that had already ended");
        }
    });
}

/// The watchdog never takes over a slot whose stuck poll has ended.
#[test]
fn loom_handoff_no_takeover_after_the_poll_ended() {
    loom::model(|| {
        let slot = Arc::new(WakeSlot::<u32>::default());
        let state = slot.start_poll();
        let watchdog = {
            let slot = slot.clone();
            thread::spawn(move || slot.take_over(state, |_| {}))
        };
        let mut woken = Vec::new();
        let replaced = slot.finish_poll(state, &mut woken);
        let took_over = watchdog.join().unwrap();
        if took_over {
            // It won before the poll ended, so the worker must have seen it (now or at the next
            // poll's end, since the flag stays until cleared).
            let seen = replaced || slot.is_replaced();
            assert!(seen);
        }
    });
}
