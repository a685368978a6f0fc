//! Agent: a process that only holds a state, read and changed by functions sent to it
//! (Elixir `Agent`, otp-semantics H6).
//!
//! ```
//! use ember_otp::agent::Agent;
//! let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let counter = Agent::start_link(|| 0u64).await.unwrap();     // Agent.start_link(fn -> 0 end)
//!     counter.update(|n| *n += 1).await.unwrap();                 // Agent.update(pid, &(&1 + 1))
//!     assert_eq!(counter.get(|n| *n).await, Ok(1));              // Agent.get(pid, & &1)
//!     let old = counter.get_and_update(|n| std::mem::replace(n, 10)).await;
//!     assert_eq!(old, Ok(1));
//! }).unwrap();
//! ```
//!
//! ## Invariants
//! - An agent is a [`GenServer`] whose state is `S`; every operation is a function run *inside*
//!   the agent process, one at a time, in arrival order. The initial state is built by the
//!   start function inside the agent too, before the start returns.
//! - `get`, `update` and `get_and_update` are calls (default timeout 5 s, errors as
//!   [`CallError`]); [`cast`](Agent::cast) returns at once. A function that panics crashes the
//!   agent (reason [`ExitReason::Panic`], reported) and the caller gets [`CallError::Exit`].
//! - [`Agent`] is a `Copy` handle; the state is owned by the agent process alone.

use std::any::Any;

use ember_rt::{ExitReason, Name, Pid, Timeout};

use crate::child::ChildSpec;
use crate::gen_server::{
    self, CallError, CallResult, Caller, Context, DEFAULT_CALL_TIMEOUT, GenServer, Handled, Init,
    Server, StartError, StartOpts,
};

type Reply = Box<dyn Any + Send>;

/// The agent's server: its state is the user's state.
pub(crate) struct AgentServer<S>(S);

impl<S: Send + 'static> GenServer for AgentServer<S> {
    type Arg = Box<dyn FnOnce() -> S + Send>;
    type Call = Box<dyn FnOnce(&mut S) -> Reply + Send>;
    type Reply = Reply;
    type Cast = Box<dyn FnOnce(&mut S) + Send>;
    type Info = ();
    type Continue = ();

    async fn init(start: Self::Arg, _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(AgentServer(start()))
    }

    async fn handle_call(
        &mut self,
        f: Self::Call,
        _from: &mut Caller<Reply>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        CallResult::Reply(f(&mut self.0))
    }

    async fn handle_cast(&mut self, f: Self::Cast, _ctx: &mut Context<Self>) -> Handled<Self> {
        f(&mut self.0);
        Handled::NoReply
    }
}

/// A handle to an agent holding a state of type `S`.
///
/// ```
/// use ember_otp::agent::Agent;
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// let names = Agent::start_link(Vec::<String>::new).await.unwrap();
/// names.cast(|v| v.push("ada".into()));                // Agent.cast(pid, fn v -> ["ada" | v] end)
/// assert_eq!(names.get(|v| v.len()).await, Ok(1));
/// # }).unwrap();
/// ```
pub struct Agent<S: Send + 'static> {
    server: Server<AgentServer<S>>,
}

impl<S: Send + 'static> Clone for Agent<S> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<S: Send + 'static> Copy for Agent<S> {}

impl<S: Send + 'static> PartialEq for Agent<S> {
    fn eq(&self, other: &Self) -> bool {
        self.server == other.server
    }
}
impl<S: Send + 'static> Eq for Agent<S> {}

impl<S: Send + 'static> std::fmt::Debug for Agent<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Agent<{}>({})",
            std::any::type_name::<S>(),
            self.server.pid()
        )
    }
}

impl<S: Send + 'static> Agent<S> {
    /// Start an agent linked to the caller, with `start()` (run inside the agent) as its state
    /// (Elixir `Agent.start_link(fun)`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| String::from("state")).await.unwrap();
    /// assert!(a.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub async fn start_link(
        start: impl FnOnce() -> S + Send + 'static,
    ) -> Result<Agent<S>, StartError> {
        Agent::start_opts(start, StartOpts::new().link()).await
    }

    /// Start an agent without a link (Elixir `Agent.start(fun)`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start(|| 1).await.unwrap();
    /// assert_eq!(a.get(|n| *n).await, Ok(1));
    /// # }).unwrap();
    /// ```
    pub async fn start(start: impl FnOnce() -> S + Send + 'static) -> Result<Agent<S>, StartError> {
        Agent::start_opts(start, StartOpts::new()).await
    }

    /// Start an agent with options: link, name, timeout (Elixir `Agent.start_link(fun, name: ...)`).
    /// A start function that panics makes the start fail with [`StartError::Exit`].
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::{agent::Agent, gen_server::StartOpts};
    /// Agent::start_opts(|| 5, StartOpts::new().link().name("config")).await.unwrap();
    /// assert_eq!(Agent::<i32>::whereis("config").unwrap().get(|n| *n).await, Ok(5));
    /// # }).unwrap();
    /// ```
    pub async fn start_opts(
        start: impl FnOnce() -> S + Send + 'static,
        opts: StartOpts,
    ) -> Result<Agent<S>, StartError> {
        let server = gen_server::start_opts::<AgentServer<S>>(Box::new(start), opts).await?;
        Ok(Agent { server })
    }

    /// The agent registered as `name`, checked to hold an `S` ([`CallError::NoProc`],
    /// [`CallError::WrongType`] otherwise).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use ember_otp::{agent::Agent, gen_server::CallError};
    /// assert_eq!(Agent::<u8>::whereis("nobody"), Err(CallError::NoProc));
    /// # }).unwrap();
    /// ```
    pub fn whereis(name: impl Into<Name>) -> Result<Agent<S>, CallError> {
        Server::whereis(name).map(|server| Agent { server })
    }

    /// The agent's pid.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start(|| ()).await.unwrap();
    /// assert_ne!(a.pid(), ember_rt::self_pid());
    /// # }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.server.pid()
    }

    /// Read the state through `f` (Elixir `Agent.get(agent, fun)`); 5 s timeout.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| vec![1, 2, 3]).await.unwrap();
    /// assert_eq!(a.get(|v| v.iter().sum::<i32>()).await, Ok(6));
    /// # }).unwrap();
    /// ```
    pub async fn get<R: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        self.get_timeout(f, DEFAULT_CALL_TIMEOUT).await
    }

    /// [`get`](Agent::get) with a timeout (Elixir `Agent.get(agent, fun, timeout)`).
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 1).await.unwrap();
    /// assert_eq!(a.get_timeout(|n| *n, ember_rt::Timeout::Infinity).await, Ok(1));
    /// # }).unwrap();
    /// ```
    pub async fn get_timeout<R: Send + 'static>(
        &self,
        f: impl FnOnce(&S) -> R + Send + 'static,
        timeout: impl Into<Timeout>,
    ) -> Result<R, CallError> {
        self.run(move |s: &mut S| f(s), timeout.into()).await
    }

    /// Change the state with `f` and wait until it is done (Elixir `Agent.update(agent, fun)`);
    /// 5 s timeout.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 1).await.unwrap();
    /// a.update(|n| *n *= 10).await.unwrap();
    /// assert_eq!(a.get(|n| *n).await, Ok(10));
    /// # }).unwrap();
    /// ```
    pub async fn update(&self, f: impl FnOnce(&mut S) + Send + 'static) -> Result<(), CallError> {
        self.update_timeout(f, DEFAULT_CALL_TIMEOUT).await
    }

    /// [`update`](Agent::update) with a timeout.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 1).await.unwrap();
    /// a.update_timeout(|n| *n += 1, std::time::Duration::from_secs(1)).await.unwrap();
    /// # }).unwrap();
    /// ```
    pub async fn update_timeout(
        &self,
        f: impl FnOnce(&mut S) + Send + 'static,
        timeout: impl Into<Timeout>,
    ) -> Result<(), CallError> {
        self.run(f, timeout.into()).await
    }

    /// Change the state with `f` and return what `f` returns (Elixir
    /// `Agent.get_and_update(agent, fn s -> {get, new} end)`); 5 s timeout.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let queue = ember_otp::agent::Agent::start_link(|| vec![1, 2]).await.unwrap();
    /// assert_eq!(queue.get_and_update(|q| q.pop()).await, Ok(Some(2)));
    /// # }).unwrap();
    /// ```
    pub async fn get_and_update<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> R + Send + 'static,
    ) -> Result<R, CallError> {
        self.get_and_update_timeout(f, DEFAULT_CALL_TIMEOUT).await
    }

    /// [`get_and_update`](Agent::get_and_update) with a timeout.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 1).await.unwrap();
    /// assert_eq!(a.get_and_update_timeout(|n| { *n += 1; *n }, ember_rt::Timeout::Infinity).await, Ok(2));
    /// # }).unwrap();
    /// ```
    pub async fn get_and_update_timeout<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> R + Send + 'static,
        timeout: impl Into<Timeout>,
    ) -> Result<R, CallError> {
        self.run(f, timeout.into()).await
    }

    /// Change the state with `f` without waiting (Elixir `Agent.cast(agent, fun)`); always
    /// returns at once, also for a dead agent.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 0).await.unwrap();
    /// a.cast(|n| *n += 5);
    /// assert_eq!(a.get(|n| *n).await, Ok(5)); // handled in order, after the cast
    /// # }).unwrap();
    /// ```
    pub fn cast(&self, f: impl FnOnce(&mut S) + Send + 'static) {
        self.server.cast(Box::new(f));
    }

    /// Stop the agent and wait until it is gone (Elixir `Agent.stop(agent, reason, timeout)`);
    /// see [`Server::stop`].
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// let a = ember_otp::agent::Agent::start_link(|| 0).await.unwrap();
    /// a.stop(ember_rt::ExitReason::Normal, ember_rt::Timeout::Infinity).await.unwrap();
    /// assert!(!a.pid().is_alive());
    /// # }).unwrap();
    /// ```
    pub async fn stop(
        &self,
        reason: ExitReason,
        timeout: impl Into<Timeout>,
    ) -> Result<(), CallError> {
        self.server.stop(reason, timeout).await
    }

    async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut S) -> R + Send + 'static,
        timeout: Timeout,
    ) -> Result<R, CallError> {
        let reply = self
            .server
            .call_timeout(Box::new(move |s: &mut S| Box::new(f(s)) as Reply), timeout)
            .await?;
        reply
            .downcast::<R>()
            .map(|r| *r)
            .map_err(|_| CallError::WrongType {
                expected: std::any::type_name::<R>(),
                found: "another reply type",
            })
    }
}

/// A child spec that starts an agent with `start` through `start_link` (Elixir
/// `{Agent, fun}` in a children list). The id is `ember_otp::agent::Agent<S>`'s type name;
/// change it with [`ChildSpec::with_id`].
///
/// ```
/// let spec = ember_otp::agent::child_spec(|| 0u32).with_id("counter");
/// assert_eq!(spec.id(), "counter");
/// ```
pub fn child_spec<S: Send + 'static>(start: impl Fn() -> S + Send + Sync + 'static) -> ChildSpec {
    child_spec_opts(start, StartOpts::new())
}

/// [`child_spec`] with start options (a name, a timeout); the start always links.
///
/// ```
/// use ember_otp::gen_server::StartOpts;
/// let spec = ember_otp::agent::child_spec_opts(|| 0u32, StartOpts::new().name("counter"));
/// assert!(spec.id().contains("Agent"));
/// ```
pub fn child_spec_opts<S: Send + 'static>(
    start: impl Fn() -> S + Send + Sync + 'static,
    opts: StartOpts,
) -> ChildSpec {
    let start = std::sync::Arc::new(start);
    let opts = opts.link();
    ChildSpec::new(std::any::type_name::<Agent<S>>(), move || {
        let start = start.clone();
        let opts = opts.clone();
        async move {
            match Agent::start_opts(move || start(), opts).await {
                Ok(agent) => Ok(crate::child::Started::Pid(agent.pid())),
                Err(StartError::Ignored) => Ok(crate::child::Started::Ignore),
                Err(e) => Err(ExitReason::from(e)),
            }
        }
    })
}
