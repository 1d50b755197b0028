//! A cluster's warning signals: SIGUSR1 (Slurm's `--signal=B:USR1@SECONDS`, forwarded by the
//! batch script) and SIGTERM (a time limit or preemption) ask a training process to stop after
//! its current step with a checkpoint, and to exit with [`INTERRUPTED`], so that the job can be
//! requeued and resume exactly where it stopped.

use std::sync::atomic::{AtomicBool, Ordering};

/// The exit status of a run stopped by a signal after saving its checkpoint (EX_TEMPFAIL: try
/// again later); the Slurm batch script requeues a task that exits with it.
pub use grokked_experiments::sweep::slurm::INTERRUPTED;

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_signal(_: libc::c_int) {
    STOP.store(true, Ordering::SeqCst);
}

/// Installs the handlers (once) and returns the flag they set.
pub fn stop_flag() -> &'static AtomicBool {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        for sig in [libc::SIGUSR1, libc::SIGTERM] {
            // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
            unsafe {
                libc::signal(sig, on_signal as *const () as libc::sighandler_t);
            }
        }
    });
    &STOP
}

/// Makes a write to a closed pipe end the process quietly, as Unix tools do (`grokked sweep
/// status DIR | head -1`): Rust ignores SIGPIPE, so such a write would otherwise panic with
/// "failed printing to stdout". Training writes its results to files, never only to stdout.
pub fn quiet_on_closed_pipe() {
    // SAFETY: restoring the default disposition of a signal before any thread is started.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
