//! Typed ownership of the handles that cross the ABI.
//!
//! Every handle is a `Box` handed to C as a raw pointer and taken back
//! exactly once by its `_free`. Shared use (one engine, many threads) works
//! through `const` pointers to the box: the engine itself synchronises
//! (its config sits behind an atomic swap), so no `Arc` needs to cross.
//!
//! Handles carry no type tag. A tag checked on every call (as this crate
//! once had) can only catch a use after free by reading the freed memory,
//! which is itself undefined behaviour; the library never reads memory it
//! freed. Uses after free and double frees are the host's bug, found with
//! AddressSanitizer or valgrind (the C tests run under both); docs/c-api.md,
//! "Handles", says so to C readers.

/// A type that crosses the ABI as an owned `Box` behind an opaque pointer.
/// A marker: only these types go through [`into_raw`] and [`free`].
pub(crate) trait Handle: Sized {}

/// Hands a new handle to C.
pub(crate) fn into_raw<T: Handle>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Takes a handle back from C and drops it. NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or was created by [`into_raw`], is freed once, and is not
/// used after this.
pub(crate) unsafe fn free<T: Handle>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: created by `Box::into_raw` in `into_raw`; ownership comes back here once.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Marks a struct as a [`Handle`].
macro_rules! handle {
    ($ty:ty) => {
        impl $crate::handles::Handle for $ty {}
    };
}
pub(crate) use handle;
