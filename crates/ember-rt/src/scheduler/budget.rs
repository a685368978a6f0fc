//! Reductions: the budget of one slice.
//!
//! A worker gives each poll of a process a budget (default 4000 reductions, the BEAM's
//! CONTEXT_REDS). Runtime operations charge it ([`charge`]); runtime awaits check it
//! ([`poll_proceed`]) and, once it is spent, wake the process and return `Pending`, so the
//! process goes to the back of the run queue at its next await — preemption at yield points,
//! the only kind that is sound in Rust (design note G1, G5).

use std::cell::Cell;
use std::task::{Context, Poll};

thread_local! {
    /// Reductions left in the current slice; `i64::MAX` outside a process poll.
    static LEFT: Cell<i64> = const { Cell::new(i64::MAX) };
    /// Reductions charged in the current slice.
    static USED: Cell<u64> = const { Cell::new(0) };
}

/// Start a slice with `budget` reductions.
pub(crate) fn start_slice(budget: u32) {
    LEFT.with(|l| l.set(i64::from(budget)));
    USED.with(|u| u.set(0));
}

/// End the slice; returns the reductions it used.
pub(crate) fn end_slice() -> u64 {
    LEFT.with(|l| l.set(i64::MAX));
    USED.with(|u| u.replace(0))
}

/// Charge `n` reductions to the running process (no-op outside a process).
#[inline]
pub(crate) fn charge(n: u32) {
    LEFT.with(|l| l.set(l.get().saturating_sub(i64::from(n))));
    USED.with(|u| u.set(u.get() + u64::from(n)));
}

/// Whether the slice's budget is spent.
#[inline]
pub(crate) fn exhausted() -> bool {
    LEFT.with(|l| l.get() <= 0)
}

/// At a runtime await: if the budget is spent, arrange to be polled again later (at the back of
/// the queue) and return `Pending`.
#[inline]
pub(crate) fn poll_proceed(cx: &mut Context<'_>) -> Poll<()> {
    if exhausted() {
        cx.waker().wake_by_ref();
        Poll::Pending
    } else {
        Poll::Ready(())
    }
}

/// Spend the rest of the slice, so the next runtime await yields.
pub(crate) fn exhaust() {
    LEFT.with(|l| {
        let left = l.get();
        if left > 0 && left != i64::MAX {
            USED.with(|u| u.set(u.get() + left as u64));
            l.set(0);
        }
    });
}

/// Reductions left in this slice (for `consume_timeslice`).
pub(crate) fn left() -> i64 {
    LEFT.with(|l| l.get())
}
