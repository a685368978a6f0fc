//! The tokio IO/timer driver: a current-thread tokio runtime on its own thread.
//!
//! tokio is used only as a driver (epoll and the timer wheel), never to run processes. Every
//! worker enters its handle, so `tokio::net`, `tokio::time` and libraries built on them work
//! inside processes; their wake-ups call our wakers, which queue the process on our scheduler.
//! Because the driver has its own thread, IO and timers stay live even when every worker is
//! busy or stuck.

use std::thread::JoinHandle;

use tokio::runtime::Handle;
use tokio::sync::oneshot;

pub(crate) struct Driver {
    pub(crate) handle: Handle,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Driver {
    pub(crate) fn start(name: &str, max_blocking: usize) -> std::io::Result<Driver> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .max_blocking_threads(max_blocking)
            .thread_name(format!("{name}-blocking"))
            .build()?;
        let handle = rt.handle().clone();
        let (tx, rx) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name(format!("{name}-driver"))
            .spawn(move || {
                rt.block_on(async {
                    let _ = rx.await;
                });
                rt.shutdown_background();
            })?;
        Ok(Driver {
            handle,
            stop: Some(tx),
            thread: Some(thread),
        })
    }

    pub(crate) fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
