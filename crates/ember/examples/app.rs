//! An application run as a service: start the supervision tree, run until SIGTERM or Ctrl-C,
//! then stop in order — `prep_stop`, the workers' `terminate`s in reverse start order (each
//! within its shutdown timeout), `stop` — and exit 0.
//!
//! `cargo run -p ember --example app`, then press Ctrl-C (or `kill -TERM <the pid it prints>`).
//!
//! The Elixir original, for comparison:
//!
//! ```elixir
//! defmodule Shop.Worker do
//!   use GenServer
//!   def start_link({name, drain_ms}), do: GenServer.start_link(__MODULE__, {name, drain_ms})
//!
//!   def init({name, drain_ms}) do
//!     Process.flag(:trap_exit, true)          # so terminate/2 runs on shutdown
//!     IO.puts("#{name}: started")
//!     {:ok, %{name: name, drain_ms: drain_ms}}
//!   end
//!
//!   def terminate(reason, s) do
//!     IO.puts("#{s.name}: terminate (#{inspect(reason)})")
//!     Process.sleep(s.drain_ms)                # e.g. finish the requests in flight
//!   end
//! end
//!
//! defmodule Shop.Application do
//!   use Application
//!   def start(_type, _args) do
//!     children = [
//!       Supervisor.child_spec({Shop.Worker, {"db", 0}}, id: :db),
//!       Supervisor.child_spec({Shop.Worker, {"cache", 0}}, id: :cache),
//!       Supervisor.child_spec({Shop.Worker, {"web", 200}}, id: :web, shutdown: 2_000)
//!     ]
//!     Supervisor.start_link(children, strategy: :one_for_one)
//!   end
//!   def prep_stop(state), do: (IO.puts("app: prep_stop"); state)
//!   def stop(_state), do: IO.puts("app: stop")
//! end
//! ```
//!
//! On the BEAM, `init:stop()` (what SIGTERM triggers since OTP 20) stops the applications the
//! same way before the node exits.

use std::time::{Duration, Instant};

use ember::otp::application::{self, Application, Stopped};
use ember::otp::child::Shutdown;
use ember::otp::gen_server::{self, Context, GenServer, Init};
use ember::otp::supervisor::{Flags, Supervisor};
use ember::rt::{ExitReason, Mailbox};

/// A worker that says when it starts and when it terminates, and takes `drain` to finish.
struct Worker {
    name: &'static str,
    drain: Duration,
}

impl GenServer for Worker {
    type Arg = (&'static str, Duration);
    type Call = ();
    type Reply = ();
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init((name, drain): (&'static str, Duration), _ctx: &mut Context<Self>) -> Init<Self> {
        ember::rt::trap_exit(true); // so `terminate` runs when the supervisor shuts us down
        println!("{name}: started");
        Init::Ok(Worker { name, drain })
    }

    async fn terminate(&mut self, reason: &ExitReason, _ctx: &mut Context<Self>) {
        println!("{}: terminate ({reason})", self.name);
        if !self.drain.is_zero() {
            ember::rt::sleep(self.drain).await; // finish the work in flight
            println!("{}: drained after {} ms", self.name, self.drain.as_millis());
        }
    }
}

/// The application: its state is when it started.
struct Shop;

impl Application for Shop {
    type State = Instant;

    fn name(&self) -> &str {
        "shop"
    }

    async fn start(&mut self) -> Result<(Supervisor, Instant), ExitReason> {
        let worker = |name, drain_ms| {
            gen_server::child_spec::<Worker>((name, Duration::from_millis(drain_ms))).with_id(name)
        };
        let children = [
            worker("db", 0),
            worker("cache", 0),
            worker("web", 200).shutdown(Shutdown::Timeout(Duration::from_secs(2))),
        ];
        let sup = Supervisor::start_link(Flags::one_for_one(), children).await?;
        // The signal handlers are installed before `start` runs: from here a signal is seen.
        println!(
            "app: running as pid {}; stop it with SIGTERM or Ctrl-C",
            std::process::id()
        );
        Ok((sup, Instant::now()))
    }

    async fn prep_stop(&mut self, started: Instant) -> Instant {
        println!("app: prep_stop");
        started
    }

    async fn stop(&mut self, started: Instant) {
        println!("app: stop after {:.1} s", started.elapsed().as_secs_f64());
    }
}

fn main() {
    // Reports (application started/stopped, crashes) go to stderr; the demo's lines to stdout.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();

    let ended = ember::run(|_: Mailbox<()>| application::run_until_signal(Shop));
    let code = match ended {
        Ok(Ok(Stopped::Requested)) => 0,
        Ok(Ok(Stopped::Exited(reason))) => {
            eprintln!("the application stopped by itself: {reason}");
            1
        }
        Ok(Err(e)) => {
            eprintln!("the application did not run: {e}");
            1
        }
        Err(reason) => {
            eprintln!("the root process died: {reason}");
            1
        }
    };
    println!("app: exit {code}");
    std::process::exit(code);
}
