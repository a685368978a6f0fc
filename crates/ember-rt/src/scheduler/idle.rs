//! Parking and waking idle workers, with at most one wake-up in flight.
//!
//! A worker is *searching* from the moment a producer unparks it until it finds a process (or
//! parks again). A producer wakes a sleeper only when no worker is searching — a searching
//! worker will find the new work — and a searching worker that finds work while being the last
//! searcher wakes the next sleeper. A burst of pushes (a process spawning a thousand others)
//! thus costs one futex wake at a time instead of one per push (tokio's rule).
//!
//! No lost wake-ups: a worker about to sleep first announces itself in `sleepers`, stops
//! searching, then (SeqCst) re-checks every queue, and only then parks; a producer first
//! publishes its work, then (SeqCst fence) reads `searching` and `num_sleepers`. Whichever way
//! the two interleave, either the worker sees the work or the producer sees no searcher and a
//! sleeper to unpark. Parkers keep a wake-up token, so an unpark landing between the re-check
//! and `park` is not lost.

use crate::sync::{AtomicUsize, Mutex, Ordering, Parker, Unparker, fence};

pub(crate) struct Idle {
    sleepers: Mutex<Vec<usize>>,
    num_sleepers: AtomicUsize,
    searching: AtomicUsize,
    unparkers: Vec<Unparker>,
}

impl Idle {
    /// One parker per slot; the `Idle` keeps the unparkers.
    pub(crate) fn new(slots: usize) -> (Idle, Vec<Parker>) {
        let parkers: Vec<Parker> = (0..slots).map(|_| Parker::new()).collect();
        let unparkers = parkers.iter().map(|p| p.unparker().clone()).collect();
        let idle = Idle {
            sleepers: Mutex::new(Vec::new()),
            num_sleepers: AtomicUsize::new(0),
            searching: AtomicUsize::new(0),
            unparkers,
        };
        (idle, parkers)
    }

    /// Worker `i` is about to park; it stops searching if it was. Call `has_work` after this.
    pub(crate) fn announce(&self, i: usize, searching: bool) {
        {
            let mut s = self.sleepers.lock();
            s.push(i);
            self.num_sleepers.store(s.len(), Ordering::SeqCst);
        }
        if searching {
            self.searching.fetch_sub(1, Ordering::SeqCst);
        }
        fence(Ordering::SeqCst);
    }

    /// Worker `i` is awake again. Returns `true` if a producer unparked it (it is now counted
    /// as searching), `false` if it was still listed (it woke up by itself).
    pub(crate) fn retract(&self, i: usize) -> bool {
        let mut s = self.sleepers.lock();
        match s.iter().position(|&w| w == i) {
            Some(pos) => {
                s.swap_remove(pos);
                self.num_sleepers.store(s.len(), Ordering::SeqCst);
                false
            }
            None => true,
        }
    }

    /// A searching worker found a process: if it was the last searcher, wake the next
    /// sleeper, since more work may be waiting.
    pub(crate) fn found_work(&self) {
        if self.searching.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.notify_one();
        }
    }

    /// Wake one sleeping worker unless one is already searching. Call after publishing work.
    pub(crate) fn notify_one(&self) {
        fence(Ordering::SeqCst);
        if self.searching.load(Ordering::SeqCst) > 0
            || self.num_sleepers.load(Ordering::SeqCst) == 0
        {
            return;
        }
        let woken = {
            let mut s = self.sleepers.lock();
            let w = s.pop();
            self.num_sleepers.store(s.len(), Ordering::SeqCst);
            if w.is_some() {
                self.searching.fetch_add(1, Ordering::SeqCst);
            }
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
