//! The handoff protocol between a worker and the watchdog, on one slot.
//!
//! State: the slot's wake buffer, its `replaced` flag and its `poll_state`
//! (`polls << 1 | in_poll`). Three parties:
//! - the **worker** publishes `poll_state` around each poll, and after the poll takes the wake
//!   buffer ([`WakeSlot::finish_poll`]); if it finds `replaced` set, it hands what it holds to
//!   the injector and clears the flag;
//! - **wakers** (the process being polled waking others) append to the buffer
//!   ([`WakeSlot::buffer`]) unless `replaced` is set, in which case they use the injector;
//! - the **watchdog** ([`WakeSlot::take_over`]) sets `replaced` and moves the buffer to the
//!   injector, but only if the poll it judged stuck (`poll_state`) is still the current one.
//!
//! All three touch the buffer and the flag under the buffer's lock, so every woken process
//! ends up exactly once either in the worker's hands or in the injector — never lost, never
//! twice. `tests/loom_handoff.rs` checks this with loom.

use crate::sync::{AtomicBool, AtomicU64, Mutex, Ordering};

/// A slot's wake buffer with the watchdog's takeover flag.
#[derive(Debug)]
pub(crate) struct WakeSlot<T> {
    wakes: Mutex<Vec<T>>,
    replaced: AtomicBool,
    /// `polls << 1 | in_poll`, written by the slot's worker.
    pub(crate) poll_state: AtomicU64,
}

impl<T> Default for WakeSlot<T> {
    fn default() -> Self {
        WakeSlot {
            wakes: Mutex::new(Vec::new()),
            replaced: AtomicBool::new(false),
            poll_state: AtomicU64::new(0),
        }
    }
}

impl<T> WakeSlot<T> {
    /// Worker: a poll starts; returns its `poll_state` value.
    pub(crate) fn start_poll(&self) -> u64 {
        let state = ((self.poll_state.load(Ordering::Relaxed) >> 1) + 1) << 1 | 1;
        self.poll_state.store(state, Ordering::Release);
        state
    }

    /// Worker: the poll ended. Moves the wakes buffered during the poll into `out` and returns
    /// `true` if the watchdog took the slot over meanwhile (the worker must then hand `out`
    /// and the process it polled to the injector, and call [`clear_replaced`](Self::clear_replaced)).
    pub(crate) fn finish_poll(&self, state: u64, out: &mut Vec<T>) -> bool {
        self.poll_state.store(state & !1, Ordering::Release);
        let mut wakes = self.wakes.lock();
        std::mem::swap(&mut *wakes, out);
        self.replaced.load(Ordering::Acquire)
    }

    /// Worker: it has handed everything over.
    pub(crate) fn clear_replaced(&self) {
        let _wakes = self.wakes.lock();
        self.replaced.store(false, Ordering::Release);
    }

    /// Waker: buffer `t` for the worker, or give it back if the slot was taken over (the caller
    /// then uses the injector).
    pub(crate) fn buffer(&self, t: T) -> Result<(), T> {
        let mut wakes = self.wakes.lock();
        if self.replaced.load(Ordering::Acquire) {
            return Err(t);
        }
        wakes.push(t);
        Ok(())
    }

    /// Watchdog: take the slot over if it is still in the poll whose state was `state`; the
    /// buffered wakes go to `inject`. Returns whether it took over.
    pub(crate) fn take_over(&self, state: u64, mut inject: impl FnMut(T)) -> bool {
        let mut wakes = self.wakes.lock();
        if self.poll_state.load(Ordering::Acquire) != state || self.replaced.load(Ordering::Acquire)
        {
            return false;
        }
        self.replaced.store(true, Ordering::Release);
        for t in wakes.drain(..) {
            inject(t);
        }
        true
    }

    /// Whether the watchdog has taken the slot over (and the worker has not yet handed over).
    pub(crate) fn is_replaced(&self) -> bool {
        self.replaced.load(Ordering::Acquire)
    }

    /// Drop everything buffered (shutdown).
    pub(crate) fn clear(&self) {
        self.wakes.lock().clear();
    }
}
