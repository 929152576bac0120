//! The panic boundary: every export runs its body through one of these, so a
//! bug in the library becomes `CLAIMCHECK_RESULT_PANIC` (or a fail-closed
//! value) instead of unwinding into C, which would be undefined behaviour,
//! or aborting the host. Requires `panic = "unwind"` (both profiles).
//!
//! The process-wide panic hook is left alone: swapping it per call would race
//! with the host's own Rust code. The default hook prints the panic message
//! to stderr, which is what a host wants to see for a library bug.

use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_PANIC};

/// Runs an export that returns a result code; a panic becomes
/// `CLAIMCHECK_RESULT_PANIC`.
pub(crate) fn result(body: impl FnOnce() -> claimcheck_result) -> claimcheck_result {
    // AssertUnwindSafe: after a panic the only thing we hand back is a code;
    // no state touched by the body is observed by the caller through this call.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(CLAIMCHECK_RESULT_PANIC)
}

/// Runs an export that returns a value; a panic returns `on_panic`, which
/// each caller picks to fail closed (false, 0, an absent string).
pub(crate) fn value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Test-only trigger: makes the next authorize call on this thread panic
/// inside the boundary, to prove it becomes a code.
#[cfg(test)]
pub(crate) mod testing {
    use std::cell::Cell;

    thread_local! {
        static PANIC_NEXT: Cell<bool> = const { Cell::new(false) };
    }

    pub(crate) fn panic_next_call() {
        PANIC_NEXT.with(|p| p.set(true));
    }

    pub(crate) fn maybe_panic() {
        if PANIC_NEXT.with(|p| p.replace(false)) {
            panic!("test-provoked panic inside the FFI boundary");
        }
    }
}
