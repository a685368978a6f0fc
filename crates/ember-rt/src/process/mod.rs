//! Processes: control block, mailbox, signals, spawning.
//!
//! A process is a `Send` future owned by its control block ([`Pcb`]). Invariants, in one place:
//! - **Scheduling** (`state`): IDLE → SCHEDULED → RUNNING → IDLE/SCHEDULED, DONE at the end;
//!   exactly one worker polls a process at a time, and a wake is never lost.
//! - **Liveness** (`pcb`): ALIVE → EXITING → DEAD. EXITING happens once, under the process's
//!   state lock, and fires links and monitors; DEAD is when the future has been dropped.
//! - **Inbox** (`queue`, `mailbox`): one ordered queue per process for messages and the
//!   signals that become messages (`Exit` while trapping, `Down`); senders append, the owner
//!   takes. Per sender→receiver order holds because every delivery from a sender appends to the
//!   same queue in program order.
//! - **Signals** (`signals`): links, monitors and exit signals act eagerly under the target's
//!   state lock; see that module for why this preserves OTP's ordering guarantees.
//! - **Locks**: a thread holds at most one process's state lock at a time, takes an inbox lock
//!   only inside it (never the reverse), and never runs user code under either.

pub(crate) mod api;
pub(crate) mod context;
pub(crate) mod mailbox;
pub(crate) mod message;
pub(crate) mod pcb;
pub(crate) mod queue;
pub(crate) mod raw;
pub(crate) mod signals;
pub(crate) mod spawn;
pub(crate) mod state;
pub(crate) mod watch;

pub(crate) use context::{CurrentGuard, current};
pub use mailbox::Mailbox;
pub use message::{Down, Exit, Message, Monitored};
pub(crate) use pcb::{BoxFuture, ExitHook, Pcb};
pub(crate) use signals::terminate_reaped;
pub(crate) use spawn::spawn_in;
pub use spawn::{Priority, SpawnOpts, Spawned};
pub use watch::{Watch, watch};
