//! The receiving side of a process's inbox: selective receive with timeouts.
//!
//! A [`Mailbox`] is owned by its process (it is handed to the body at spawn and is not `Clone`).
//! It has two halves: the shared queue that senders append to, and a private *save queue* of
//! messages already taken from the shared queue but not yet matched. A receive scans the save
//! queue from the oldest message, then moves everything newly arrived to its back in one lock
//! and goes on scanning there — so a message that does not match stays exactly where it was,
//! and each message is looked at once per receive (Erlang's save pointer).
//!
//! Costs: one reduction per receive plus one per message scanned. A receive whose slice budget
//! is spent yields first (the process goes to the back of the run queue).
//!
//! After the process is logically dead (killed while running), every receive stays pending
//! forever, so the code after it never runs; the worker drops the future at that yield point.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use super::context;
use super::message::{Inbox, Message};
use crate::pid::RawPid;
use crate::scheduler::budget;
use crate::time::Timeout;
use crate::{Pid, Ref};

/// The mailbox of a process that receives messages of type `M`.
///
/// Erlang: the implicit mailbox of `receive`. Elixir: `receive do ... after ... end`.
///
/// ```
/// use ember_rt::{Mailbox, Message, Runtime};
/// use std::time::Duration;
/// let rt = Runtime::new().unwrap();
/// rt.run(|mut mb: Mailbox<u32>| async move {
///     let me = mb.pid();
///     me.send(1);
///     me.send(2);
///     // Selective receive: take the first even number, leave the rest in order.
///     let two = mb.receive(|m| matches!(m, Message::User(n) if n % 2 == 0)).await;
///     assert!(matches!(two, Message::User(2)));
///     assert_eq!(mb.recv().await, 1);
///     // `after`: nothing arrives within 10 ms.
///     assert_eq!(mb.recv_timeout(Duration::from_millis(10)).await, None);
/// }).unwrap();
/// ```
pub struct Mailbox<M> {
    pid: RawPid,
    inbox: Arc<Inbox<M>>,
    save: VecDeque<Message<M>>,
}

impl<M: Send + 'static> Mailbox<M> {
    pub(crate) fn new(pid: RawPid, inbox: Arc<Inbox<M>>) -> Mailbox<M> {
        Mailbox {
            pid,
            inbox,
            save: VecDeque::new(),
        }
    }

    /// The typed pid of this mailbox's process (`self()`, typed).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mb: ember_rt::Mailbox<u8>| async move {
    ///     // Erlang: self()
    ///     assert_eq!(mb.pid(), ember_rt::self_pid());
    /// }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid<M> {
        Pid::from_raw(self.pid)
    }

    /// Messages waiting (Erlang `message_queue_len`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
    ///     mb.pid().send(1);
    ///     mb.pid().send(2);
    ///     // Erlang: process_info(self(), message_queue_len)
    ///     assert_eq!(mb.len(), 2);
    ///     mb.recv().await;
    ///     assert_eq!(mb.len(), 1);
    /// }).unwrap();
    /// ```
    pub fn len(&self) -> usize {
        self.save.len() + self.inbox.len()
    }

    /// Whether no message is waiting.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mb: ember_rt::Mailbox<u8>| async move {
    ///     assert!(mb.is_empty());
    ///     mb.pid().send(1);
    ///     assert!(!mb.is_empty());
    /// }).unwrap();
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The next user message, in order; exits and downs stay queued.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::Mailbox;
    /// rt.run(|mut mb: Mailbox<String>| async move {
    ///     let me = mb.pid();
    ///     ember_rt::spawn(move |_: Mailbox<()>| async move { me.send("hi".to_string()) });
    ///     // Erlang: receive Msg -> Msg end
    ///     assert_eq!(mb.recv().await, "hi");
    /// }).unwrap();
    /// ```
    pub fn recv(&mut self) -> impl Future<Output = M> + Send + '_ {
        Receive::new(self, is_user::<M>, Timeout::Infinity, |m| match m {
            Some(Message::User(m)) => m,
            _ => unreachable!("an infinite receive of user messages returns one"),
        })
    }

    /// The next user message, or `None` if none arrives within `timeout` (Erlang `after`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use std::time::Duration;
    /// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
    ///     // Erlang: receive Msg -> Msg after 10 -> timeout end
    ///     assert_eq!(mb.recv_timeout(Duration::from_millis(10)).await, None);
    ///     mb.pid().send(5);
    ///     assert_eq!(mb.recv_timeout(Duration::from_secs(10)).await, Some(5));
    /// }).unwrap();
    /// ```
    pub fn recv_timeout(
        &mut self,
        timeout: impl Into<Timeout>,
    ) -> impl Future<Output = Option<M>> + Send + '_ {
        Receive::new(self, is_user::<M>, timeout.into(), |m| {
            m.and_then(Message::into_user)
        })
    }

    /// The next message of any kind (user, exit, down), in arrival order.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::{ExitReason, Mailbox, Message};
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     ember_rt::trap_exit(true); // Erlang: process_flag(trap_exit, true)
    ///     let child = ember_rt::spawn_link(|_: Mailbox<()>| async { ExitReason::atom("bye") });
    ///     // Erlang: receive {'EXIT', Child, Reason} -> Reason end
    ///     let Message::Exit(e) = mb.recv_any().await else { panic!("expected an exit") };
    ///     assert_eq!((e.from, e.reason), (child.untyped(), ExitReason::atom("bye")));
    /// }).unwrap();
    /// ```
    pub fn recv_any(&mut self) -> impl Future<Output = Message<M>> + Send + '_ {
        Receive::new(
            self,
            |_: &Message<M>| true,
            Timeout::Infinity,
            expect_message::<M>,
        )
    }

    /// The next message of any kind, or `None` after `timeout`.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::{Mailbox, Message};
    /// use std::time::Duration;
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     assert!(mb.recv_any_timeout(Duration::from_millis(10)).await.is_none());
    ///     let (_pid, mref) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
    ///     // Erlang: receive {'DOWN', _, _, _, _} = D -> D after 10000 -> timeout end
    ///     let got = mb.recv_any_timeout(Duration::from_secs(10)).await;
    ///     assert!(matches!(got, Some(Message::Down(d)) if d.reference == mref));
    /// }).unwrap();
    /// ```
    pub fn recv_any_timeout(
        &mut self,
        timeout: impl Into<Timeout>,
    ) -> impl Future<Output = Option<Message<M>>> + Send + '_ {
        Receive::new(self, |_: &Message<M>| true, timeout.into(), |m| m)
    }

    /// Selective receive: the oldest message for which `pick` returns `true`. The others stay
    /// in the mailbox, in order.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::{Mailbox, Message};
    /// rt.run(|mut mb: Mailbox<u8>| async move {
    ///     mb.pid().send(1);
    ///     let (_pid, mref) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
    ///     // Erlang: receive {'DOWN', MRef, process, _, _} = D -> D end
    ///     let down = mb
    ///         .receive(move |m| matches!(m, Message::Down(d) if d.reference == mref))
    ///         .await;
    ///     assert!(matches!(down, Message::Down(_)));
    ///     assert_eq!(mb.recv().await, 1); // skipped, so still there
    /// }).unwrap();
    /// ```
    pub fn receive<'a, F>(&'a mut self, pick: F) -> impl Future<Output = Message<M>> + Send + 'a
    where
        F: FnMut(&Message<M>) -> bool + Send + 'a,
    {
        Receive::new(self, pick, Timeout::Infinity, expect_message::<M>)
    }

    /// Selective receive with `after`: `None` if no matching message arrives within `timeout`.
    /// The clock starts when the receive starts; non-matching arrivals do not reset it. A zero
    /// timeout only looks at what is already there.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::Message;
    /// use std::time::Duration;
    /// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
    ///     mb.pid().send(1);
    ///     // Erlang: receive 2 -> two after 10 -> timeout end
    ///     let two = |m: &Message<u8>| matches!(m, Message::User(2));
    ///     let got = mb.receive_timeout(two, Duration::from_millis(10)).await;
    ///     assert!(got.is_none());
    ///     assert_eq!(mb.len(), 1); // the 1 stays where it was
    /// }).unwrap();
    /// ```
    pub fn receive_timeout<'a, F>(
        &'a mut self,
        pick: F,
        timeout: impl Into<Timeout>,
    ) -> impl Future<Output = Option<Message<M>>> + Send + 'a
    where
        F: FnMut(&Message<M>) -> bool + Send + 'a,
    {
        Receive::new(self, pick, timeout.into(), |m| m)
    }

    /// Take the oldest matching message if one is already here (no waiting).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::Message;
    /// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
    ///     // Erlang: receive M -> M after 0 -> none end
    ///     assert!(mb.try_receive(|_| true).is_none());
    ///     mb.pid().send(3);
    ///     let got = mb.try_receive(|m| matches!(m, Message::User(3)));
    ///     assert_eq!(got.and_then(Message::into_user), Some(3));
    /// }).unwrap();
    /// ```
    pub fn try_receive(&mut self, mut pick: impl FnMut(&Message<M>) -> bool) -> Option<Message<M>> {
        budget::charge(1);
        let mut scanned = 0;
        let found = loop {
            if let Some(m) = self.scan(&mut scanned, &mut pick) {
                break Some(m);
            }
            if self.inbox.take_all(&mut self.save) == 0 {
                break None;
            }
        };
        self.inbox.set_saved(self.save.len());
        found
    }

    /// `demonitor(Ref, [flush])`: remove the monitor and any `Down` for it already in the
    /// mailbox. Returns `true` if a live monitor was removed.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// use ember_rt::{ExitReason, Mailbox};
    /// rt.run(|mut mb: Mailbox<()>| async move {
    ///     let (p, mref) =
    ///         ember_rt::spawn_monitor(|mut mb: Mailbox<()>| async move { mb.recv().await });
    ///     ember_rt::exit(p, ExitReason::Kill); // its death is immediate: the Down is queued
    ///     assert_eq!(mb.len(), 1);
    ///     assert!(!mb.demonitor_flush(mref)); // the monitor had fired...
    ///     assert!(mb.is_empty()); // ...and its Down is gone
    /// }).unwrap();
    /// ```
    pub fn demonitor_flush(&mut self, reference: Ref) -> bool {
        let removed = crate::demonitor(reference);
        self.inbox.take_all(&mut self.save);
        self.save
            .retain(|m| !matches!(m, Message::Down(d) if d.reference == reference));
        self.inbox.set_saved(self.save.len());
        removed
    }

    /// Drop every waiting message (handy in tests); returns how many.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// rt.run(|mut mb: ember_rt::Mailbox<u8>| async move {
    ///     mb.pid().send(1);
    ///     mb.pid().send(2);
    ///     // Erlang shell / IEx: flush()
    ///     assert_eq!(mb.flush(), 2);
    ///     assert!(mb.is_empty());
    /// }).unwrap();
    /// ```
    pub fn flush(&mut self) -> usize {
        self.inbox.take_all(&mut self.save);
        let n = self.save.len();
        self.save.clear();
        self.inbox.set_saved(0);
        n
    }

    fn scan(
        &mut self,
        scanned: &mut usize,
        pick: &mut impl FnMut(&Message<M>) -> bool,
    ) -> Option<Message<M>> {
        while *scanned < self.save.len() {
            budget::charge(1);
            if pick(&self.save[*scanned]) {
                return self.save.remove(*scanned);
            }
            *scanned += 1;
        }
        None
    }

    fn poll_scan(
        &mut self,
        cx: &mut Context<'_>,
        scanned: &mut usize,
        pick: &mut impl FnMut(&Message<M>) -> bool,
    ) -> Poll<Message<M>> {
        loop {
            if let Some(m) = self.scan(scanned, pick) {
                return Poll::Ready(m);
            }
            if self.inbox.poll_take(&mut self.save, cx).is_pending() {
                return Poll::Pending;
            }
        }
    }
}

fn is_user<M>(m: &Message<M>) -> bool {
    matches!(m, Message::User(_))
}

fn expect_message<M>(m: Option<Message<M>>) -> Message<M> {
    match m {
        Some(m) => m,
        None => unreachable!("an infinite receive cannot time out"),
    }
}

/// The future of every receive: a hand-written state machine (rather than nested `async fn`s)
/// so that a process waiting in a receive stays small. The receive starts — its reduction is
/// charged and the clock of `after` starts — when it is created, i.e. at the `receive` call.
struct Receive<'a, M, F, Mp> {
    mb: &'a mut Mailbox<M>,
    pick: F,
    map: Mp,
    deadline: Option<Instant>,
    scanned: usize,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl<'a, M: Send + 'static, F: FnMut(&Message<M>) -> bool, T, Mp: Fn(Option<Message<M>>) -> T>
    Receive<'a, M, F, Mp>
{
    fn new(mb: &'a mut Mailbox<M>, pick: F, timeout: Timeout, map: Mp) -> Self {
        budget::charge(1);
        let deadline = match timeout {
            Timeout::Infinity => None,
            t => t.deadline(Instant::now()),
        };
        Receive {
            mb,
            pick,
            map,
            deadline,
            scanned: 0,
            sleep: None,
        }
    }
}

impl<M, F, Mp> Unpin for Receive<'_, M, F, Mp> {}

impl<M, F, T, Mp> Future for Receive<'_, M, F, Mp>
where
    M: Send + 'static,
    F: FnMut(&Message<M>) -> bool,
    Mp: Fn(Option<Message<M>>) -> T,
{
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let this = self.get_mut();
        if !context::with_current(|c| c.is_none_or(|p| p.is_alive())) {
            return Poll::Pending;
        }
        if budget::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let scanned = this.mb.poll_scan(cx, &mut this.scanned, &mut this.pick);
        this.mb.inbox.set_saved(this.mb.save.len());
        if let Poll::Ready(m) = scanned {
            return Poll::Ready((this.map)(Some(m)));
        }
        let Some(deadline) = this.deadline else {
            return Poll::Pending;
        };
        if Instant::now() >= deadline {
            return Poll::Ready((this.map)(None));
        }
        let sleep = this
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline.into())));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready((this.map)(None)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<M> std::fmt::Debug for Mailbox<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailbox")
            .field("pid", &Pid::<M>::from_raw(self.pid))
            .field("saved", &self.save.len())
            .finish()
    }
}
