//! Restarting: the intensity check (G8-G10) and the three strategies (G6).
//!
//! Every restart — a child ended and its restart type asks for it, or a failed restart is
//! retried — first adds a stamp to the intensity window. Over the limit, the supervisor gives
//! up: it reports `reached_max_restart_intensity`, stops all children in reverse start order
//! and exits with `shutdown` (G9). Otherwise:
//! - `one_for_one`: start the child again.
//! - `one_for_all`: stop the other children in reverse start order (temporary ones are
//!   dropped), then start every child in start order.
//! - `rest_for_one`: the same, for the child and those started after it.
//!
//! If a start fails, the child is marked `Restarting`, the rest of the sequence is not
//! started, and a `TryAgainRestart` message is queued; handling it counts as a new restart
//! (G10).

use ember_rt::{ExitReason, Mailbox};

use super::intensity::now_secs;
use super::server::{Flow, Request, Sup};
use super::start::start_child;
use super::{ChildStatus, Strategy};
use crate::child::{Restart, Started};
use crate::report;

impl Sup {
    /// Restart child `i`, which ended (or failed to restart) with `reason`.
    pub(crate) async fn restart(
        &mut self,
        mb: &mut Mailbox<Request>,
        i: usize,
        reason: ExitReason,
    ) -> Flow {
        self.restarts += 1;
        if !self.window.add(now_secs()) {
            report::reached_max_restart_intensity(
                self.pid(),
                self.children[i].spec.id(),
                &reason,
                self.restarts,
            );
            self.children[i].status = ChildStatus::Stopped;
            self.terminate_all(mb).await;
            return Flow::Break(ExitReason::Shutdown);
        }
        match self.flags.strategy {
            Strategy::OneForOne => {
                self.children[i].status = ChildStatus::Stopped;
                self.start_range(i, i + 1).await;
            }
            Strategy::OneForAll => self.restart_from(mb, 0, i).await,
            Strategy::RestForOne => self.restart_from(mb, i, i).await,
        }
        Flow::Continue(())
    }

    /// Stop the children `from..` (but `failed`, already gone) in reverse order, drop the
    /// temporary ones, then start them all again in order.
    async fn restart_from(&mut self, mb: &mut Mailbox<Request>, from: usize, failed: usize) {
        self.children[failed].status = ChildStatus::Stopped;
        for j in (from..self.children.len()).rev() {
            self.stop_child_at(mb, j).await;
        }
        let mut j = from;
        while j < self.children.len() {
            if self.children[j].spec.restart == Restart::Temporary {
                self.children.remove(j);
            } else {
                j += 1;
            }
        }
        let end = self.children.len();
        self.start_range(from, end).await;
    }

    /// Start children `from..to` in order; on the first failure mark that child `Restarting`,
    /// queue a retry and stop there.
    async fn start_range(&mut self, from: usize, to: usize) {
        for j in from..to {
            let spec = self.children[j].spec.clone();
            match start_child(&spec).await {
                Ok(Started::Pid(pid)) => {
                    self.children[j].status = ChildStatus::Running(pid);
                    report::child_started(self.pid(), spec.id(), pid);
                    report::child_restarted(self.pid(), spec.id(), pid, self.restarts);
                }
                Ok(Started::Ignore) => self.children[j].status = ChildStatus::Stopped,
                Err(reason) => {
                    report::start_error(self.pid(), spec.id(), &reason);
                    self.children[j].status = ChildStatus::Restarting;
                    self.me
                        .send(Request::TryAgainRestart(spec.id.clone(), reason));
                    return;
                }
            }
        }
    }
}
