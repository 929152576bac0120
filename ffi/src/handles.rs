//! Typed ownership of the handles that cross the ABI.
//!
//! Every handle is a `Box` handed to C as a raw pointer and taken back
//! exactly once by its `_free`. Shared use (one engine, many threads) works
//! through `const` pointers to the box: the engine itself synchronises
//! (its config sits behind an atomic swap), so no `Arc` needs to cross.
//!
//! Each handle carries a magic number naming its type, overwritten when the
//! handle is freed. While the freed memory is still intact this turns some
//! uses after free (and some double frees) into `CLAIMCHECK_RESULT_INVALID_HANDLE`
//! or a no-op instead of silent corruption. It is a diagnostic, not a
//! guarantee: reading freed memory is itself undefined behaviour and an
//! allocator may reuse it at once, and a pointer to another handle type is
//! not reliably detected (the structs have different layouts, so the magic
//! may be read out of bounds). Tools (ASan, valgrind) are the real check; the
//! tests run under both and never rely on this.

use crate::error::{claimcheck_result, CLAIMCHECK_RESULT_INVALID_HANDLE, CLAIMCHECK_RESULT_NULL_ARGUMENT};

/// Written over a handle's magic when it is freed.
const DEAD: u64 = 0xdead_dead_dead_dead;

/// A type that crosses the ABI as an owned `Box` behind an opaque pointer.
pub(crate) trait Handle: Sized {
    /// This type's magic number.
    const MAGIC: u64;
    /// The magic stored in this value (its first field).
    fn magic(&self) -> u64;
    /// Overwrites the magic (to [`DEAD`] when freed).
    fn set_magic(&mut self, magic: u64);
}

/// Hands a new handle to C.
pub(crate) fn into_raw<T: Handle>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Borrows a handle C passed in: NULL and wrong-magic pointers are refused.
///
/// # Safety
/// `ptr` is NULL or points to a live `T` created by [`into_raw`] that stays
/// alive for `'a` (the caller's contract in the header).
pub(crate) unsafe fn try_ref<'a, T: Handle>(ptr: *const T) -> Result<&'a T, claimcheck_result> {
    if ptr.is_null() {
        return Err(CLAIMCHECK_RESULT_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL, and by the caller's contract a live `T` from `into_raw`.
    let value = unsafe { &*ptr };
    if value.magic() != T::MAGIC {
        return Err(CLAIMCHECK_RESULT_INVALID_HANDLE);
    }
    Ok(value)
}

/// Takes a handle back from C and drops it. NULL is a no-op; a handle whose
/// magic is wrong (another type, or visibly freed already) is left alone.
///
/// # Safety
/// `ptr` is NULL or was created by [`into_raw`] and is not used after this.
pub(crate) unsafe fn free<T: Handle>(ptr: *mut T) {
    if ptr.is_null() {
        return;
    }
    // SAFETY: non-NULL and, by the caller's contract, a `T` from `into_raw`.
    let magic = unsafe { (*ptr).magic() };
    if magic != T::MAGIC {
        return;
    }
    // SAFETY: created by `Box::into_raw` in `into_raw`; ownership comes back here once.
    let mut boxed = unsafe { Box::from_raw(ptr) };
    boxed.set_magic(DEAD);
    drop(boxed);
}

/// Implements [`Handle`] for a struct whose first field is `magic: u64`.
macro_rules! handle {
    ($ty:ty, $magic:expr) => {
        impl $crate::handles::Handle for $ty {
            const MAGIC: u64 = $magic;
            fn magic(&self) -> u64 {
                self.magic
            }
            fn set_magic(&mut self, magic: u64) {
                self.magic = magic;
            }
        }
    };
}
pub(crate) use handle;
