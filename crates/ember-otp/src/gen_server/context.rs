//! [`Context`]: what a callback knows about the server it runs in.

use ember_rt::{Name, Pid};

use super::{GenServer, Server};

/// The running server as its callbacks see it: its own typed handle, its parent and its name.
/// One value per server process, owned by its loop and lent to each callback.
///
/// ```
/// use ember_otp::gen_server::{Context, GenServer, Init};
/// use std::time::Duration;
/// struct Heartbeat;
/// impl GenServer for Heartbeat {
///     type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
///     async fn init(_: (), ctx: &mut Context<Self>) -> Init<Self> {
///         // Elixir: Process.send_after(self(), :beat, 1000)
///         ctx.server().send_after(Duration::from_secs(1), ());
///         assert_eq!(ctx.pid(), ember_rt::self_pid());
///         Init::Ok(Heartbeat)
///     }
/// }
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async { ember_otp::gen_server::start::<Heartbeat>(()).await.unwrap(); }).unwrap();
/// ```
pub struct Context<S: GenServer> {
    server: Server<S>,
    parent: Option<Pid>,
    name: Option<Name>,
}

impl<S: GenServer> Context<S> {
    pub(crate) fn new(server: Server<S>, parent: Option<Pid>, name: Option<Name>) -> Context<S> {
        Context {
            server,
            parent,
            name,
        }
    }

    /// The server's own typed handle (Erlang `self()`, typed): give it to other processes so
    /// they can call or cast to this server.
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn init(_: (), ctx: &mut Context<Self>) -> Init<Self> {
    ///     assert_eq!(ctx.server().pid(), ember_rt::self_pid());
    ///     Init::Ok(S)
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async { ember_otp::gen_server::start::<S>(()).await.unwrap(); }).unwrap();
    /// ```
    pub fn server(&self) -> Server<S> {
        self.server
    }

    /// The server's pid, untyped (Erlang `self()`).
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn init(_: (), ctx: &mut Context<Self>) -> Init<Self> {
    ///     assert!(ctx.pid().is_alive());
    ///     Init::Ok(S)
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async { ember_otp::gen_server::start::<S>(()).await.unwrap(); }).unwrap();
    /// ```
    pub fn pid(&self) -> Pid {
        self.server.pid()
    }

    /// The parent: the process that started the server with a link (`start_link`, or a
    /// supervisor). An exit signal from it, while trapping exits, stops the server and runs
    /// `terminate`. `None` for a server started without a link (Erlang: the parent is then
    /// the server itself).
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = ember_rt::Pid; type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn init(starter: ember_rt::Pid, ctx: &mut Context<Self>) -> Init<Self> {
    ///     assert_eq!(ctx.parent(), Some(starter));
    ///     Init::Ok(S)
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async { ember_otp::gen_server::start_link::<S>(ember_rt::self_pid()).await.unwrap(); }).unwrap();
    /// ```
    pub fn parent(&self) -> Option<Pid> {
        self.parent
    }

    /// The name the server was started with, if any.
    ///
    /// ```
    /// # use ember_otp::gen_server::{Context, GenServer, Init, StartOpts};
    /// # struct S;
    /// # impl GenServer for S {
    /// #   type Arg = (); type Call = (); type Reply = (); type Cast = (); type Info = (); type Continue = ();
    /// async fn init(_: (), ctx: &mut Context<Self>) -> Init<Self> {
    ///     assert_eq!(ctx.name().map(|n| n.as_str()), Some("db"));
    ///     Init::Ok(S)
    /// }
    /// # }
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async { ember_otp::gen_server::start_opts::<S>((), StartOpts::new().name("db")).await.unwrap(); }).unwrap();
    /// ```
    pub fn name(&self) -> Option<&Name> {
        self.name.as_ref()
    }
}

impl<S: GenServer> std::fmt::Debug for Context<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("server", &self.server)
            .field("parent", &self.parent)
            .field("name", &self.name)
            .finish()
    }
}
