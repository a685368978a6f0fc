//! Process identifiers and references.
//!
//! A [`Pid`] is a cheap `Copy` value: node id, the creation number of the runtime that spawned
//! the process, and a 64-bit serial that is never reused within a runtime, so a stale copy can
//! never reach a newer process. It prints like Erlang's `<0.83.0>`.
//!
//! `Pid<M>` is *typed*: it only accepts messages of type `M`, checked at compile time. The
//! untyped `Pid` (= `Pid<Untyped>`) names a process without saying what it receives; it serves
//! links, monitors, exit signals, the registry and introspection, because those are about
//! processes, not messages. `Pid<M>` → `Pid` is free ([`Pid::untyped`]); `Pid` → `Pid<M>` is
//! checked against the process's declared message type ([`Pid::typed`]).

use std::any::TypeId;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

use crate::sync::{AtomicU64, Ordering};

/// Marker for an untyped process id: `Pid<Untyped>` is written `Pid`.
///
/// It has no values, so an untyped pid cannot be sent a typed message by mistake; use
/// [`Pid::send_dyn`] for the checked dynamic path.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let typed = ember_rt::spawn(|mut mb: ember_rt::Mailbox<u8>| async move { mb.recv().await; });
/// let untyped: ember_rt::Pid<ember_rt::Untyped> = typed.untyped();
/// // Erlang lets `Pid ! Anything` through; here that is the checked `send_dyn`.
/// assert!(untyped.send_dyn(1u8).is_ok());
/// assert!(untyped.send_dyn("one").is_err());
/// # }).unwrap();
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Untyped {}

/// The raw parts of a process id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct RawPid {
    pub(crate) node: u32,
    pub(crate) creation: u32,
    pub(crate) serial: u64,
}

/// A process identifier. `Pid` alone is untyped; `Pid<M>` accepts messages of type `M`.
///
/// Erlang: `pid()`. Printing gives `<Node.Number.Serial>`:
///
/// ```
/// let rt = ember_rt::Runtime::new().unwrap();
/// let pid = rt.block_on(async { ember_rt::self_pid() }).unwrap();
/// assert!(pid.to_string().starts_with("<0."));
/// ```
pub struct Pid<M = Untyped> {
    pub(crate) raw: RawPid,
    _msg: PhantomData<fn(M)>,
}

impl<M> Pid<M> {
    pub(crate) const fn from_raw(raw: RawPid) -> Self {
        Pid {
            raw,
            _msg: PhantomData,
        }
    }

    /// Forget the message type: the untyped id of the same process.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let typed: ember_rt::Pid<u32> = ember_rt::spawn(|_mb: ember_rt::Mailbox<u32>| async {});
    /// let untyped: ember_rt::Pid = typed.untyped();
    /// assert_eq!(untyped, typed.untyped());
    /// # }).unwrap();
    /// ```
    pub const fn untyped(self) -> Pid {
        Pid::from_raw(self.raw)
    }

    /// The node this process lives on; 0 is the local node.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// let me = rt.block_on(async { ember_rt::self_pid() }).unwrap();
    /// assert_eq!(me.node(), 0);
    /// ```
    pub const fn node(self) -> u32 {
        self.raw.node
    }

    /// Whether the process is alive right now (Erlang `is_process_alive/1`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.block_on(async {
    ///     assert!(ember_rt::self_pid().is_alive());
    /// }).unwrap();
    /// ```
    pub fn is_alive(self) -> bool {
        crate::runtime::lookup(self.raw).is_some_and(|p| p.is_alive())
    }
}

impl Pid {
    /// Check that the process receives messages of type `M` and return a typed handle.
    ///
    /// Fails with [`TypeError::NoProc`](crate::TypeError::NoProc) if the process is not alive
    /// and [`TypeError::Mismatch`](crate::TypeError::Mismatch) if it receives another type.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let pid = ember_rt::spawn(|mut mb: ember_rt::Mailbox<String>| async move {
    ///     mb.recv().await;
    /// }).untyped();
    /// assert!(pid.typed::<String>().is_ok());
    /// assert!(pid.typed::<u64>().is_err());
    /// # }).unwrap();
    /// ```
    pub fn typed<M: Send + 'static>(self) -> Result<Pid<M>, crate::TypeError> {
        let pcb = crate::runtime::lookup(self.raw).ok_or(crate::TypeError::NoProc)?;
        if pcb.msg_type() == TypeId::of::<M>() {
            Ok(Pid::from_raw(self.raw))
        } else {
            Err(crate::TypeError::Mismatch {
                expected: pcb.msg_type_name(),
                found: std::any::type_name::<M>(),
            })
        }
    }
}

impl<M> Clone for Pid<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Pid<M> {}

impl<M, N> PartialEq<Pid<N>> for Pid<M> {
    fn eq(&self, other: &Pid<N>) -> bool {
        self.raw == other.raw
    }
}
impl<M> Eq for Pid<M> {}

impl<M> Hash for Pid<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.raw.hash(state);
    }
}

impl<M> PartialOrd for Pid<M> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<M> Ord for Pid<M> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.raw.cmp(&other.raw)
    }
}

impl<M> fmt::Display for Pid<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let number = self.raw.serial & 0xFFFF_FFFF;
        let serial = self.raw.serial >> 32;
        write!(f, "<{}.{}.{}>", self.raw.node, number, serial)
    }
}

impl<M> fmt::Debug for Pid<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A unique reference (Erlang `make_ref/0`): monitor references, call tags, timer references.
///
/// ```
/// let a = ember_rt::Ref::new();
/// let b = ember_rt::Ref::new();
/// assert_ne!(a, b);
/// assert!(a.to_string().starts_with("#Ref<"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ref(u64);

static NEXT_REF: AtomicU64 = AtomicU64::new(1);

impl Ref {
    /// A new reference, unique in this OS process.
    ///
    /// ```
    /// // Erlang: make_ref()
    /// let r = ember_rt::Ref::new();
    /// let copy = r;
    /// assert_eq!(copy, r);
    /// assert_ne!(r, ember_rt::Ref::new());
    /// ```
    #[allow(clippy::new_without_default)]
    pub fn new() -> Ref {
        Ref(NEXT_REF.fetch_add(1, Ordering::Relaxed))
    }
}

impl fmt::Display for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#Ref<0.{}>", self.0)
    }
}

impl fmt::Debug for Ref {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
