//! Registry semantics (otp-semantics H7).

use std::time::{Duration, Instant};

use ember_otp::registry::{Keys, Registry, RegistryError};
use ember_otp::supervisor::{Flags, Supervisor};
use ember_rt::{ExitReason, Mailbox, Pid, Runtime};

fn rt() -> Runtime {
    Runtime::builder().workers(2).build().unwrap()
}

/// Wait (yielding) until `cond` holds; the deadline is only a hang guard.
async fn eventually(mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "condition not reached");
        ember_rt::sleep(Duration::from_millis(1)).await;
    }
}

/// A process that registers `key` in `reg`, reports, then waits until told to exit.
fn registrant(
    reg: Registry<&'static str, u32>,
    key: &'static str,
    value: u32,
    to: Pid<Result<(), RegistryError>>,
) -> Pid<ExitReason> {
    ember_rt::spawn(move |mut mb: Mailbox<ExitReason>| async move {
        to.send(reg.register(key, value));
        mb.recv().await
    })
}

#[test]
fn h07_unique_keys() {
    rt().run(|mut mb: Mailbox<Result<(), RegistryError>>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Unique);
        reg.start_link().unwrap();
        let me = ember_rt::self_pid();
        assert_eq!(reg.register("a", 1), Ok(()));
        // the same process registering twice is already_registered too
        assert_eq!(
            reg.register("a", 2),
            Err(RegistryError::AlreadyRegistered(me))
        );
        let other = registrant(reg.clone(), "a", 3, mb.pid());
        assert_eq!(mb.recv().await, Err(RegistryError::AlreadyRegistered(me)));
        registrant(reg.clone(), "b", 4, mb.pid());
        assert_eq!(mb.recv().await, Ok(()));
        assert_eq!(reg.lookup(&"a"), vec![(me, 1)]);
        assert_eq!(reg.lookup(&"b").len(), 1);
        assert!(reg.lookup(&"zzz").is_empty());
        assert_eq!(reg.count(), 2);
        other.send(ExitReason::Normal);
    })
    .unwrap();
}

#[test]
fn h07_duplicate_keys_and_same_process_many_times() {
    rt().run(|mut mb: Mailbox<Result<(), RegistryError>>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Duplicate);
        reg.start_link().unwrap();
        let me = ember_rt::self_pid();
        reg.register("topic", 1).unwrap();
        reg.register("topic", 2).unwrap();
        let other = registrant(reg.clone(), "topic", 3, mb.pid());
        mb.recv().await.unwrap();
        let mut values: Vec<u32> = reg.lookup(&"topic").into_iter().map(|(_, v)| v).collect();
        values.sort();
        assert_eq!(values, [1, 2, 3]);
        assert_eq!(reg.keys(me), ["topic", "topic"]);
        assert_eq!(reg.match_values(&"topic", |v| *v > 1).len(), 2);
        reg.unregister(&"topic").unwrap(); // all of the caller's entries under the key
        assert_eq!(reg.lookup(&"topic"), vec![(other.untyped(), 3)]);
        assert!(reg.keys(me).is_empty());
    })
    .unwrap();
}

#[test]
fn h07_registering_links_the_caller_and_dead_entries_go_away_asynchronously() {
    rt().run(|mut mb: Mailbox<Result<(), RegistryError>>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Duplicate);
        let partition = reg.start_link().unwrap();
        let p = registrant(reg.clone(), "k", 1, mb.pid());
        mb.recv().await.unwrap();
        // the registering process gets linked to the partition
        eventually(|| ember_rt::process_info(p).is_some_and(|i| i.links.contains(&partition)))
            .await;
        p.send(ExitReason::atom("boom"));
        ember_rt::watch(p).await;
        // lookups skip the dead at once; the table is cleaned when the partition sees the EXIT
        assert!(reg.lookup(&"k").is_empty());
        eventually(|| reg.count() == 0).await;
        assert!(reg.keys(p.untyped()).is_empty());
        assert!(partition.is_alive()); // the partition traps: a registrant's death is not its own
    })
    .unwrap();
}

#[test]
fn h07_dispatch_calls_the_function_in_the_caller_only_with_entries() {
    rt().run(|_mb: Mailbox<()>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Duplicate);
        reg.start_link().unwrap();
        let mut called = false;
        reg.dispatch(&"k", |_| called = true);
        assert!(!called);
        reg.register("k", 7).unwrap();
        let me = ember_rt::self_pid();
        reg.dispatch(&"k", |entries| {
            assert_eq!(ember_rt::self_pid(), me); // in the caller
            assert_eq!(entries, [(me, 7)]);
            called = true;
        });
        assert!(called);
    })
    .unwrap();
}

#[test]
fn h07_meta_count_and_errors() {
    rt().run(|_mb: Mailbox<()>| async move {
        let reg: Registry<u32, ()> = Registry::new(Keys::Unique);
        assert_eq!(reg.register(1, ()), Err(RegistryError::NotRunning));
        reg.put_meta("custom_key", "custom_value");
        assert_eq!(reg.meta::<&str>("custom_key"), Some("custom_value"));
        assert_eq!(reg.meta::<&str>("missing"), None);
        reg.start_link().unwrap();
        for k in 0..5 {
            reg.register(k, ()).unwrap();
        }
        assert_eq!(reg.count(), 5);
    })
    .unwrap();
    // outside a process: register acts as the caller, so it needs one
    let reg: Registry<u32, ()> = Registry::new(Keys::Unique);
    assert_eq!(reg.register(1, ()), Err(RegistryError::NotInProcess));
}

#[test]
fn h07_a_supervised_registry_restarts_empty_and_takes_its_registrants_down() {
    rt().run(|mut mb: Mailbox<Result<(), RegistryError>>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Unique);
        let sup = Supervisor::start_link(Flags::default(), [reg.child_spec("registry")])
            .await
            .unwrap();
        let p = registrant(reg.clone(), "k", 1, mb.pid());
        mb.recv().await.unwrap();
        let partition = sup.which_children().await.unwrap()[0].status.pid().unwrap();
        eventually(|| ember_rt::process_info(p).is_some_and(|i| i.links.contains(&partition)))
            .await;
        let p_exit = ember_rt::watch(p);
        ember_rt::exit(partition, ExitReason::Kill);
        // the registrant was linked and does not trap: it dies with the partition
        assert_eq!(p_exit.await, ExitReason::Killed);
        // the supervisor restarts the partition; the new one starts with an empty table
        eventually(|| reg.register("k", 2).is_ok()).await;
        assert_eq!(reg.lookup(&"k"), vec![(ember_rt::self_pid(), 2)]);
        assert_eq!(reg.count(), 1);
    })
    .unwrap();
}

#[test]
fn h07_unique_key_of_a_dead_process_can_be_taken_at_once() {
    rt().run(|mut mb: Mailbox<Result<(), RegistryError>>| async move {
        let reg: Registry<&'static str, u32> = Registry::new(Keys::Unique);
        reg.start_link().unwrap();
        let p = registrant(reg.clone(), "k", 1, mb.pid());
        mb.recv().await.unwrap();
        p.send(ExitReason::Normal);
        ember_rt::watch(p).await;
        // whether or not the partition has cleaned up yet, the dead owner does not block the key
        assert_eq!(reg.register("k", 2), Ok(()));
        assert_eq!(reg.lookup(&"k"), vec![(ember_rt::self_pid(), 2)]);
    })
    .unwrap();
}
