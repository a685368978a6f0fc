//! IO inside processes.
//!
//! Every worker thread has tokio's IO/timer driver entered, so `tokio::net::TcpListener`,
//! `TcpStream`, `tokio::time` and libraries built on them work inside ember processes as they
//! do inside tokio tasks: a process awaiting a socket is parked and woken through ember's
//! scheduler.
//!
//! [`Charged`] wraps an IO object so that it charges reductions like the BEAM's ports do: one
//! per call plus one per KiB moved, and yields at the next call once the slice is spent.
//!
//! ```
//! # let rt = ember_rt::Runtime::new().unwrap();
//! rt.block_on(async {
//!     let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
//!     let addr = listener.local_addr().unwrap();
//!     ember_rt::spawn(move |_: ember_rt::Mailbox<()>| async move {
//!         use tokio::io::AsyncWriteExt;
//!         let (mut s, _) = listener.accept().await.unwrap();
//!         s.write_all(b"hi").await.unwrap();
//!     });
//!     use tokio::io::AsyncReadExt;
//!     let mut c = ember_rt::io::Charged::new(tokio::net::TcpStream::connect(addr).await.unwrap());
//!     let mut buf = [0u8; 2];
//!     c.read_exact(&mut buf).await.unwrap();
//!     assert_eq!(&buf, b"hi");
//! }).unwrap();
//! ```

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::scheduler::budget;

/// An IO object that charges reductions per call and per KiB.
///
/// Erlang: a port, whose commands charge the calling process reductions.
///
/// ```
/// # let rt = ember_rt::Runtime::new().unwrap();
/// # rt.block_on(async {
/// use tokio::io::AsyncReadExt;
/// let mut input = ember_rt::io::Charged::new(&b"hello"[..]);
/// let mut text = String::new();
/// input.read_to_string(&mut text).await.unwrap();
/// assert_eq!(text, "hello");
/// # }).unwrap();
/// ```
#[derive(Debug)]
pub struct Charged<T> {
    inner: T,
}

impl<T> Charged<T> {
    /// Wrap `inner`.
    ///
    /// ```
    /// # let rt = ember_rt::Runtime::new().unwrap();
    /// # rt.block_on(async {
    /// use tokio::io::AsyncWriteExt;
    /// let mut out = ember_rt::io::Charged::new(Vec::new());
    /// out.write_all(b"hi").await.unwrap();
    /// assert_eq!(out.get_ref(), b"hi");
    /// # }).unwrap();
    /// ```
    pub fn new(inner: T) -> Charged<T> {
        Charged { inner }
    }

    /// The wrapped object.
    ///
    /// ```
    /// let c = ember_rt::io::Charged::new(String::from("socket"));
    /// assert_eq!(c.into_inner(), "socket");
    /// ```
    pub fn into_inner(self) -> T {
        self.inner
    }

    /// A reference to the wrapped object.
    ///
    /// ```
    /// let c = ember_rt::io::Charged::new(vec![1u8, 2, 3]);
    /// assert_eq!(c.get_ref().len(), 3);
    /// ```
    pub fn get_ref(&self) -> &T {
        &self.inner
    }
}

fn charge_bytes(n: usize) {
    budget::charge(1 + (n / 1024) as u32);
}

impl<T: AsyncRead + Unpin> AsyncRead for Charged<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if budget::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let before = buf.filled().len();
        let r = Pin::new(&mut self.inner).poll_read(cx, buf);
        if r.is_ready() {
            charge_bytes(buf.filled().len() - before);
        }
        r
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Charged<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        if budget::poll_proceed(cx).is_pending() {
            return Poll::Pending;
        }
        let r = Pin::new(&mut self.inner).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &r {
            charge_bytes(*n);
        }
        r
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
