//! The supervised token-bucket rate limiter: ask 5 times → ok, the 6th → rate limited, kill
//! the limiter → its supervisor restarts it from a clean state, the next ask → ok.
//!
//! `cargo run --release -p ember --example rate_limiter`
//!
//! The Elixir original, for comparison:
//!
//! ```elixir
//! defmodule RateLimiter do
//!   use GenServer
//!   def start_link(max), do: GenServer.start_link(__MODULE__, max, name: __MODULE__)
//!   def request, do: GenServer.call(__MODULE__, :request)
//!
//!   def init(max) do
//!     :timer.send_interval(1_000, :refill)
//!     {:ok, %{tokens: max, max: max}}
//!   end
//!
//!   def handle_call(:request, _from, %{tokens: 0} = s), do: {:reply, :rate_limited, s}
//!   def handle_call(:request, _from, s), do: {:reply, :ok, %{s | tokens: s.tokens - 1}}
//!   def handle_info(:refill, s), do: {:noreply, %{s | tokens: s.max}}
//! end
//!
//! Supervisor.start_link([{RateLimiter, 5}], strategy: :one_for_one)
//! ```

use std::time::Duration;

use ember::otp::gen_server::{
    self, CallResult, Caller, Context, GenServer, Handled, Info, Init, StartOpts,
};
use ember::otp::supervisor::{Flags, Supervisor};
use ember::rt::{ExitReason, Mailbox};

/// The state: a bucket of tokens, refilled every second.
struct RateLimiter {
    tokens: u32,
    max: u32,
}

/// The refill tick.
#[derive(Clone)]
struct Refill;

/// The answer to a request.
#[derive(Debug)]
enum Decision {
    Ok,
    RateLimited,
}

impl GenServer for RateLimiter {
    type Arg = u32;
    type Call = ();
    type Reply = Decision;
    type Cast = ();
    type Info = Refill;
    type Continue = ();

    async fn init(max: u32, ctx: &mut Context<Self>) -> Init<Self> {
        ctx.server()
            .send_interval(Duration::from_millis(1_000), Refill);
        Init::Ok(RateLimiter { tokens: max, max })
    }

    async fn handle_call(
        &mut self,
        _request: (),
        _from: &mut Caller<Decision>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        if self.tokens == 0 {
            return CallResult::Reply(Decision::RateLimited);
        }
        self.tokens -= 1;
        CallResult::Reply(Decision::Ok)
    }

    async fn handle_info(&mut self, msg: Info<Refill>, _ctx: &mut Context<Self>) -> Handled<Self> {
        if let Info::Msg(Refill) = msg {
            self.tokens = self.max;
        }
        Handled::NoReply
    }
}

/// `RateLimiter.request()`: a call to the registered name.
async fn request() -> &'static str {
    match gen_server::call_name::<RateLimiter>("rate_limiter", ()).await {
        Ok(Decision::Ok) => "ok",
        Ok(Decision::RateLimited) => "rate_limited",
        Err(_) => "error",
    }
}

fn main() {
    // Reports (supervisor restarts, crashes) go to stderr; the demo's lines go to stdout.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .init();

    let restarts = ember::run(|_: Mailbox<()>| async {
        let limiter =
            gen_server::child_spec_opts::<RateLimiter>(5, StartOpts::new().name("rate_limiter"))
                .with_id("rate_limiter");
        let sup = Supervisor::start_link(Flags::one_for_one(), [limiter])
            .await
            .expect("supervisor starts");

        for _ in 0..6 {
            println!("request -> {}", request().await);
        }

        let old = ember::rt::whereis("rate_limiter").expect("the limiter is registered");
        ember::rt::exit(old, ExitReason::Kill);
        println!("kill -> true");

        // The supervisor restarts it; the fresh process registers the name again.
        while ember::rt::whereis("rate_limiter").is_none_or(|pid| pid == old) {
            ember::rt::sleep(Duration::from_millis(1)).await;
        }
        println!("request -> {}", request().await);
        sup.restart_count().await.expect("supervisor answers")
    })
    .expect("the demo runs to the end");
    println!("restarts={restarts}");
}
