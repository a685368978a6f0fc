//! The supervisor process: its request enum, its state and its receive loop.
//!
//! The process traps exits and is linked to its parent and to every running child. It handles
//! one message at a time, in mailbox order:
//! - a [`Request`] from the API (replied through the request's oneshot sender);
//! - `Exit` from the parent: stop all children in reverse start order, exit with the parent's
//!   reason (G4);
//! - `Exit` from a running child: apply its restart type and the strategy (G6, G7), counting
//!   the restart in the intensity window (G8-G10);
//! - `Exit` from anyone else: ignored (G4).
//!
//! While it starts, restarts or stops children it does not read other messages: those
//! operations are synchronous, as in OTP. A failed restart is retried through a
//! `TryAgainRestart` message to itself, so requests and exits queued meanwhile are handled
//! between attempts (OTP's `try_again_restart`).

use std::ops::ControlFlow;
use std::sync::Arc;

use ember_rt::{Exit, ExitReason, Mailbox, Message, Pid};
use tokio::sync::oneshot;

use super::intensity::RestartWindow;
use super::shutdown::{self, Stopping};
use super::start::start_child;
use super::{
    AutoShutdown, ChildCounts, ChildInfo, ChildStatus, DeleteChildError, Flags, RestartChildError,
    StartChildError, StartError, TerminateChildError, validate_spec,
};
use crate::child::{ChildSpec, ChildType, Restart, Started};
use crate::report;

/// The reply half of a request.
pub(crate) type Reply<T> = oneshot::Sender<T>;

/// The messages a supervisor process receives.
pub(crate) enum Request {
    StartChild(ChildSpec, Reply<Result<Started, StartChildError>>),
    TerminateChild(Arc<str>, Reply<Result<(), TerminateChildError>>),
    RestartChild(Arc<str>, Reply<Result<Started, RestartChildError>>),
    DeleteChild(Arc<str>, Reply<Result<(), DeleteChildError>>),
    WhichChildren(Reply<Vec<ChildInfo>>),
    CountChildren(Reply<ChildCounts>),
    RestartCount(Reply<u64>),
    Stop(ExitReason),
    /// Internal: retry the restart of a child whose restart failed.
    TryAgainRestart(Arc<str>, ExitReason),
}

/// One child: its spec and whether it runs.
pub(crate) struct Child {
    pub(crate) spec: ChildSpec,
    pub(crate) status: ChildStatus,
}

/// The supervisor's state. `children` is in start order; stopping goes from the back.
pub(crate) struct Sup {
    pub(crate) me: Pid<Request>,
    pub(crate) parent: Pid,
    pub(crate) flags: Flags,
    pub(crate) children: Vec<Child>,
    pub(crate) window: RestartWindow,
    pub(crate) restarts: u64,
}

/// `Break(reason)`: the supervisor exits with `reason`.
pub(crate) type Flow = ControlFlow<ExitReason>;

/// The body of a supervisor process.
pub(crate) async fn run(
    mut mb: Mailbox<Request>,
    parent: Pid,
    flags: Flags,
    specs: Vec<ChildSpec>,
    ack: oneshot::Sender<Result<(), StartError>>,
) -> ExitReason {
    let window = RestartWindow::new(flags.intensity, flags.period);
    let mut sup = Sup {
        me: mb.pid(),
        parent,
        flags,
        children: Vec::new(),
        window,
        restarts: 0,
    };
    for spec in specs {
        match start_child(&spec).await {
            Ok(Started::Pid(pid)) => {
                report::child_started(sup.me.untyped(), spec.id(), pid);
                sup.children.push(Child {
                    spec,
                    status: ChildStatus::Running(pid),
                });
            }
            Ok(Started::Ignore) => {
                if spec.restart != Restart::Temporary {
                    sup.children.push(Child {
                        spec,
                        status: ChildStatus::Stopped,
                    });
                }
            }
            Err(reason) => {
                report::start_error(sup.me.untyped(), spec.id(), &reason);
                sup.terminate_all(&mut mb).await;
                let error = StartError::FailedToStartChild {
                    id: spec.id.clone(),
                    reason,
                };
                let exit = error.to_exit_reason();
                let _ = ack.send(Err(error));
                return exit;
            }
        }
    }
    let _ = ack.send(Ok(()));
    loop {
        let flow = match mb.recv_any().await {
            Message::User(req) => sup.handle_request(&mut mb, req).await,
            Message::Exit(exit) => sup.handle_exit(&mut mb, exit).await,
            Message::Down(_) => Flow::Continue(()),
        };
        if let Flow::Break(reason) = flow {
            return reason;
        }
    }
}

impl Sup {
    pub(crate) fn pid(&self) -> Pid {
        self.me.untyped()
    }

    fn find(&self, id: &str) -> Option<usize> {
        self.children.iter().position(|c| c.spec.id() == id)
    }

    async fn handle_exit(&mut self, mb: &mut Mailbox<Request>, exit: Exit) -> Flow {
        if exit.from == self.parent {
            self.terminate_all(mb).await;
            return Flow::Break(exit.reason);
        }
        match self
            .children
            .iter()
            .position(|c| c.status == ChildStatus::Running(exit.from))
        {
            Some(idx) => self.child_exited(mb, idx, exit.reason).await,
            None => Flow::Continue(()),
        }
    }

    async fn handle_request(&mut self, mb: &mut Mailbox<Request>, req: Request) -> Flow {
        match req {
            Request::StartChild(spec, reply) => {
                let r = self.start_new_child(spec).await;
                let _ = reply.send(r);
            }
            Request::TerminateChild(id, reply) => {
                let r = self.terminate_child(mb, &id).await;
                let _ = reply.send(r);
            }
            Request::RestartChild(id, reply) => {
                let r = self.restart_child(&id).await;
                let _ = reply.send(r);
            }
            Request::DeleteChild(id, reply) => {
                let r = match self.find(&id) {
                    None => Err(DeleteChildError::NotFound),
                    Some(i) => match self.children[i].status {
                        ChildStatus::Running(_) => Err(DeleteChildError::Running),
                        ChildStatus::Restarting => Err(DeleteChildError::Restarting),
                        ChildStatus::Stopped => {
                            self.children.remove(i);
                            Ok(())
                        }
                    },
                };
                let _ = reply.send(r);
            }
            Request::WhichChildren(reply) => {
                let list = self
                    .children
                    .iter()
                    .rev()
                    .map(|c| ChildInfo::of(&c.spec, c.status))
                    .collect();
                let _ = reply.send(list);
            }
            Request::CountChildren(reply) => {
                let _ = reply.send(self.counts());
            }
            Request::RestartCount(reply) => {
                let _ = reply.send(self.restarts);
            }
            Request::Stop(reason) => {
                self.terminate_all(mb).await;
                return Flow::Break(reason);
            }
            Request::TryAgainRestart(id, reason) => {
                if let Some(i) = self.find(&id) {
                    if self.children[i].status == ChildStatus::Restarting {
                        return self.restart(mb, i, reason).await;
                    }
                }
            }
        }
        Flow::Continue(())
    }

    fn counts(&self) -> ChildCounts {
        let mut c = ChildCounts {
            specs: self.children.len(),
            ..ChildCounts::default()
        };
        for child in &self.children {
            if child.status.is_running() {
                c.active += 1;
            }
            match child.spec.child_type {
                ChildType::Worker => c.workers += 1,
                ChildType::Supervisor => c.supervisors += 1,
            }
        }
        c
    }

    async fn start_new_child(&mut self, spec: ChildSpec) -> Result<Started, StartChildError> {
        validate_spec(&self.flags, &spec).map_err(StartChildError::InvalidSpec)?;
        if let Some(i) = self.find(spec.id()) {
            return Err(match self.children[i].status {
                ChildStatus::Running(pid) => StartChildError::AlreadyStarted(pid),
                _ => StartChildError::AlreadyPresent,
            });
        }
        match start_child(&spec).await {
            Ok(Started::Pid(pid)) => {
                report::child_started(self.pid(), spec.id(), pid);
                self.children.push(Child {
                    spec,
                    status: ChildStatus::Running(pid),
                });
                Ok(Started::Pid(pid))
            }
            Ok(Started::Ignore) => {
                if spec.restart != Restart::Temporary {
                    self.children.push(Child {
                        spec,
                        status: ChildStatus::Stopped,
                    });
                }
                Ok(Started::Ignore)
            }
            Err(reason) => {
                report::start_error(self.pid(), spec.id(), &reason);
                Err(StartChildError::StartFailed(reason))
            }
        }
    }

    async fn terminate_child(
        &mut self,
        mb: &mut Mailbox<Request>,
        id: &str,
    ) -> Result<(), TerminateChildError> {
        let i = self.find(id).ok_or(TerminateChildError::NotFound)?;
        self.stop_child_at(mb, i).await;
        if self.children[i].spec.restart == Restart::Temporary {
            self.children.remove(i);
        }
        Ok(())
    }

    async fn restart_child(&mut self, id: &str) -> Result<Started, RestartChildError> {
        let i = self.find(id).ok_or(RestartChildError::NotFound)?;
        match self.children[i].status {
            ChildStatus::Running(_) => return Err(RestartChildError::Running),
            ChildStatus::Restarting => return Err(RestartChildError::Restarting),
            ChildStatus::Stopped => {}
        }
        let spec = self.children[i].spec.clone();
        match start_child(&spec).await {
            Ok(Started::Pid(pid)) => {
                report::child_started(self.pid(), spec.id(), pid);
                self.children[i].status = ChildStatus::Running(pid);
                Ok(Started::Pid(pid))
            }
            Ok(Started::Ignore) => Ok(Started::Ignore),
            Err(reason) => {
                report::start_error(self.pid(), spec.id(), &reason);
                Err(RestartChildError::StartFailed(reason))
            }
        }
    }

    /// Stop child `i` if it runs (its shutdown mode), and mark it stopped.
    pub(crate) async fn stop_child_at(&mut self, mb: &mut Mailbox<Request>, i: usize) {
        let sup = self.pid();
        let child = &mut self.children[i];
        if let ChildStatus::Running(pid) = child.status {
            let s = Stopping {
                id: child.spec.id(),
                pid,
                mode: child.spec.shutdown_mode(),
                restart: child.spec.restart,
            };
            shutdown::stop_child(mb, sup, s).await;
        }
        child.status = ChildStatus::Stopped;
    }

    /// Stop every child, one at a time, in reverse start order (G4, G9, G13).
    pub(crate) async fn terminate_all(&mut self, mb: &mut Mailbox<Request>) {
        for i in (0..self.children.len()).rev() {
            self.stop_child_at(mb, i).await;
        }
    }

    /// A running child ended with `reason` (G7, G14).
    async fn child_exited(
        &mut self,
        mb: &mut Mailbox<Request>,
        i: usize,
        reason: ExitReason,
    ) -> Flow {
        let child = &mut self.children[i];
        let restart_type = child.spec.restart;
        if let ChildStatus::Running(pid) = child.status {
            if restart_type == Restart::Permanent || !reason.is_clean() {
                report::child_terminated(self.me.untyped(), child.spec.id(), pid, &reason);
            }
        }
        let restart = match restart_type {
            Restart::Permanent => true,
            Restart::Transient => !reason.is_clean(),
            Restart::Temporary => false,
        };
        if restart {
            return self.restart(mb, i, reason).await;
        }
        let significant = child.spec.significant;
        if restart_type == Restart::Temporary {
            self.children.remove(i);
        } else {
            child.status = ChildStatus::Stopped;
        }
        if significant && self.auto_shutdown_due() {
            self.terminate_all(mb).await;
            return Flow::Break(ExitReason::Shutdown);
        }
        Flow::Continue(())
    }

    /// A significant child ended for good: does the supervisor stop now?
    fn auto_shutdown_due(&self) -> bool {
        match self.flags.auto_shutdown {
            AutoShutdown::Never => false,
            AutoShutdown::AnySignificant => true,
            AutoShutdown::AllSignificant => !self
                .children
                .iter()
                .any(|c| c.spec.significant && c.status.is_running()),
        }
    }
}
