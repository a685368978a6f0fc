//! The two `unsafe` pieces of the process machinery, fenced here.
//!
//! - [`FutureCell`]: the slot holding a process's future. It needs no lock because the
//!   scheduling state machine already makes access exclusive: only the thread that won
//!   SCHEDULED → RUNNING (`SchedState::start_run`) touches it, until it gives RUNNING up; and at
//!   shutdown, only after winning `SchedState::claim` (IDLE/SCHEDULED → DONE).
//! - [`WakerRef`]: a `Waker` for the process being polled that borrows the worker's
//!   `Arc<Pcb>` instead of cloning it (one atomic increment and decrement less per poll, as
//!   tokio does). Cloning it produces an ordinary owned waker.
//!
//! (The third `unsafe` spot of the crate, besides `scheduler::os`, is `context`: the current
//! process is a pointer to the worker's handle, borrowed for the length of a poll.)
//!
//! Both are exercised by every test of the crate; run them under Miri with
//! `cargo +nightly miri test -p ember-rt --lib` where a nightly toolchain exists.

use std::cell::UnsafeCell;
use std::marker::PhantomData;
use std::mem::ManuallyDrop;
use std::sync::Arc;
use std::task::{RawWaker, RawWakerVTable, Waker};

use super::pcb::{BoxFuture, Pcb};

/// The future of a process; see the module docs for the ownership rule.
pub(crate) struct FutureCell(UnsafeCell<Option<BoxFuture>>);

// SAFETY: the cell is only accessed by the one thread that owns the process's RUNNING state
// (or has claimed it for dropping), so sharing the cell between threads never gives two
// threads access at once; the future itself is `Send`.
unsafe impl Sync for FutureCell {}

impl FutureCell {
    pub(crate) fn new(fut: BoxFuture) -> FutureCell {
        FutureCell(UnsafeCell::new(Some(fut)))
    }

    /// Access the future.
    ///
    /// # Safety
    /// The caller must own the process's RUNNING state (it won `start_run` and has not yet
    /// called `end_run`/`finish`), or have won `claim`; no other reference to the slot may
    /// exist while the returned one lives.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut(&self) -> &mut Option<BoxFuture> {
        // SAFETY: exclusivity is the caller's obligation, stated above.
        unsafe { &mut *self.0.get() }
    }
}

/// A borrowed waker for the process being polled.
pub(crate) struct WakerRef<'a> {
    waker: ManuallyDrop<Waker>,
    _pcb: PhantomData<&'a Arc<Pcb>>,
}

impl<'a> WakerRef<'a> {
    pub(crate) fn new(pcb: &'a Arc<Pcb>) -> WakerRef<'a> {
        let ptr = Arc::as_ptr(pcb) as *const ();
        // SAFETY: `ptr` comes from a live `Arc<Pcb>` that outlives `'a`; the vtable below treats
        // it as such. The waker is never dropped (ManuallyDrop), so it never decrements a
        // count it did not increment; clones increment first.
        let waker = unsafe { Waker::from_raw(RawWaker::new(ptr, &VTABLE)) };
        WakerRef {
            waker: ManuallyDrop::new(waker),
            _pcb: PhantomData,
        }
    }

    pub(crate) fn get(&self) -> &Waker {
        &self.waker
    }
}

static VTABLE: RawWakerVTable = RawWakerVTable::new(clone, wake, wake_by_ref, drop_waker);

unsafe fn clone(ptr: *const ()) -> RawWaker {
    // SAFETY: `ptr` is an `Arc<Pcb>` pointer kept alive by the borrowed or owned waker we are
    // cloning from; the new waker owns the count added here.
    unsafe { Arc::increment_strong_count(ptr as *const Pcb) };
    RawWaker::new(ptr, &VTABLE)
}

unsafe fn wake(ptr: *const ()) {
    // SAFETY: only owned wakers (made by `clone`) are consumed by `wake`; this takes over the
    // count that `clone` added.
    let pcb = unsafe { Arc::from_raw(ptr as *const Pcb) };
    pcb.schedule();
}

unsafe fn wake_by_ref(ptr: *const ()) {
    // SAFETY: the waker (owned or borrowed) keeps the `Arc` alive while we use it; ManuallyDrop
    // keeps us from releasing a count we do not own.
    let pcb = ManuallyDrop::new(unsafe { Arc::from_raw(ptr as *const Pcb) });
    pcb.schedule();
}

unsafe fn drop_waker(ptr: *const ()) {
    // SAFETY: only owned wakers (made by `clone`) are dropped; this releases their count.
    drop(unsafe { Arc::from_raw(ptr as *const Pcb) });
}
