//! GenServer behaviour tests: one test (or a few) per item of otp-semantics section F, named
//! after it (`fNN_...`), plus the name rules of D6, the child spec of H1, and the defaults.
//!
//! Deliberate difference from OTP, asserted where it shows: a failed call does not make the
//! caller exit; the caller gets a `CallError`.
//!
//! Layout: `harness` (runtime, receive helpers, report capture), `probe` (the servers under
//! test), then the tests by topic: `start` (F1, F2, D6, H1), `call` (F3–F8), `lifecycle`
//! (F9–F12 and the default callbacks).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Mutex, Once};
use std::time::Duration;

use ember_otp::child::Started;
use ember_otp::gen_server::{
    self, CallError, CallResult, Caller, Context, DEFAULT_CALL_TIMEOUT, GenServer, Handled, Info,
    Init, Next, ReplyTo, Server, StartError, StartOpts,
};
use ember_rt::{ExitReason, Mailbox, Message, Pid, Runtime, Term, Timeout};

//

mod call;
#[path = "../common/mod.rs"]
mod common;
mod harness;
mod lifecycle;
mod probe;
mod start;

use harness::*;
use probe::*;
