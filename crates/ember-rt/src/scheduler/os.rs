//! OS thread priority, for demoting a worker thread stuck in a poll (design note, watchdog).
//!
//! The only `unsafe` of the scheduler lives here: two libc calls with plain integer arguments.
//! On Linux, `setpriority(PRIO_PROCESS, tid, nice)` applies to one thread. Failure (e.g. no
//! permission to raise a priority back) is reported to the caller and otherwise harmless.

/// The calling thread's OS id (0 where unsupported).
pub(crate) fn current_tid() -> i32 {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: gettid has no preconditions and cannot fail.
        unsafe { libc::gettid() }
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// Set the nice value of thread `tid`; `true` on success.
pub(crate) fn set_nice(tid: i32, nice: i32) -> bool {
    #[cfg(target_os = "linux")]
    {
        if tid <= 0 {
            return false;
        }
        // SAFETY: setpriority takes integers only; an invalid tid makes it fail with ESRCH.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, nice) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (tid, nice);
        false
    }
}

/// The CPU-time clock of the calling thread, readable from other threads (0 where
/// unsupported).
pub(crate) fn current_thread_clock() -> i32 {
    #[cfg(target_os = "linux")]
    {
        let mut clock: libc::clockid_t = 0;
        // SAFETY: pthread_self() is always valid for the calling thread and `clock` is a valid
        // out-pointer for the duration of the call.
        let rc = unsafe { libc::pthread_getcpuclockid(libc::pthread_self(), &mut clock) };
        if rc == 0 { clock } else { 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

/// CPU time consumed so far by the thread owning `clock`, in nanoseconds.
pub(crate) fn thread_cpu_ns(clock: i32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        if clock == 0 {
            return None;
        }
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid out-pointer; an invalid clock id makes the call fail.
        let rc = unsafe { libc::clock_gettime(clock, &mut ts) };
        (rc == 0).then(|| ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = clock;
        None
    }
}

/// What the OS says thread `tid` is doing: `Some(true)` if it is runnable (running or waiting
/// for a CPU), `Some(false)` if it is blocked (sleeping, in IO), `None` if unknown.
pub(crate) fn thread_runnable(tid: i32) -> Option<bool> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // The state is the first field after the parenthesised command name.
    let state = stat.rsplit_once(')')?.1.trim_start().chars().next()?;
    Some(state == 'R')
}
