//! otp-semantics section E: timers.

mod common;

use std::time::Duration;

use common::{down_for, recv, run, spawn_idle_monitor};
use ember_rt::{ExitReason, Mailbox, Message};

const MS: Duration = Duration::from_millis(1);

/// E1. `send_after` returns a timer reference and delivers the message unwrapped. `T = 0` is
/// allowed. (A negative `T` or a non-pid destination are ruled out by the types; `start_timer`'s
/// `{timeout, TRef, Msg}` wrapping has no ember-rt analogue: put the reference in `M`.)
#[test]
fn e01_send_after_delivers_the_message_unwrapped() {
    run(|mut mb: Mailbox<&'static str>| async move {
        let t1 = ember_rt::send_after(10 * MS, mb.pid(), "later");
        let t2 = ember_rt::send_after(Duration::ZERO, mb.pid(), "now");
        assert_ne!(t1.reference(), t2.reference());
        assert_eq!(recv(&mut mb).await, "now");
        match common::recv_any(&mut mb).await {
            Message::User(m) => assert_eq!(m, "later"),
            other => panic!("a timer message is a plain user message, got {other:?}"),
        }
    });
}

/// E1. Delays above 2^32 ms are accepted (up to ~9.22e12 ms in Erlang).
#[test]
fn e01_huge_delays_are_accepted() {
    run(|mut mb: Mailbox<u8>| async move {
        let huge = Duration::from_millis(9_000_000_000_000);
        let t = ember_rt::send_after(huge, mb.pid(), 1);
        let left = ember_rt::read_timer(&t).expect("pending");
        assert!(
            left > Duration::from_millis(u64::from(u32::MAX)),
            "{left:?}"
        );
        let left = ember_rt::cancel_timer(&t).expect("pending");
        assert!(
            left <= huge && left > huge - Duration::from_secs(60),
            "{left:?}"
        );
        assert_eq!(mb.recv_timeout(common::QUIET).await, None);
    });
}

/// E1. A name destination is allowed too (`send_after_named`).
#[test]
fn e01_send_after_to_a_name() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::register("e01_me", mb.pid()).expect("register");
        ember_rt::send_after_named(MS, "e01_me", 7u32);
        assert_eq!(recv(&mut mb).await, 7);
    });
}

/// E2. `cancel_timer` returns the time left for a live timer, nothing once it fired or was
/// cancelled, and does not remove a message already delivered. `read_timer` answers the same
/// way. (`{async, true}` / `{info, false}` have no analogue.)
#[test]
fn e02_cancel_timer_returns_time_left() {
    run(|mut mb: Mailbox<u8>| async move {
        let t = ember_rt::send_after(100 * MS, mb.pid(), 1);
        ember_rt::sleep(30 * MS).await;
        let read = ember_rt::read_timer(&t).expect("pending");
        assert!(read <= 70 * MS, "{read:?}");
        let left = ember_rt::cancel_timer(&t).expect("pending");
        assert!(left <= read, "{left:?} > {read:?}");
        assert_eq!(ember_rt::cancel_timer(&t), None, "already cancelled");
        assert_eq!(ember_rt::read_timer(&t), None);
        assert_eq!(
            mb.recv_timeout(150 * MS).await,
            None,
            "a cancelled timer must not fire"
        );

        let fired = ember_rt::send_after(MS, mb.pid(), 2);
        common::wait_until("the timer fired", || !mb.is_empty()).await;
        assert_eq!(ember_rt::cancel_timer(&fired), None, "already fired");
        assert_eq!(ember_rt::read_timer(&fired), None);
        assert_eq!(
            recv(&mut mb).await,
            2,
            "cancel does not remove a delivered message"
        );
    });
}

/// E3. A timer aimed at a pid is cancelled when that process dies (`read_timer` gives none).
#[test]
fn e03_timer_is_cancelled_when_its_destination_dies() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = spawn_idle_monitor();
        let t = ember_rt::send_after(Duration::from_secs(60), p, ());
        assert!(ember_rt::read_timer(&t).is_some());
        ember_rt::exit(p, ExitReason::atom("foo"));
        down_for(&mut mb, r).await;
        assert_eq!(ember_rt::read_timer(&t), None);
        assert_eq!(ember_rt::cancel_timer(&t), None);
        // A timer started on an already dead pid is dead at once.
        let t2 = ember_rt::send_after(Duration::from_secs(60), p, ());
        assert_eq!(ember_rt::read_timer(&t2), None);
    });
}

/// E3. A timer aimed at a name resolves it when it fires: the message goes to whoever has the
/// name then, and is dropped silently if nobody has it.
#[test]
fn e03_named_timer_resolves_the_name_when_it_fires() {
    run(|mut mb: Mailbox<u32>| async move {
        ember_rt::send_after_named(MS, "e03_nobody", 1u32);
        ember_rt::send_after_named(50 * MS, "e03_late", 2u32);
        ember_rt::sleep(10 * MS).await;
        ember_rt::register("e03_late", mb.pid()).expect("register");
        assert_eq!(recv(&mut mb).await, 2);
        ember_rt::register("e03_nobody", spawn_idle_monitor().0).expect("register");
        assert_eq!(
            mb.recv_timeout(common::QUIET).await,
            None,
            "the first message was dropped"
        );
    });
}

/// E4. Intervals (Erlang `timer:send_interval`): repeated delivery until cancelled; cancelling
/// again is harmless (Erlang answers `{ok,cancel}` each time; here `None` the second time).
#[test]
fn e04_send_interval_repeats_until_cancelled() {
    run(|mut mb: Mailbox<u8>| async move {
        let t = ember_rt::send_interval(2 * MS, mb.pid(), 9);
        for _ in 0..5 {
            assert_eq!(recv(&mut mb).await, 9);
        }
        assert!(ember_rt::cancel_timer(&t).is_some());
        assert_eq!(ember_rt::cancel_timer(&t), None);
        mb.flush();
        assert_eq!(
            mb.recv_timeout(common::QUIET).await,
            None,
            "a cancelled interval must stop"
        );
    });
}

/// E5. An interval stops when its destination dies.
#[test]
fn e05_interval_stops_when_destination_dies() {
    run(|mut mb: Mailbox<()>| async move {
        let (p, r) = ember_rt::spawn_monitor(|mut m: Mailbox<u8>| async move {
            m.recv().await;
            m.recv().await;
        });
        let t = ember_rt::send_interval(2 * MS, p, 1);
        assert_eq!(down_for(&mut mb, r).await.reason, ExitReason::Normal);
        assert_eq!(
            ember_rt::read_timer(&t),
            None,
            "the interval must stop with its destination"
        );
    });
}

/// E5. An interval created by one process for another keeps going when the creator dies.
#[test]
fn e05_interval_survives_its_creator() {
    run(|mut mb: Mailbox<u8>| async move {
        let me = mb.pid();
        let (_, r) = ember_rt::spawn_monitor(move |_: Mailbox<()>| async move {
            ember_rt::send_interval(2 * MS, me, 3);
        });
        down_for(&mut mb, r).await;
        mb.flush();
        for _ in 0..3 {
            assert_eq!(recv(&mut mb).await, 3);
        }
    });
}

/// E6. Timer messages are plain messages: selective receive applies to them like to any other.
#[test]
fn e06_timer_messages_are_plain_messages() {
    run(|mut mb: Mailbox<u32>| async move {
        mb.pid().send(1);
        ember_rt::send_after(MS, mb.pid(), 2);
        let two = mb
            .receive_timeout(|m| matches!(m, Message::User(2)), common::WAIT)
            .await;
        assert!(matches!(two, Some(Message::User(2))));
        assert_eq!(recv(&mut mb).await, 1);
    });
}

/// E2/E4. Once `cancel_timer` has returned the time left of an interval, no more ticks
/// arrive. A stress probe: a marker message sent right after the cancel must be the last
/// thing in the mailbox. (The interval task checks "still pending" and then delivers; a cancel
/// in between returns `Some` although one more tick is on its way.)
#[test]
fn e04_no_interval_tick_after_cancel_returned() {
    run(|mut mb: Mailbox<u8>| async move {
        for round in 0..2000u32 {
            let t = ember_rt::send_interval(Duration::ZERO, mb.pid(), 1);
            for _ in 0..(round % 7) {
                ember_rt::yield_now().await;
            }
            let left = ember_rt::cancel_timer(&t);
            mb.pid().send(2); // the marker
            loop {
                if recv(&mut mb).await == 2 {
                    break;
                }
            }
            if let Some(late) = mb.recv_timeout(Duration::from_millis(1)).await {
                panic!("round {round}: tick {late} arrived after cancel_timer returned {left:?}");
            }
        }
    });
}
