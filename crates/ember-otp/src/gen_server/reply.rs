//! The reply side of a call: [`Caller`] (what `handle_call` gets) and [`ReplyTo`] (an owned
//! reply handle, for replying later from anywhere).
//!
//! Ownership: each call carries one reply channel (a `tokio::sync::oneshot` sender). It lives
//! in the [`Caller`] while `handle_call` runs; [`Caller::defer`] moves it out into a
//! [`ReplyTo`] that can be stored in the state or sent to another process. Exactly one reply
//! can be sent: replying consumes the channel, later replies through the same call go nowhere.
//! When the caller has given up (timeout) or died, its receiver is gone and a reply is dropped
//! silently (Erlang: `gen_server:reply/2` to a dead caller returns `ok`).

use tokio::sync::oneshot;

use ember_rt::Pid;

/// An owned handle to reply to one call, from any process or thread (Erlang: the `From` of a
/// deferred reply, used with `gen_server:reply(From, R)`).
///
/// ```
/// use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Init, ReplyTo};
/// // A server that answers each call only when the next call arrives.
/// struct Relay(Option<ReplyTo<u32>>);
/// impl GenServer for Relay {
///     type Arg = (); type Call = u32; type Reply = u32; type Cast = (); type Info = (); type Continue = ();
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Relay(None)) }
///     async fn handle_call(&mut self, n: u32, from: &mut Caller<u32>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///         if let Some(earlier) = self.0.replace(from.defer()) {
///             gen_server::reply(earlier, n); // Erlang: gen_server:reply(From, N)
///         }
///         CallResult::NoReply
///     }
/// }
/// let rt = ember_rt::Runtime::new().unwrap();
/// rt.block_on(async {
///     let relay = gen_server::start::<Relay>(()).await.unwrap();
///     let first = ember_otp::task::Task::spawn(async move { relay.call(1).await });
///     ember_rt::sleep(std::time::Duration::from_millis(20)).await;
///     ember_otp::task::Task::spawn(async move { relay.call(2).await });
///     assert_eq!(first.await.unwrap(), Ok(2));
/// }).unwrap();
/// ```
#[must_use = "a call nobody replies to times out"]
pub struct ReplyTo<R> {
    tx: Option<oneshot::Sender<R>>,
    caller: Option<Pid>,
}

impl<R> ReplyTo<R> {
    pub(crate) fn new(tx: oneshot::Sender<R>, caller: Option<Pid>) -> ReplyTo<R> {
        ReplyTo {
            tx: Some(tx),
            caller,
        }
    }

    /// Send the reply. Never fails: a caller that timed out or died just does not get it.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = u8; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// async fn handle_call(&mut self, _: (), from: &mut Caller<u8>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///     let to = from.defer();
    ///     ember_rt::spawn(move |_: ember_rt::Mailbox<()>| async move { to.reply(7) });
    ///     CallResult::NoReply
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// #   assert_eq!(s.call(()).await, Ok(7));
    /// # }).unwrap();
    /// ```
    pub fn reply(mut self, reply: R) {
        self.send(reply);
    }

    /// The calling process (`None` for a caller that is not a process, e.g. a plain thread;
    /// and for a handle whose channel was already taken).
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = Option<ember_rt::Pid>; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// async fn handle_call(&mut self, _: (), from: &mut Caller<Option<ember_rt::Pid>>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///     let to = from.defer();
    ///     let who = to.caller();
    ///     to.reply(who);
    ///     CallResult::NoReply
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// #   assert_eq!(s.call(()).await, Ok(Some(ember_rt::self_pid())));
    /// # }).unwrap();
    /// ```
    pub fn caller(&self) -> Option<Pid> {
        self.caller
    }

    /// Whether the caller is still waiting for this reply (it has not timed out or died, and
    /// no reply was sent yet).
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = bool; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// async fn handle_call(&mut self, _: (), from: &mut Caller<bool>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///     let to = from.defer();
    ///     let waiting = to.is_waiting();
    ///     to.reply(waiting);
    ///     CallResult::NoReply
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// #   assert_eq!(s.call(()).await, Ok(true));
    /// # }).unwrap();
    /// ```
    pub fn is_waiting(&self) -> bool {
        self.tx.as_ref().is_some_and(|tx| !tx.is_closed())
    }

    /// Reply through the channel if it is still here (used by the server loop too).
    pub(crate) fn send(&mut self, reply: R) {
        if let Some(tx) = self.tx.take() {
            let _ = tx.send(reply);
        }
    }

    fn take(&mut self) -> ReplyTo<R> {
        ReplyTo {
            tx: self.tx.take(),
            caller: self.caller,
        }
    }
}

impl<R> std::fmt::Debug for ReplyTo<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyTo")
            .field("caller", &self.caller)
            .field("pending", &self.tx.is_some())
            .finish()
    }
}

/// Reply to a deferred call (Erlang `gen_server:reply(From, Reply)`); the same as
/// [`ReplyTo::reply`].
///
/// ```
/// # use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Init};
/// # struct S;
/// # impl GenServer for S {
/// #   type Arg = (); type Call = (); type Reply = &'static str; type Cast = (); type Info = (); type Continue = ();
/// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
/// async fn handle_call(&mut self, _: (), from: &mut Caller<&'static str>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///     gen_server::reply(from.defer(), "later");
///     CallResult::NoReply
/// }
/// # }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// #   let s = gen_server::start::<S>(()).await.unwrap();
/// #   assert_eq!(s.call(()).await, Ok("later"));
/// # }).unwrap();
/// ```
pub fn reply<R>(to: ReplyTo<R>, reply: R) {
    to.reply(reply);
}

/// The caller of the call being handled, as `handle_call` sees it (Erlang `From`).
///
/// Returning [`CallResult::Reply`](super::CallResult::Reply) replies through it. To reply
/// later, take an owned [`ReplyTo`] with [`defer`](Caller::defer) and return
/// [`CallResult::NoReply`](super::CallResult::NoReply).
///
/// ```
/// use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
/// struct Echo;
/// impl GenServer for Echo {
///     type Arg = (); type Call = String; type Reply = String; type Cast = (); type Info = (); type Continue = ();
///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Echo) }
///     async fn handle_call(&mut self, text: String, from: &mut Caller<String>, _ctx: &mut Context<Self>) -> CallResult<Self> {
///         from.reply(text);            // gen_server:reply(From, Text) inside the callback ...
///         CallResult::NoReply          // ... then {noreply, S}
///     }
/// }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// #   let s = ember_otp::gen_server::start::<Echo>(()).await.unwrap();
/// #   assert_eq!(s.call("hi".into()).await, Ok("hi".to_string()));
/// # }).unwrap();
/// ```
pub struct Caller<R> {
    to: ReplyTo<R>,
}

impl<R> Caller<R> {
    pub(crate) fn new(to: ReplyTo<R>) -> Caller<R> {
        Caller { to }
    }

    /// The calling process (`None` for a caller that is not a process).
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = bool; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// async fn handle_call(&mut self, _: (), from: &mut Caller<bool>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///     CallResult::Reply(from.pid().is_some())
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// #   assert_eq!(s.call(()).await, Ok(true));
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Option<Pid> {
        self.to.caller
    }

    /// Take the reply channel out, to reply later from anywhere (then return
    /// [`CallResult::NoReply`](super::CallResult::NoReply)). The first call takes it; a second
    /// one returns a handle whose reply goes nowhere, and a `Reply` result after `defer` is
    /// dropped.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init, ReplyTo};
    /// struct Later(Vec<ReplyTo<()>>);
    /// impl GenServer for Later {
    ///     type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    ///     async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(Later(vec![])) }
    ///     async fn handle_call(&mut self, _: (), from: &mut Caller<()>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///         self.0.push(from.defer());
    ///         CallResult::NoReply
    ///     }
    ///     async fn handle_cast(&mut self, _: (), _ctx: &mut Context<Self>) -> ember_otp::gen_server::Handled<Self> {
    ///         for to in self.0.drain(..) { to.reply(()) }
    ///         ember_otp::gen_server::Handled::NoReply
    ///     }
    /// }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<Later>(()).await.unwrap();
    /// #   let t = ember_otp::task::Task::spawn(async move { s.call(()).await });
    /// #   ember_rt::sleep(std::time::Duration::from_millis(10)).await;
    /// #   s.cast(());
    /// #   assert_eq!(t.await.unwrap(), Ok(()));
    /// # }).unwrap();
    /// ```
    pub fn defer(&mut self) -> ReplyTo<R> {
        self.to.take()
    }

    /// Reply now, from inside the callback (Erlang `gen_server:reply(From, R)` before returning
    /// `{noreply, S}`); a later `Reply` result is then dropped.
    ///
    /// ```
    /// # use ember_otp::gen_server::{CallResult, Caller, Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = u8; type Cast = (); type Info = (); type Continue = ();
    /// #   async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> { Init::Ok(S) }
    /// async fn handle_call(&mut self, _: (), from: &mut Caller<u8>, _ctx: &mut Context<Self>) -> CallResult<Self> {
    ///     from.reply(1);
    ///     // ... slow work the caller need not wait for ...
    ///     CallResult::NoReply
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// #   let s = ember_otp::gen_server::start::<S>(()).await.unwrap();
    /// #   assert_eq!(s.call(()).await, Ok(1));
    /// # }).unwrap();
    /// ```
    pub fn reply(&mut self, reply: R) {
        self.to.send(reply);
    }

    /// Reply with the result of the callback, if the channel is still here.
    pub(crate) fn finish(mut self, reply: R) {
        self.to.send(reply);
    }
}

impl<R> std::fmt::Debug for Caller<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Caller").field(&self.to).finish()
    }
}
