//! Parking and waking idle workers.
//!
//! Protocol (no lost wake-ups): a worker about to sleep first *announces* itself in `sleepers`
//! (SeqCst), then re-checks every queue, and only then parks. A producer first publishes its
//! work (SeqCst fence), then looks at `num_sleepers`. Whichever order the two interleave in,
//! either the worker sees the work or the producer sees the sleeper and unparks it. Parkers
//! keep a wake-up token, so an unpark that lands between the check and `park` is not lost.

use crossbeam_utils::sync::{Parker, Unparker};

use crate::sync::{AtomicUsize, Mutex, Ordering};

pub(crate) struct Idle {
    sleepers: Mutex<Vec<usize>>,
    num_sleepers: AtomicUsize,
    unparkers: Vec<Unparker>,
}

impl Idle {
    /// One parker per worker; the `Idle` keeps the unparkers.
    pub(crate) fn new(workers: usize) -> (Idle, Vec<Parker>) {
        let parkers: Vec<Parker> = (0..workers).map(|_| Parker::new()).collect();
        let unparkers = parkers.iter().map(|p| p.unparker().clone()).collect();
        let idle = Idle { sleepers: Mutex::new(Vec::new()), num_sleepers: AtomicUsize::new(0), unparkers };
        (idle, parkers)
    }

    /// Announce that worker `i` is about to park.
    pub(crate) fn announce(&self, i: usize) {
        let mut s = self.sleepers.lock();
        s.push(i);
        self.num_sleepers.store(s.len(), Ordering::SeqCst);
    }

    /// Worker `i` found work (or woke up): take it off the sleeper list.
    pub(crate) fn retract(&self, i: usize) {
        let mut s = self.sleepers.lock();
        if let Some(pos) = s.iter().position(|&w| w == i) {
            s.swap_remove(pos);
            self.num_sleepers.store(s.len(), Ordering::SeqCst);
        }
    }

    /// Wake one sleeping worker, if any. Call after publishing work.
    pub(crate) fn notify_one(&self) {
        std::sync::atomic::fence(std::sync::atomic::Ordering::SeqCst);
        if self.num_sleepers.load(Ordering::SeqCst) == 0 {
            return;
        }
        let woken = {
            let mut s = self.sleepers.lock();
            let w = s.pop();
            self.num_sleepers.store(s.len(), Ordering::SeqCst);
            w
        };
        if let Some(i) = woken {
            self.unparkers[i].unpark();
        }
    }

    /// Wake every worker (shutdown).
    pub(crate) fn notify_all(&self) {
        self.sleepers.lock().clear();
        self.num_sleepers.store(0, Ordering::SeqCst);
        for u in &self.unparkers {
            u.unpark();
        }
    }

    pub(crate) fn sleeping(&self) -> usize {
        self.num_sleepers.load(Ordering::Relaxed)
    }
}
