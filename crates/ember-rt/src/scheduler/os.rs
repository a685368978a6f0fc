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
