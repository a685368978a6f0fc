//! Dirty pools (design note §5): known-heavy work runs off the workers, its result comes back
//! as an awaited value or a message, and killing its owner is handled cleanly.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use ember_rt::{DirtyError, ExitReason, Mailbox, Message, Runtime};

fn runtime() -> Runtime {
    Runtime::builder()
        .workers(1)
        .dirty_cpu_threads(1)
        .max_blocking_threads(2)
        .build()
        .unwrap()
}

#[test]
fn dirty_cpu_result_is_awaited_while_the_worker_serves_others() {
    let rt = runtime();
    let (sum, others_ran) = rt
        .run(|mut mb: Mailbox<u32>| async move {
            let me = mb.pid();
            // One worker: if the heavy work ran on it, this ping could not be answered meanwhile.
            let heavy = ember_rt::spawn_dirty_cpu(|| {
                std::thread::sleep(Duration::from_millis(100));
                (0..1_000u64).sum::<u64>()
            });
            ember_rt::spawn(move |_: Mailbox<()>| async move { me.send(7) });
            let ping = mb.recv_timeout(Duration::from_secs(5)).await;
            (heavy.await, ping)
        })
        .unwrap();
    assert_eq!(sum, Ok(499_500));
    assert_eq!(others_ran, Some(7));
}

#[test]
fn blocking_result_can_be_forwarded_as_a_message() {
    let rt = runtime();
    let got = rt
        .run(|mut mb: Mailbox<String>| async move {
            let me = mb.pid();
            ember_rt::spawn(move |_: Mailbox<()>| async move {
                let text = ember_rt::spawn_blocking(|| "from the blocking pool".to_string()).await;
                me.send(text.unwrap_or_default());
            });
            mb.recv_timeout(Duration::from_secs(5)).await
        })
        .unwrap();
    assert_eq!(got.as_deref(), Some("from the blocking pool"));
}

#[test]
fn a_panic_in_dirty_work_is_an_error_not_a_crash() {
    let rt = runtime();
    let r = rt
        .block_on(async { ember_rt::spawn_dirty_cpu(|| -> u8 { panic!("dirty boom") }).await })
        .unwrap();
    assert!(
        matches!(r, Err(DirtyError::Panicked(ref m)) if m.contains("dirty boom")),
        "{r:?}"
    );
}

#[test]
fn killing_the_owner_of_dirty_work_is_clean() {
    let rt = runtime();
    let finished = Arc::new(AtomicBool::new(false));
    let f = finished.clone();
    let (reason, after) = rt
        .run(move |mut mb: Mailbox<()>| async move {
            let (owner, _) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
                let r = ember_rt::spawn_dirty_cpu(move || {
                    std::thread::sleep(Duration::from_millis(100));
                    f.store(true, Ordering::SeqCst);
                    1u8
                })
                .await;
                let _ = r;
            });
            ember_rt::sleep(Duration::from_millis(20)).await;
            ember_rt::exit(owner, ExitReason::Kill);
            let reason = match mb.recv_any_timeout(Duration::from_secs(5)).await {
                Some(Message::Down(d)) => Some(d.reason),
                _ => None,
            };
            // The native work cannot be interrupted: it runs to its end, its result dropped.
            ember_rt::sleep(Duration::from_millis(300)).await;
            (reason, owner.is_alive())
        })
        .unwrap();
    assert_eq!(reason, Some(ExitReason::Killed));
    assert!(!after);
    assert!(
        finished.load(Ordering::SeqCst),
        "the dirty work ran to its end"
    );
    assert!(
        rt.block_on(async { ember_rt::spawn_dirty_cpu(|| 2u8).await })
            .unwrap()
            == Ok(2),
        "the pool still works"
    );
}

#[test]
fn pool_sizes_are_configurable_and_validated() {
    assert!(Runtime::builder().dirty_cpu_threads(0).build().is_err());
    assert!(Runtime::builder().max_blocking_threads(0).build().is_err());
    let rt = Runtime::builder()
        .workers(1)
        .max_spare_threads(3)
        .build()
        .unwrap();
    assert_eq!(rt.stats().spare_thread_cap, 3);
}
