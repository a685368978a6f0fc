//! Timers: `send_after`, `send_interval`, `cancel_timer`, `read_timer`, `sleep`, and the
//! [`Timeout`] of a receive.
//!
//! Timers run on the IO/timer driver (tokio's timer wheel on the driver thread), never on a
//! worker, so they fire even when every worker is busy. Invariants:
//! - A timer fires at most once (interval: until cancelled); `cancel_timer` and firing race
//!   through one CAS, so `cancel_timer` returns the time left exactly when the message will not
//!   be delivered, and `None` when it was (or will be) delivered or was cancelled before.
//! - A timer aimed at a pid is owned by that process: when it exits, its timers are cancelled
//!   (Erlang: `read_timer` then gives `false`). A timer aimed at a name resolves the name when
//!   it fires and drops the message if nobody has it then.
//! - `cancel_timer` does not remove a message already delivered.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::AbortHandle;

use crate::pid::RawPid;
use crate::process::message::Inbox;
use crate::process::{Message, Pcb};
use crate::runtime::{RtInner, expect_rt, lookup};
use crate::scheduler::budget;
use crate::sync::{AtomicU8, Mutex, Ordering};
use crate::{InvalidTimeout, Name, Pid, Ref};

/// How long a receive waits (Erlang `after T` / `infinity`).
///
/// ```
/// use ember_rt::Timeout;
/// use std::time::Duration;
/// assert_eq!(Timeout::from(Duration::from_millis(5)), Timeout::After(Duration::from_millis(5)));
/// assert!(Timeout::millis(-1).is_err());
/// assert!(Timeout::millis(4_294_967_296).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timeout {
    /// Wait forever.
    Infinity,
    /// Wait at most this long; zero only looks at what is already there.
    After(Duration),
}

impl Timeout {
    /// A timeout in milliseconds with Erlang's range check (`0..=4294967295`).
    ///
    /// ```
    /// use ember_rt::Timeout;
    /// use std::time::Duration;
    /// // Erlang: receive ... after 100 -> ... end
    /// assert_eq!(Timeout::millis(100), Ok(Timeout::After(Duration::from_millis(100))));
    /// assert!(Timeout::millis(4_294_967_295).is_ok());
    /// assert!(Timeout::millis(-5).is_err());
    /// ```
    pub fn millis(ms: i64) -> Result<Timeout, InvalidTimeout> {
        if (0..=i64::from(u32::MAX)).contains(&ms) {
            Ok(Timeout::After(Duration::from_millis(ms as u64)))
        } else {
            Err(InvalidTimeout {
                millis: i128::from(ms),
            })
        }
    }

    /// The deadline when starting at `now`; `None` for infinity (or a deadline past the
    /// representable range, which is the same thing in practice).
    pub(crate) fn deadline(self, now: Instant) -> Option<Instant> {
        match self {
            Timeout::Infinity => None,
            Timeout::After(d) => now.checked_add(d),
        }
    }
}

impl From<Duration> for Timeout {
    fn from(d: Duration) -> Timeout {
        Timeout::After(d)
    }
}

const PENDING: u8 = 0;
const FIRED: u8 = 1;
const CANCELLED: u8 = 2;
/// An interval is delivering a tick; `cancel` waits for it to finish.
const TICKING: u8 = 3;

/// Shared state of one timer.
pub(crate) struct TimerEntry {
    reference: Ref,
    deadline: Mutex<Instant>,
    state: AtomicU8,
    interval: bool,
    abort: Mutex<Option<AbortHandle>>,
    /// The destination process, whose timer list holds this entry.
    owner: Option<RawPid>,
}

impl TimerEntry {
    /// Cancel; returns the time that was left if the timer was still pending. Once it has
    /// returned, no message of this timer is delivered any more (an interval tick being
    /// delivered at that moment is waited for: a push into an inbox, microseconds at most).
    pub(crate) fn cancel(&self) -> Option<Duration> {
        loop {
            match self.state.compare_exchange(
                PENDING,
                CANCELLED,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => break,
                Err(TICKING) => std::hint::spin_loop(),
                Err(_) => return None,
            }
        }
        if let Some(a) = self.abort.lock().take() {
            a.abort();
        }
        Some(
            self.deadline
                .lock()
                .saturating_duration_since(Instant::now()),
        )
    }

    fn remaining(&self) -> Option<Duration> {
        (self.state.load(Ordering::Acquire) == PENDING).then(|| {
            self.deadline
                .lock()
                .saturating_duration_since(Instant::now())
        })
    }

    /// One-shot timers: win the right to deliver.
    fn fire(&self) -> bool {
        self.state
            .compare_exchange(PENDING, FIRED, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    fn is_pending(&self) -> bool {
        self.state.load(Ordering::Acquire) == PENDING
    }

    /// Intervals: deliver one tick unless cancelled, atomically with respect to `cancel`.
    fn tick(&self, deliver: impl FnOnce()) -> bool {
        if self
            .state
            .compare_exchange(PENDING, TICKING, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        deliver();
        self.state.store(PENDING, Ordering::Release);
        true
    }
}

/// A running timer (Erlang `TRef`), returned by [`send_after`] and friends.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use std::time::Duration;
/// let me: ember_rt::Pid<u8> = ember_rt::spawn(|mut mb: ember_rt::Mailbox<u8>| async move { mb.recv().await; });
/// let t = ember_rt::send_after(Duration::from_secs(10), me, 1);
/// assert!(ember_rt::cancel_timer(&t).is_some());
/// assert!(ember_rt::cancel_timer(&t).is_none());
/// # }).unwrap();
/// ```
#[derive(Clone)]
pub struct TimerRef(Arc<TimerEntry>);

impl TimerRef {
    /// The timer's unique reference.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mb: ember_rt::Mailbox<u8>| async move {
    ///     // Erlang: TRef = erlang:send_after(10000, self(), 1)
    ///     let t = ember_rt::send_after(std::time::Duration::from_secs(10), mb.pid(), 1);
    ///     assert_eq!(t.clone().reference(), t.reference());
    ///     assert_eq!(format!("{t:?}"), format!("TimerRef({})", t.reference()));
    ///     ember_rt::cancel_timer(&t);
    /// }).unwrap();
    /// ```
    pub fn reference(&self) -> Ref {
        self.0.reference
    }
}

impl PartialEq for TimerRef {
    fn eq(&self, other: &Self) -> bool {
        self.0.reference == other.0.reference
    }
}
impl Eq for TimerRef {}

impl fmt::Debug for TimerRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TimerRef({})", self.0.reference)
    }
}

enum Dest {
    Pid(RawPid),
    Name(Name),
}

fn new_entry(after: Duration, interval: bool, dest: &Dest) -> Arc<TimerEntry> {
    let now = Instant::now();
    Arc::new(TimerEntry {
        reference: Ref::new(),
        deadline: Mutex::new(
            now.checked_add(after)
                .unwrap_or(now + Duration::from_secs(u32::MAX as u64)),
        ),
        state: AtomicU8::new(PENDING),
        interval,
        abort: Mutex::new(None),
        owner: match dest {
            Dest::Pid(pid) => Some(*pid),
            Dest::Name(_) => None,
        },
    })
}

/// Attach the timer to its destination process; a dead destination cancels it at once.
fn attach(entry: &Arc<TimerEntry>, dest: &Dest) -> Option<Arc<Pcb>> {
    let Dest::Pid(pid) = dest else { return None };
    let pcb = lookup(*pid);
    match &pcb {
        Some(p) => {
            let mut st = p.state.lock();
            if p.is_alive() {
                st.timers.push(entry.clone());
            } else {
                entry.cancel();
            }
        }
        None => {
            entry.cancel();
        }
    }
    pcb
}

fn detach(entry: &TimerEntry, dest: &Dest) {
    if let Dest::Pid(pid) = dest {
        if let Some(p) = lookup(*pid) {
            p.state
                .lock()
                .timers
                .retain(|t| t.reference != entry.reference);
        }
    }
}

fn deliver<M: Send + 'static>(rt: &RtInner, dest: &Dest, msg: M) {
    let pcb = match dest {
        Dest::Pid(pid) => lookup(*pid),
        Dest::Name(name) => rt.registry.whereis(name).and_then(lookup),
    };
    let Some(pcb) = pcb else { return };
    if let Some(inbox) = pcb.inbox.as_any().downcast_ref::<Inbox<M>>() {
        let _ = inbox.push(Message::User(msg));
    } else {
        tracing::warn!(
            target: "ember::timer",
            expected = pcb.msg_type_name(),
            found = std::any::type_name::<M>(),
            "timer message dropped: the destination receives another type"
        );
    }
}

fn start_timer<M: Send + 'static>(
    rt: Arc<RtInner>,
    after: Duration,
    dest: Dest,
    make: impl FnMut() -> M + Send + 'static,
    interval: bool,
) -> TimerRef {
    budget::charge(2);
    let entry = new_entry(after, interval, &dest);
    attach(&entry, &dest);
    if !entry.is_pending() {
        return TimerRef(entry);
    }
    let task_entry = entry.clone();
    let deadline = *entry.deadline.lock();
    let rt2 = rt.clone();
    let mut make = make;
    let handle = rt.driver.spawn(async move {
        let entry = task_entry;
        let mut at = deadline;
        loop {
            tokio::time::sleep_until(at.into()).await;
            if !entry.interval {
                if entry.fire() {
                    deliver(&rt2, &dest, make());
                    detach(&entry, &dest);
                }
                return;
            }
            if !entry.tick(|| deliver(&rt2, &dest, make())) {
                return;
            }
            at += after.max(Duration::from_millis(1));
            *entry.deadline.lock() = at;
        }
    });
    *entry.abort.lock() = Some(handle.abort_handle());
    // A cancel that raced with the spawn could not abort the task yet: do it now.
    if !entry.is_pending() {
        handle.abort();
    }
    TimerRef(entry)
}

fn rt_of(pid: RawPid) -> Arc<RtInner> {
    lookup(pid)
        .map(|p| p.rt.clone())
        .unwrap_or_else(|| expect_rt("send_after"))
}

/// Deliver `msg` to `dest` after `after` (Erlang `erlang:send_after/3`). The timer dies with
/// `dest`.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<&'static str>| async move {
///     ember_rt::send_after(std::time::Duration::from_millis(5), mb.pid(), "tick");
///     assert_eq!(mb.recv().await, "tick");
/// }).unwrap();
/// ```
pub fn send_after<M: Send + 'static>(after: Duration, dest: Pid<M>, msg: M) -> TimerRef {
    let mut msg = Some(msg);
    start_timer(
        rt_of(dest.raw),
        after,
        Dest::Pid(dest.raw),
        move || msg.take().expect("fires once"),
        false,
    )
}

/// Deliver `msg` to whoever is registered as `name` when the timer fires; dropped if nobody
/// is (Erlang `send_after/3` with an atom).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::send_after_named(std::time::Duration::from_millis(1), "nobody", 1u8);
/// # }).unwrap();
/// ```
pub fn send_after_named<T: Send + 'static>(
    after: Duration,
    name: impl Into<Name>,
    msg: T,
) -> TimerRef {
    let mut msg = Some(msg);
    start_timer(
        expect_rt("send_after_named"),
        after,
        Dest::Name(name.into()),
        move || msg.take().expect("fires once"),
        false,
    )
}

/// Deliver a clone of `msg` to `dest` every `every`, until cancelled or `dest` exits (Erlang
/// `timer:send_interval/3`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
///     let t = ember_rt::send_interval(std::time::Duration::from_millis(2), mb.pid(), 7);
///     assert_eq!(mb.recv().await, 7);
///     assert_eq!(mb.recv().await, 7);
///     ember_rt::cancel_timer(&t);
/// }).unwrap();
/// ```
pub fn send_interval<M: Clone + Send + 'static>(every: Duration, dest: Pid<M>, msg: M) -> TimerRef {
    start_timer(
        rt_of(dest.raw),
        every,
        Dest::Pid(dest.raw),
        move || msg.clone(),
        true,
    )
}

/// Deliver `make()` to `dest` every `every`, until cancelled or `dest` exits: like
/// [`send_interval`] for messages that are not `Clone` (e.g. ones carrying a reply channel).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// rt.run(|mut mb: ember_rt::Mailbox<u32>| async move {
///     let mut n = 0;
///     let t = ember_rt::send_interval_with(std::time::Duration::from_millis(2), mb.pid(), move || { n += 1; n });
///     assert_eq!(mb.recv().await, 1);
///     assert_eq!(mb.recv().await, 2);
///     ember_rt::cancel_timer(&t);
/// }).unwrap();
/// ```
pub fn send_interval_with<M: Send + 'static>(
    every: Duration,
    dest: Pid<M>,
    make: impl FnMut() -> M + Send + 'static,
) -> TimerRef {
    start_timer(rt_of(dest.raw), every, Dest::Pid(dest.raw), make, true)
}

/// Cancel a timer (Erlang `erlang:cancel_timer/1`): the time that was left, or `None` if it
/// had already fired or been cancelled. A message already delivered stays in the mailbox.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p: ember_rt::Pid<()> = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// let t = ember_rt::send_after(std::time::Duration::from_millis(100), p, ());
/// let left = ember_rt::cancel_timer(&t).unwrap();
/// assert!(left <= std::time::Duration::from_millis(100));
/// # }).unwrap();
/// ```
pub fn cancel_timer(timer: &TimerRef) -> Option<Duration> {
    budget::charge(2);
    let left = timer.0.cancel();
    // Leave the destination's timer list, so a process that keeps arming and cancelling
    // timers (an idle timeout) does not accumulate them.
    if let Some(owner) = timer.0.owner {
        detach(&timer.0, &Dest::Pid(owner));
    }
    left
}

/// The time left on a timer, or `None` if it fired or was cancelled (Erlang `read_timer/1`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let p: ember_rt::Pid<()> = ember_rt::spawn(|mut mb: ember_rt::Mailbox<()>| async move { mb.recv().await });
/// let t = ember_rt::send_after(std::time::Duration::from_secs(1), p, ());
/// assert!(ember_rt::read_timer(&t).is_some());
/// # }).unwrap();
/// ```
pub fn read_timer(timer: &TimerRef) -> Option<Duration> {
    timer.0.remaining()
}

/// Suspend the calling process for `d` (Erlang `timer:sleep/1`); other processes run
/// meanwhile. Messages arriving meanwhile stay queued.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// ember_rt::sleep(std::time::Duration::from_millis(1)).await;
/// # }).unwrap();
/// ```
pub async fn sleep(d: Duration) {
    budget::charge(1);
    tokio::time::sleep(d).await
}
