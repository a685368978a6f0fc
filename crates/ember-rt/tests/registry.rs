//! otp-semantics section D: the name registry.

mod common;

use common::{down_for, recv, run, spawn_idle, spawn_idle_monitor};
use ember_rt::{ExitReason, Mailbox, Name, Pid, RegisterError, SendError, SpawnError, SpawnOpts};

/// D1. `register` succeeds, and fails (Erlang `badarg`, here a typed error) when the name is
/// taken, the pid already has a name, the pid is dead, or the name is `undefined`. (A non-atom
/// name is ruled out by the types; the empty name is rejected too.)
#[test]
fn d01_register_and_its_errors() {
    run(|mut mb: Mailbox<()>| async move {
        let a = spawn_idle();
        let b = spawn_idle();
        assert_eq!(ember_rt::register("d01_a", a), Ok(()));
        assert_eq!(
            ember_rt::register("d01_a", b),
            Err(RegisterError::NameTaken {
                name: "d01_a".into(),
                owner: a.untyped()
            })
        );
        assert_eq!(
            ember_rt::register("d01_other", a),
            Err(RegisterError::AlreadyNamed {
                pid: a.untyped(),
                current: "d01_a".into()
            })
        );
        let (dead, r) = ember_rt::spawn_monitor(|_: Mailbox<()>| async {});
        down_for(&mut mb, r).await;
        assert_eq!(
            ember_rt::register("d01_dead", dead),
            Err(RegisterError::NoProc(dead.untyped()))
        );
        assert_eq!(
            ember_rt::register("undefined", b),
            Err(RegisterError::InvalidName("undefined".into()))
        );
        assert_eq!(
            ember_rt::register("", b),
            Err(RegisterError::InvalidName("".into()))
        );
        assert_eq!(ember_rt::whereis("d01_dead"), None);
        assert_eq!(ember_rt::whereis("d01_a"), Some(a.untyped()));
        a.send(());
        b.send(());
    });
}

/// D2. `whereis` gives the pid or nothing; `process_info` gives the registered name or none.
#[test]
fn d02_whereis_and_registered_name() {
    run(|_: Mailbox<()>| async move {
        let p = spawn_idle();
        assert_eq!(ember_rt::whereis("d02"), None);
        assert_eq!(
            ember_rt::process_info(p).expect("alive").registered_name,
            None
        );
        ember_rt::register("d02", p).expect("register");
        assert_eq!(ember_rt::whereis("d02"), Some(p.untyped()));
        assert_eq!(
            ember_rt::process_info(p).expect("alive").registered_name,
            Some(Name::new("d02"))
        );
        assert!(ember_rt::registered().contains(&Name::new("d02")));
        p.send(());
    });
}

/// D2. From a thread that is not the runtime's, names are looked up through the runtime
/// value (`Runtime::whereis`): a free function has no runtime to ask there (several runtimes
/// may run in one program), which the `process::api` docs say.
#[test]
fn d02_whereis_from_a_plain_thread() {
    let rt = std::sync::Arc::new(common::builder().build().expect("runtime"));
    let p = rt.spawn(|mut m: Mailbox<()>| async move { m.recv().await });
    rt.block_on(async move { ember_rt::register("d02_plain", p).expect("register") })
        .expect("root");
    let rt2 = rt.clone();
    let found = std::thread::spawn(move || rt2.whereis("d02_plain"))
        .join()
        .expect("Runtime::whereis works on a plain thread");
    assert_eq!(found, Some(p.untyped()));
    assert_eq!(rt.whereis("nobody"), None);
    p.send(());
}

/// D3. `unregister` succeeds once; an unregistered name is an error.
#[test]
fn d03_unregister_then_error() {
    run(|_: Mailbox<()>| async move {
        let p = spawn_idle();
        ember_rt::register("d03", p).expect("register");
        assert_eq!(ember_rt::unregister("d03"), Ok(()));
        assert_eq!(ember_rt::whereis("d03"), None);
        assert_eq!(
            ember_rt::process_info(p).expect("alive").registered_name,
            None
        );
        assert_eq!(
            ember_rt::unregister("d03"),
            Err(RegisterError::NotRegistered("d03".into()))
        );
        // The process may take a (new) name again.
        assert_eq!(ember_rt::register("d03_again", p), Ok(()));
        p.send(());
    });
}

/// D4. A dead process's name is freed: once its `Down` is received, `whereis` gives nothing
/// and the name can go to a new process (checked 50 times, with kills and normal exits).
#[test]
fn d04_name_is_freed_before_the_down() {
    run(|mut mb: Mailbox<()>| async move {
        for i in 0..50 {
            let (p, r) = spawn_idle_monitor();
            ember_rt::register("d04", p).expect("register");
            if i % 2 == 0 {
                ember_rt::exit(p, ExitReason::Kill);
            } else {
                p.send(());
            }
            down_for(&mut mb, r).await;
            assert_eq!(ember_rt::whereis("d04"), None, "run {i}");
            let q = spawn_idle();
            assert_eq!(ember_rt::register("d04", q), Ok(()), "run {i}");
            ember_rt::unregister("d04").expect("unregister");
            q.send(());
        }
    });
}

/// D5. A send to a name looks the name up at send time. An unregistered name is an error
/// (Erlang `badarg`; here `SendError::NotRegistered`), and so is a message of the wrong type.
#[test]
fn d05_send_to_name_resolves_at_send_time() {
    run(|mut mb: Mailbox<(u8, u32)>| async move {
        let me = mb.pid();
        let make = move |tag: u8| ember_rt::spawn(move |m: Mailbox<u32>| tagged_echo(tag, m, me));
        let first = make(1);
        let second = make(2);
        ember_rt::register("d05", first).expect("register");
        assert_eq!(ember_rt::send_named("d05", 10u32), Ok(()));
        assert_eq!(recv(&mut mb).await, (1, 10));
        ember_rt::unregister("d05").expect("unregister");
        assert_eq!(
            ember_rt::send_named("d05", 11u32),
            Err(SendError::NotRegistered("d05".into()))
        );
        ember_rt::register("d05", second).expect("register");
        assert_eq!(ember_rt::send_named("d05", 12u32), Ok(()));
        assert_eq!(recv(&mut mb).await, (2, 12));
        let third = make(3);
        ember_rt::register("d05_typed", third).expect("register");
        assert!(matches!(
            ember_rt::send_named("d05_typed", "text"),
            Err(SendError::TypeMismatch { .. })
        ));
        third.send(0);
        assert_eq!(recv(&mut mb).await, (3, 0));
    });
}

/// D6. A process started with a name has it *before* its body runs (`whereis(N) == self`
/// inside); a second start with the same name fails, naming the owner (Erlang
/// `{error,{already_started,Pid}}`). (`{global,_}` and `{via,_,_}` names belong to ember-otp.)
#[test]
fn d06_named_spawn_registers_before_the_body_runs() {
    run(|mut mb: Mailbox<bool>| async move {
        let me = mb.pid();
        let s = ember_rt::spawn_opt(
            SpawnOpts::new().name("d06"),
            move |mut m: Mailbox<()>| async move {
                me.send(ember_rt::whereis("d06") == Some(ember_rt::self_pid()));
                m.recv().await;
            },
        )
        .expect("spawn_opt");
        assert!(
            recv(&mut mb).await,
            "the name must be registered before the body runs"
        );
        let second = ember_rt::spawn_opt(SpawnOpts::new().name("d06"), |_: Mailbox<()>| async {});
        match second {
            Err(SpawnError::Register(RegisterError::NameTaken { owner, .. })) => {
                assert_eq!(owner, s.pid.untyped())
            }
            other => panic!("expected NameTaken, got {other:?}"),
        }
        assert_eq!(ember_rt::whereis("d06"), Some(s.pid.untyped()));
        s.pid.send(());
    });
}

/// Forward every number received to `to`, tagged. (A named `async fn` so that the endless loop
/// has output `()`: an `async move { loop {} }` block has output `!`, not `IntoExitReason`.)
async fn tagged_echo(tag: u8, mut mb: Mailbox<u32>, to: Pid<(u8, u32)>) {
    loop {
        let n = mb.recv().await;
        to.send((tag, n));
    }
}
