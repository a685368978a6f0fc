//! The one `std` ⇄ `loom` shim.
//!
//! Every atomic and lock used by the lock-protocol code of this crate comes from here, so that
//! `RUSTFLAGS="--cfg loom"` swaps them for loom's model-checked versions. `Arc` always comes from
//! `std` (loom's `Arc` cannot hold trait objects); what loom checks here is the protocol on the
//! atomics and locks, not reference counting.
//!
//! [`Mutex`] has `parking_lot`'s shape (no poisoning) in both builds: a panic inside a process
//! never happens while one of the runtime's locks is held, because the runtime never calls user
//! code under a lock.

#![allow(dead_code)]

#[cfg(loom)]
pub(crate) use loom::sync::atomic::fence;
#[cfg(not(loom))]
pub(crate) use std::sync::atomic::fence;

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{
    AtomicBool, AtomicI32, AtomicU8, AtomicU32, AtomicU64, AtomicUsize, Ordering,
};

/// A mutual-exclusion lock without poisoning.
#[cfg(not(loom))]
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(parking_lot::Mutex<T>);

#[cfg(not(loom))]
pub(crate) type MutexGuard<'a, T> = parking_lot::MutexGuard<'a, T>;

#[cfg(not(loom))]
impl<T> Mutex<T> {
    pub(crate) const fn new(value: T) -> Self {
        Mutex(parking_lot::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock()
    }

    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.0.try_lock()
    }
}

/// A mutual-exclusion lock without poisoning (loom build).
#[cfg(loom)]
#[derive(Debug, Default)]
pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

#[cfg(loom)]
pub(crate) type MutexGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

#[cfg(loom)]
impl<T> Mutex<T> {
    pub(crate) fn new(value: T) -> Self {
        Mutex(loom::sync::Mutex::new(value))
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, T> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.0.try_lock().ok()
    }
}

#[cfg(not(loom))]
pub(crate) use parking_lot::RwLock;
#[cfg(not(loom))]
pub(crate) use std::sync::{Weak, mpsc};

/// Thread parking with a wake-up token: crossbeam's parker, or a loom model of it.
#[cfg(not(loom))]
pub(crate) use crossbeam_utils::sync::{Parker, Unparker};

/// Thread parking with a wake-up token (loom build): `unpark` before `park` is not lost.
#[cfg(loom)]
pub(crate) struct Parker(std::sync::Arc<loom::sync::Notify>, Unparker);

/// The waking half of a [`Parker`] (loom build).
#[cfg(loom)]
#[derive(Clone)]
pub(crate) struct Unparker(std::sync::Arc<loom::sync::Notify>);

#[cfg(loom)]
impl Parker {
    pub(crate) fn new() -> Parker {
        let n = std::sync::Arc::new(loom::sync::Notify::new());
        Parker(n.clone(), Unparker(n))
    }

    pub(crate) fn unparker(&self) -> &Unparker {
        &self.1
    }

    pub(crate) fn park(&self) {
        self.0.wait();
    }
}

#[cfg(loom)]
impl Unparker {
    pub(crate) fn unpark(&self) {
        self.0.notify();
    }
}
