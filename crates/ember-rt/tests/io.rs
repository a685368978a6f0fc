//! IO inside processes: the echo server of `examples/echo_server.rs` (the same code, included
//! here) keeps serving its other connections when one of them crashes.

mod common;

#[allow(dead_code)] // the example's `main` is not used here
#[path = "../examples/echo_server.rs"]
mod echo_server;

use echo_server::{Event, Stop};
use ember_rt::{ExitReason, Mailbox, Message};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

/// One client connection.
struct Client {
    lines: tokio::io::Lines<BufReader<OwnedReadHalf>>,
    writer: OwnedWriteHalf,
}

impl Client {
    async fn connect(addr: std::net::SocketAddr) -> Client {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let (r, writer) = stream.into_split();
        Client {
            lines: BufReader::new(r).lines(),
            writer,
        }
    }

    async fn send(&mut self, line: &str) {
        self.writer
            .write_all(format!("{line}\n").as_bytes())
            .await
            .expect("write");
    }

    /// The next line from the server; `None` once the server closed the connection (or reset it).
    async fn next(&mut self) -> Option<String> {
        match tokio::time::timeout(common::WAIT, self.lines.next_line()).await {
            Ok(Ok(line)) => line,
            Ok(Err(_)) => None, // reset by the server's side going away
            Err(_) => panic!("timed out waiting for the server"),
        }
    }

    async fn echo(&mut self, line: &str) {
        self.send(line).await;
        assert_eq!(self.next().await.as_deref(), Some(line));
    }
}

/// Wait for the next acceptor event.
async fn event(mb: &mut Mailbox<Event>) -> Event {
    match common::recv_any(mb).await {
        Message::User(e) => e,
        other => panic!("expected a server event, got {other:?}"),
    }
}

#[test]
fn echo_server_survives_a_crashing_connection() {
    common::run(|mut mb: Mailbox<Event>| async move {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("non-blocking");
        let addr = listener.local_addr().expect("address");
        let (acceptor, acceptor_ref) = echo_server::start(listener, Some(mb.pid()));

        let mut clients = Vec::new();
        let mut pids = Vec::new();
        for _ in 0..3 {
            clients.push(Client::connect(addr).await);
            match event(&mut mb).await {
                Event::Accepted { pid, .. } => pids.push(pid),
                other => panic!("expected Accepted, got {other:?}"),
            }
        }
        for (i, c) in clients.iter_mut().enumerate() {
            c.echo(&format!("hello from {i}")).await;
        }

        // Client 1 crashes its own connection process.
        clients[1].send("crash").await;
        assert_eq!(
            clients[1].next().await,
            None,
            "the crashed connection is closed"
        );
        match event(&mut mb).await {
            Event::Ended {
                pid,
                reason: ExitReason::Panic { message, .. },
                ..
            } => {
                assert_eq!(pid, pids[1]);
                assert_eq!(&*message, "the client asked this connection to crash");
            }
            other => panic!("expected the crash to be reported, got {other:?}"),
        }
        assert!(!pids[1].is_alive());

        // The others keep being served, and new connections are still accepted.
        assert!(pids[0].is_alive() && pids[2].is_alive() && acceptor.is_alive());
        clients[0].echo("still here 0").await;
        clients[2].echo("still here 2").await;
        let mut late = Client::connect(addr).await;
        assert!(matches!(event(&mut mb).await, Event::Accepted { .. }));
        late.echo("late").await;

        // A client closing its socket ends its process normally.
        drop(clients.remove(0));
        match event(&mut mb).await {
            Event::Ended { pid, reason, .. } => {
                assert_eq!((pid, reason), (pids[0], ExitReason::Normal))
            }
            other => panic!("expected a normal end, got {other:?}"),
        }

        acceptor.send(Stop);
        let d = common::down_for(&mut mb, acceptor_ref).await;
        assert_eq!(d.reason, ExitReason::Shutdown);
        // The linked connections went down with the acceptor (`shutdown` kills through links).
        common::wait_until("connections are gone", || !pids[2].is_alive()).await;
        assert_eq!(
            late.next().await,
            None,
            "the late connection was closed with its process"
        );
    });
}
