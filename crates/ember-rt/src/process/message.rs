//! What a mailbox holds: user messages, and the signals that became messages.

use std::any::Any;
use std::fmt;

use super::queue::Queue;
use crate::{ExitReason, Name, Pid, Ref};

/// One item of a process's mailbox, in arrival order.
///
/// Erlang delivers everything as terms in one queue; ember keeps the same single ordered queue
/// and types its items: the process's own message type `M`, exit signals turned into messages
/// (only while trapping exits, Erlang `{'EXIT', From, Reason}`), and monitor notifications
/// (Erlang `{'DOWN', Ref, process, Object, Reason}`).
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// use ember_rt::{Mailbox, Message};
/// rt.run(|mut mb: Mailbox<()>| async move {
///     let (_pid, mref) = ember_rt::spawn_monitor(|_mb: Mailbox<()>| async {});
///     match mb.recv_any().await {
///         Message::Down(down) => assert_eq!(down.reference, mref),
///         other => panic!("unexpected {other:?}"),
///     }
/// }).unwrap();
/// ```
#[derive(Debug)]
pub enum Message<M> {
    /// A message sent to this process.
    User(M),
    /// An exit signal received while trapping exits.
    Exit(Exit),
    /// A monitored process ended.
    Down(Down),
}

impl<M> Message<M> {
    /// The user message, if this is one.
    ///
    /// ```
    /// let m: ember_rt::Message<u8> = ember_rt::Message::User(3);
    /// assert_eq!(m.into_user(), Some(3));
    /// ```
    pub fn into_user(self) -> Option<M> {
        match self {
            Message::User(m) => Some(m),
            _ => None,
        }
    }
}

/// An exit signal received as a message (Erlang `{'EXIT', From, Reason}`).
///
/// ```
/// let e = ember_rt::Exit { from: ember_rt::Pid::SYSTEM, reason: ember_rt::ExitReason::Shutdown };
/// assert!(e.reason.is_clean());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Exit {
    /// The sender of the signal (the linked process that died, or the caller of `exit`).
    pub from: Pid,
    /// The reason it carried.
    pub reason: ExitReason,
}

/// A monitor fired (Erlang `{'DOWN', Ref, process, Object, Reason}`).
///
/// ```
/// use ember_rt::{Down, Monitored, Ref, Pid, ExitReason};
/// let d = Down { reference: Ref::new(), object: Monitored::Pid(Pid::SYSTEM), reason: ExitReason::NoProc };
/// assert_eq!(d.reason, ExitReason::NoProc);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Down {
    /// The reference `monitor` returned.
    pub reference: Ref,
    /// What was monitored: a pid, or a name for monitors set up by name.
    pub object: Monitored,
    /// Why it ended (`NoProc` if it did not exist when the monitor was set up).
    pub reason: ExitReason,
}

/// The object of a monitor.
///
/// ```
/// let m = ember_rt::Monitored::Name(ember_rt::Name::new("db"));
/// assert_eq!(m.to_string(), "{db,nonode@nohost}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Monitored {
    /// A process monitored by pid.
    Pid(Pid),
    /// A process monitored by registered name (Erlang reports `{Name, Node}`).
    Name(Name),
}

impl fmt::Display for Monitored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Monitored::Pid(p) => write!(f, "{p}"),
            Monitored::Name(n) => write!(f, "{{{n},nonode@nohost}}"),
        }
    }
}

/// The typed inbox of a process whose messages are `M`.
pub(crate) type Inbox<M> = Queue<Message<M>>;

/// The type-erased view of an inbox that the runtime uses to deliver signals and dynamic sends.
pub(crate) trait ErasedInbox: Send + Sync + 'static {
    fn as_any(&self) -> &dyn Any;
    fn push_exit(&self, exit: Exit) -> bool;
    fn push_down(&self, down: Down) -> bool;
    /// Push a dynamically typed message; gives it back if `M` is not its type.
    fn push_dyn(&self, msg: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>>;
    fn close(&self);
    fn pending(&self) -> usize;
}

impl<M: Send + 'static> ErasedInbox for Inbox<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn push_exit(&self, exit: Exit) -> bool {
        self.push(Message::Exit(exit)).is_ok()
    }

    fn push_down(&self, down: Down) -> bool {
        self.push(Message::Down(down)).is_ok()
    }

    fn push_dyn(&self, msg: Box<dyn Any + Send>) -> Result<(), Box<dyn Any + Send>> {
        let m = msg.downcast::<M>()?;
        // A closed inbox drops the message: sending to a dead process is not an error.
        let _ = self.push_if(Message::User(*m), super::api::sender_alive);
        Ok(())
    }

    fn close(&self) {
        drop(Queue::close(self));
    }

    fn pending(&self) -> usize {
        self.total()
    }
}
