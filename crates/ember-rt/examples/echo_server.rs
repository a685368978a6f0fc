//! A TCP echo server, one ember process per connection: let it crash.
//!
//! The acceptor process traps exits and owns the listening socket; every accepted connection
//! gets its own process, linked to the acceptor. A client that sends the line `crash` makes its
//! connection's process panic: that process (and its socket) goes away, the acceptor gets an
//! `Exit` with `ExitReason::Panic`, and every other connection keeps being served.
//!
//! ```text
//! cargo run -p ember-rt --example echo_server -- 127.0.0.1:7878
//! nc 127.0.0.1 7878     # type lines; type `crash` to kill just this connection
//! ```
//!
//! Erlang equivalent: a `gen_tcp:accept` loop in a process with `process_flag(trap_exit, true)`
//! that `spawn_link`s a handler per socket and logs the `{'EXIT', Pid, Reason}` messages.

use std::collections::HashMap;
use std::net::SocketAddr;

use ember_rt::io::Charged;
use ember_rt::{ExitReason, Mailbox, Message, Pid, Ref};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// What the acceptor reports to an observer.
#[derive(Debug)]
pub(crate) enum Event {
    /// A connection was accepted and got its own process.
    Accepted { peer: SocketAddr, pid: Pid },
    /// A connection's process ended (`Normal` when the client closed the socket).
    Ended {
        peer: SocketAddr,
        pid: Pid,
        reason: ExitReason,
    },
}

/// Asks the acceptor to stop (it ends with `shutdown`, taking its connections along).
#[derive(Debug)]
pub(crate) struct Stop;

/// Start the acceptor on `listener` (a non-blocking std listener), monitored by the caller.
/// Must be called from inside an ember process.
pub(crate) fn start(
    listener: std::net::TcpListener,
    events: Option<Pid<Event>>,
) -> (Pid<Stop>, Ref) {
    ember_rt::spawn_monitor(move |mb: Mailbox<Stop>| acceptor(mb, listener, events))
}

async fn acceptor(
    mut mb: Mailbox<Stop>,
    listener: std::net::TcpListener,
    events: Option<Pid<Event>>,
) -> ExitReason {
    ember_rt::trap_exit(true);
    // Every worker has tokio's IO driver entered, so tokio sockets work inside processes.
    let listener = match TcpListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => return ExitReason::error(e),
    };
    let notify = |event: Event| {
        if let Some(to) = events {
            to.send(event);
        }
    };
    let mut peers: HashMap<Pid, SocketAddr> = HashMap::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let pid = ember_rt::spawn_link(move |_: Mailbox<()>| connection(stream)).untyped();
                    peers.insert(pid, peer);
                    notify(Event::Accepted { peer, pid });
                }
                Err(e) => return ExitReason::error(e),
            },
            message = mb.recv_any() => match message {
                Message::Exit(exit) => match peers.remove(&exit.from) {
                    Some(peer) => notify(Event::Ended { peer, pid: exit.from, reason: exit.reason }),
                    // Not one of our connections: someone asked us to exit.
                    None => return exit.reason,
                },
                Message::User(Stop) => return ExitReason::Shutdown,
                Message::Down(_) => {}
            },
        }
    }
}

/// Echo every line back; the line `crash` is a bug that panics this process only.
async fn connection(stream: TcpStream) -> Result<(), ExitReason> {
    let (reader, writer) = stream.into_split();
    let mut lines = BufReader::new(Charged::new(reader)).lines();
    let mut writer = Charged::new(writer);
    while let Some(line) = lines.next_line().await.map_err(ExitReason::error)? {
        if line.trim() == "crash" {
            panic!("the client asked this connection to crash");
        }
        writer
            .write_all(line.as_bytes())
            .await
            .map_err(ExitReason::error)?;
        writer.write_all(b"\n").await.map_err(ExitReason::error)?;
    }
    Ok(())
}

fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:7878".to_string());
    let listener = std::net::TcpListener::bind(&addr).expect("bind");
    listener
        .set_nonblocking(true)
        .expect("non-blocking listener");
    println!(
        "echo server on {}; send `crash` to kill one connection",
        listener.local_addr().expect("address")
    );
    let rt = ember_rt::Runtime::new().expect("runtime");
    let reason = rt
        .run(move |mut mb: Mailbox<Event>| async move {
            let (_acceptor, r) = start(listener, Some(mb.pid()));
            loop {
                match mb.recv_any().await {
                    Message::User(Event::Accepted { peer, pid }) => {
                        println!("{peer}: connected, served by {pid}")
                    }
                    Message::User(Event::Ended { peer, pid, reason }) => {
                        println!("{peer}: {pid} ended: {reason}")
                    }
                    Message::Down(d) if d.reference == r => break d.reason,
                    _ => {}
                }
            }
        })
        .expect("root process");
    println!("acceptor ended: {reason}");
}
