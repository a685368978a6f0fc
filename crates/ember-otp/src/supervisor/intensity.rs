//! The restart-intensity window (otp-semantics G8), exactly as `supervisor.erl` computes it.
//!
//! 1. Each restart is stamped with the monotonic time in **whole seconds**.
//! 2. Stamps with `stamp >= now - period` are kept (the edge is inclusive); the new one is added.
//! 3. If more than `intensity` stamps remain, the supervisor gives up.
//!
//! Because stamps are whole seconds, two restarts 1.1 s apart can be 1 or 2 "seconds" apart;
//! with period 1 the first case still counts both (as observed on OTP 25).

use std::collections::VecDeque;
use std::sync::OnceLock;
use std::time::Instant;

/// Whole seconds of a monotonic clock shared by all supervisors of the OS process.
pub(crate) fn now_secs() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_secs()
}

/// Restart stamps within the period.
#[derive(Debug, Clone)]
pub(crate) struct RestartWindow {
    intensity: u32,
    period: u64,
    stamps: VecDeque<u64>,
}

impl RestartWindow {
    pub(crate) fn new(intensity: u32, period: u64) -> RestartWindow {
        RestartWindow {
            intensity,
            period,
            stamps: VecDeque::new(),
        }
    }

    /// Record a restart at `now` (whole seconds); `false` means: give up.
    pub(crate) fn add(&mut self, now: u64) -> bool {
        let threshold = now.saturating_sub(self.period);
        // Stamps are non-decreasing, so the old ones are at the front.
        while self.stamps.front().is_some_and(|&s| s < threshold) {
            self.stamps.pop_front();
        }
        self.stamps.push_back(now);
        self.stamps.len() <= self.intensity as usize
    }
}

#[cfg(test)]
mod tests {
    use super::RestartWindow;

    #[test]
    fn intensity_zero_gives_up_at_first_restart() {
        assert!(!RestartWindow::new(0, 5).add(100));
    }

    #[test]
    fn intensity_one_survives_one_and_gives_up_at_second() {
        let mut w = RestartWindow::new(1, 5);
        assert!(w.add(100));
        assert!(!w.add(104));
    }

    #[test]
    fn edge_is_inclusive_in_whole_seconds() {
        // period 1: stamps 10 and 11 are both kept (10 >= 11 - 1), so 2 > 1 gives up.
        let mut w = RestartWindow::new(1, 1);
        assert!(w.add(10));
        assert!(!w.add(11));
        // 10 and 12: the first is dropped (10 < 12 - 1).
        let mut w = RestartWindow::new(1, 1);
        assert!(w.add(10));
        assert!(w.add(12));
    }

    #[test]
    fn elixir_default_three_in_five() {
        let mut w = RestartWindow::new(3, 5);
        assert!(w.add(0));
        assert!(w.add(1));
        assert!(w.add(2));
        assert!(!w.add(3));
    }

    #[test]
    fn old_stamps_expire() {
        let mut w = RestartWindow::new(2, 5);
        assert!(w.add(0));
        assert!(w.add(1));
        assert!(w.add(7)); // 0 and 1 are < 7 - 5 = 2: dropped
        assert!(w.add(7));
        assert!(!w.add(7));
    }
}
