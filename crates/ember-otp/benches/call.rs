//! Micro-benchmark of a GenServer call round trip (divan), per call.
//!
//! `cargo bench -p ember-otp --bench call`

use std::sync::OnceLock;

use divan::{Bencher, counter::ItemsCount};
use ember_otp::gen_server::{self, CallResult, Caller, Context, GenServer, Init};
use ember_rt::Runtime;

const BATCH: usize = 1_000;

struct Counter(u64);

impl GenServer for Counter {
    type Arg = ();
    type Call = u64;
    type Reply = u64;
    type Cast = ();
    type Info = ();
    type Continue = ();

    async fn init(_: (), _ctx: &mut Context<Self>) -> Init<Self> {
        Init::Ok(Counter(0))
    }

    async fn handle_call(
        &mut self,
        n: u64,
        _from: &mut Caller<u64>,
        _ctx: &mut Context<Self>,
    ) -> CallResult<Self> {
        self.0 += n;
        CallResult::Reply(self.0)
    }
}

fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| Runtime::builder().workers(2).build().expect("runtime"))
}

fn main() {
    divan::main();
}

/// `GenServer.call(server, n)` with the default 5 s timeout.
#[divan::bench]
fn call(b: Bencher) {
    b.counter(ItemsCount::new(BATCH)).bench(|| {
        rt().block_on(async {
            let server = gen_server::start::<Counter>(()).await.expect("start");
            for i in 0..BATCH as u64 {
                divan::black_box(server.call(i).await.expect("reply"));
            }
            let _ = server
                .stop(ember_rt::ExitReason::Normal, ember_rt::Timeout::Infinity)
                .await;
        })
    });
}

/// `gen_server:cast/2`, then one call to wait for all of them to be handled.
#[divan::bench]
fn cast(b: Bencher) {
    b.counter(ItemsCount::new(BATCH)).bench(|| {
        rt().block_on(async {
            let server = gen_server::start::<Counter>(()).await.expect("start");
            for _ in 0..BATCH {
                server.cast(());
            }
            divan::black_box(server.call(0).await.expect("reply"));
            let _ = server
                .stop(ember_rt::ExitReason::Normal, ember_rt::Timeout::Infinity)
                .await;
        })
    });
}
