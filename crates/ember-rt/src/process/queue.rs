//! The shared half of a process inbox: an ordered multi-producer queue with a waker slot.
//!
//! Written by hand because no crate gives the three things the inbox needs at once: strict FIFO
//! across all senders (per-pair order follows from it), a way for the receiver to take *every*
//! pending item in one step (it moves them to its private save queue, where selective receive
//! scans them without touching the lock again), and an atomic "close" at process death that
//! makes later sends drop their message. A `Mutex<VecDeque>` does it with one uncontended lock
//! per send; the receiver swaps the whole deque out, so it takes the lock once per batch.
//!
//! Invariants:
//! - Items come out in the order their `push` took the lock.
//! - After `close`, `push` fails and hands the item back; nothing is delivered after death.
//! - A waker registered by `poll_take` is woken by the first `push` that follows it, so a
//!   receiver that saw an empty queue cannot sleep through a send (checked with loom).

use std::collections::VecDeque;
use std::task::{Context, Poll, Waker};

use crate::sync::{AtomicU32, Mutex, Ordering};

#[derive(Debug)]
struct Inner<T> {
    items: VecDeque<T>,
    waker: Option<Waker>,
    closed: bool,
}

/// An ordered MPSC queue with one registered waker.
#[derive(Debug)]
pub(crate) struct Queue<T> {
    inner: Mutex<Inner<T>>,
    /// Items in the shared half (written under the lock).
    len: AtomicU32,
    /// Items the owner holds in its save queue (written by the owner), for introspection.
    saved: AtomicU32,
}

impl<T> Queue<T> {
    pub(crate) fn new() -> Self {
        Queue {
            inner: Mutex::new(Inner {
                items: VecDeque::new(),
                waker: None,
                closed: false,
            }),
            len: AtomicU32::new(0),
            saved: AtomicU32::new(0),
        }
    }

    /// Append an item; wakes the receiver if it is waiting. Fails once the queue is closed.
    pub(crate) fn push(&self, item: T) -> Result<(), T> {
        self.push_if(item, || true)
    }

    /// Append an item if `allowed()` — evaluated under the queue's lock — says so. Used for
    /// sends: the sender's liveness is checked under the receiver's inbox lock, the lock its
    /// `Down` and `Exit` deliveries take too, so no message of a dead sender can land after
    /// the notice of its death.
    pub(crate) fn push_if(&self, item: T, allowed: impl FnOnce() -> bool) -> Result<(), T> {
        let waker = {
            let mut inner = self.inner.lock();
            if inner.closed || !allowed() {
                return Err(item);
            }
            inner.items.push_back(item);
            self.len.store(count(inner.items.len()), Ordering::Relaxed);
            inner.waker.take()
        };
        if let Some(w) = waker {
            w.wake();
        }
        Ok(())
    }

    /// Move every pending item to the back of `dst`. Returns how many were moved.
    pub(crate) fn take_all(&self, dst: &mut VecDeque<T>) -> usize {
        let mut inner = self.inner.lock();
        let n = inner.items.len();
        if n == 0 {
            return 0;
        }
        if dst.is_empty() {
            std::mem::swap(dst, &mut inner.items);
        } else {
            dst.extend(inner.items.drain(..));
        }
        self.len.store(0, Ordering::Relaxed);
        n
    }

    /// Like [`take_all`](Self::take_all), but when nothing is pending, register the task's
    /// waker and return `Pending`. Returns `Ready(n)` with `n > 0` otherwise.
    pub(crate) fn poll_take(&self, dst: &mut VecDeque<T>, cx: &mut Context<'_>) -> Poll<usize> {
        let mut inner = self.inner.lock();
        let n = inner.items.len();
        if n == 0 {
            match &inner.waker {
                Some(w) if w.will_wake(cx.waker()) => {}
                _ => inner.waker = Some(cx.waker().clone()),
            }
            return Poll::Pending;
        }
        if dst.is_empty() {
            std::mem::swap(dst, &mut inner.items);
        } else {
            dst.extend(inner.items.drain(..));
        }
        self.len.store(0, Ordering::Relaxed);
        Poll::Ready(n)
    }

    /// Close the queue and return what was still in it (to be dropped outside the lock).
    pub(crate) fn close(&self) -> VecDeque<T> {
        let mut inner = self.inner.lock();
        inner.closed = true;
        inner.waker = None;
        self.len.store(0, Ordering::Relaxed);
        std::mem::take(&mut inner.items)
    }

    /// Items pending in the shared half (a snapshot).
    pub(crate) fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed) as usize
    }

    /// The owner reports how many items its save queue holds.
    pub(crate) fn set_saved(&self, n: usize) {
        self.saved.store(count(n), Ordering::Relaxed);
    }

    /// Items waiting in both halves (a snapshot).
    pub(crate) fn total(&self) -> usize {
        self.len() + self.saved.load(Ordering::Relaxed) as usize
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
