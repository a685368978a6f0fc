//! Crash isolation: a panic ends only the process that panicked.
//!
//! 10,000 processes answer requests; 1% of them get a bad input and panic. Every other one
//! still answers (twice: before and after the crashes), and each crashed one's monitor reports
//! `ExitReason::Panic` with its own panic message.

mod common;

use std::collections::HashMap;

use common::run;
use ember_rt::{ExitReason, Mailbox, Message, Pid, Ref};

const PROCESSES: usize = 10_000;
const BAD_EVERY: usize = 100;

/// A request to a worker: a number to double, or (for the bad ones) a zero it chokes on.
struct Request {
    input: u64,
    reply_to: Pid<Reply>,
}

#[derive(Debug, PartialEq)]
struct Reply {
    worker: usize,
    output: u64,
}

/// Answer requests forever; a zero input is a bug that panics.
async fn worker(id: usize, mut mb: Mailbox<Request>) {
    loop {
        let req = mb.recv().await;
        assert!(req.input != 0, "worker {id}: bad input 0");
        req.reply_to.send(Reply {
            worker: id,
            output: req.input * 2,
        });
    }
}

#[test]
fn crash_isolation_10k_processes_one_percent_panic() {
    run(|mut mb: Mailbox<Reply>| async move {
        let me = mb.pid();
        let mut workers = Vec::with_capacity(PROCESSES);
        let mut by_ref: HashMap<Ref, usize> = HashMap::with_capacity(PROCESSES);
        for id in 0..PROCESSES {
            let (pid, r) = ember_rt::spawn_monitor(move |m: Mailbox<Request>| worker(id, m));
            workers.push(pid);
            by_ref.insert(r, id);
        }
        let bad = |id: usize| id % BAD_EVERY == 7;

        // Round 1: everyone gets a request; the bad ones get the poisonous one.
        for (id, pid) in workers.iter().enumerate() {
            let input = if bad(id) { 0 } else { id as u64 + 1 };
            pid.send(Request {
                input,
                reply_to: me,
            });
        }
        let expected_crashes = (0..PROCESSES).filter(|&id| bad(id)).count();
        let mut answered = vec![false; PROCESSES];
        let mut crashed = vec![false; PROCESSES];
        let (mut replies, mut downs) = (0, 0);
        while replies < PROCESSES - expected_crashes || downs < expected_crashes {
            match common::recv_any(&mut mb).await {
                Message::User(Reply { worker, output }) => {
                    assert!(!bad(worker), "a bad worker answered");
                    assert_eq!(output, (worker as u64 + 1) * 2);
                    assert!(!answered[worker], "worker {worker} answered twice");
                    answered[worker] = true;
                    replies += 1;
                }
                Message::Down(d) => {
                    let id = by_ref[&d.reference];
                    assert!(bad(id), "healthy worker {id} died: {:?}", d.reason);
                    match &d.reason {
                        ExitReason::Panic { message, .. } => {
                            assert_eq!(&**message, format!("worker {id}: bad input 0"));
                        }
                        other => panic!("worker {id} ended with {other:?}, expected a panic"),
                    }
                    assert!(!crashed[id]);
                    crashed[id] = true;
                    downs += 1;
                }
                Message::Exit(e) => panic!("unexpected exit signal {e:?}"),
            }
        }
        assert_eq!(downs, expected_crashes);

        // Round 2: every survivor still answers.
        for (id, pid) in workers.iter().enumerate() {
            if !bad(id) {
                pid.send(Request {
                    input: 1,
                    reply_to: me,
                });
            }
        }
        let mut second = vec![false; PROCESSES];
        for _ in 0..PROCESSES - expected_crashes {
            let Reply { worker, output } = common::recv(&mut mb).await;
            assert_eq!(output, 2);
            assert!(!second[worker]);
            second[worker] = true;
        }
        for (id, pid) in workers.iter().enumerate() {
            assert_eq!(pid.is_alive(), !bad(id), "worker {id}");
        }
        common::assert_quiet(&mut mb).await;
        for pid in workers {
            ember_rt::exit(pid, ExitReason::Kill);
        }
    });
}
