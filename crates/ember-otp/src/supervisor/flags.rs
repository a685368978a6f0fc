//! Supervisor flags: strategy, restart intensity and period, auto-shutdown, name.
//!
//! Defaults follow **Elixir** (`Supervisor.init/2`): `one_for_one`, 3 restarts in 5 seconds,
//! `auto_shutdown: never`. Erlang's `supervisor` defaults to **1 restart in 5 seconds**
//! (otp-semantics G2); write `Flags::one_for_one().intensity(1)` to get Erlang's.

use ember_rt::Name;

/// Which children are restarted when one of them has to be (Erlang `strategy`).
///
/// ```
/// use ember_otp::supervisor::Strategy;
/// assert_eq!(Strategy::default(), Strategy::OneForOne);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Strategy {
    /// Restart only the child that ended (Erlang `one_for_one`).
    #[default]
    OneForOne,
    /// Stop all other children (reverse start order), then start all in order
    /// (Erlang `one_for_all`).
    OneForAll,
    /// Stop the children started after the one that ended (reverse order), then restart it and
    /// them in order (Erlang `rest_for_one`).
    RestForOne,
}

/// When the supervisor stops by itself because significant children ended (Erlang
/// `auto_shutdown`, OTP 24+).
///
/// ```
/// use ember_otp::supervisor::AutoShutdown;
/// assert_eq!(AutoShutdown::default(), AutoShutdown::Never);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AutoShutdown {
    /// Never (the default); significant children are rejected.
    #[default]
    Never,
    /// When any significant child ends by itself without being restarted.
    AnySignificant,
    /// When the last running significant child ends by itself without being restarted.
    AllSignificant,
}

/// The supervisor flags (Erlang `#{strategy, intensity, period, auto_shutdown}`; Elixir the
/// options of `Supervisor.init/2` / `Supervisor.start_link/2`).
///
/// The fields are public, so both the builder and struct-update forms work:
///
/// ```
/// use ember_otp::supervisor::{Flags, Strategy};
/// // Elixir: Supervisor.init(children, strategy: :one_for_all, max_restarts: 1, max_seconds: 2)
/// let a = Flags::one_for_all().intensity(1).period(2);
/// let b = Flags { strategy: Strategy::OneForAll, intensity: 1, period: 2, ..Flags::default() };
/// assert_eq!(a, b);
/// assert_eq!((Flags::default().intensity, Flags::default().period), (3, 5));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flags {
    /// The restart strategy.
    pub strategy: Strategy,
    /// At most this many restarts ... (Elixir `max_restarts`, default 3; Erlang default 1).
    pub intensity: u32,
    /// ... within this many **seconds** (Elixir `max_seconds`, default 5). Must be at least 1.
    pub period: u64,
    /// Auto-shutdown on significant children.
    pub auto_shutdown: AutoShutdown,
    /// Register the supervisor under this name (Elixir `name:`; Erlang `{local, Name}`).
    pub name: Option<Name>,
}

impl Default for Flags {
    fn default() -> Flags {
        Flags::new(Strategy::OneForOne)
    }
}

impl Flags {
    /// Flags with `strategy` and the Elixir defaults (3 restarts in 5 s, never auto-shutdown).
    ///
    /// ```
    /// use ember_otp::supervisor::{Flags, Strategy};
    /// assert_eq!(Flags::new(Strategy::RestForOne).strategy, Strategy::RestForOne);
    /// ```
    pub fn new(strategy: Strategy) -> Flags {
        Flags {
            strategy,
            intensity: 3,
            period: 5,
            auto_shutdown: AutoShutdown::Never,
            name: None,
        }
    }

    /// `one_for_one` with the defaults.
    ///
    /// ```
    /// assert_eq!(ember_otp::supervisor::Flags::one_for_one(), Default::default());
    /// ```
    pub fn one_for_one() -> Flags {
        Flags::new(Strategy::OneForOne)
    }

    /// `one_for_all` with the defaults.
    ///
    /// ```
    /// use ember_otp::supervisor::{Flags, Strategy};
    /// assert_eq!(Flags::one_for_all().strategy, Strategy::OneForAll);
    /// ```
    pub fn one_for_all() -> Flags {
        Flags::new(Strategy::OneForAll)
    }

    /// `rest_for_one` with the defaults.
    ///
    /// ```
    /// use ember_otp::supervisor::{Flags, Strategy};
    /// assert_eq!(Flags::rest_for_one().strategy, Strategy::RestForOne);
    /// ```
    pub fn rest_for_one() -> Flags {
        Flags::new(Strategy::RestForOne)
    }

    /// Set the strategy.
    ///
    /// ```
    /// use ember_otp::supervisor::{Flags, Strategy};
    /// assert_eq!(Flags::default().strategy(Strategy::OneForAll), Flags::one_for_all());
    /// ```
    pub fn strategy(mut self, strategy: Strategy) -> Flags {
        self.strategy = strategy;
        self
    }

    /// Set the maximum number of restarts within the period (Erlang `intensity`).
    ///
    /// ```
    /// assert_eq!(ember_otp::supervisor::Flags::default().intensity(0).intensity, 0);
    /// ```
    pub fn intensity(mut self, max_restarts: u32) -> Flags {
        self.intensity = max_restarts;
        self
    }

    /// Set the period, in seconds (Erlang `period`).
    ///
    /// ```
    /// assert_eq!(ember_otp::supervisor::Flags::default().period(1).period, 1);
    /// ```
    pub fn period(mut self, seconds: u64) -> Flags {
        self.period = seconds;
        self
    }

    /// Set the auto-shutdown mode.
    ///
    /// ```
    /// use ember_otp::supervisor::{AutoShutdown, Flags};
    /// let f = Flags::default().auto_shutdown(AutoShutdown::AnySignificant);
    /// assert_eq!(f.auto_shutdown, AutoShutdown::AnySignificant);
    /// ```
    pub fn auto_shutdown(mut self, mode: AutoShutdown) -> Flags {
        self.auto_shutdown = mode;
        self
    }

    /// Register the supervisor under `name` when it starts.
    ///
    /// ```
    /// let f = ember_otp::supervisor::Flags::default().name("root");
    /// assert_eq!(f.name.unwrap().as_str(), "root");
    /// ```
    pub fn name(mut self, name: impl Into<Name>) -> Flags {
        self.name = Some(name.into());
        self
    }

    /// Check the flags (Erlang `{supervisor_data, E}` errors).
    pub(crate) fn validate(&self) -> Result<(), super::FlagsError> {
        if self.period == 0 {
            return Err(super::FlagsError::InvalidPeriod(self.period));
        }
        Ok(())
    }
}
