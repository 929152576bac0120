//! The boundary every export crosses: the panic boundary and the argument
//! checks, in one place (after rustls-ffi's `ffi_panic_boundary!` and
//! `try_ref_from_ptr!`).
//!
//! An export is written as
//!
//! ```ignore
//! pub unsafe extern "C" fn claimcheck_engine_warnings(engine: *const claimcheck_engine,
//!                                                     warnings_out: *mut *mut claimcheck_warnings) -> claimcheck_result {
//!     ffi_result! {
//!         let engine = try_ref!(engine);
//!         let out = try_out!(warnings_out);
//!         out.write(handles::into_raw(claimcheck_warnings { items: engine.engine.warnings() }));
//!         CLAIMCHECK_RESULT_OK
//!     }
//! }
//! ```
//!
//! - [`ffi_result!`] runs the body under `catch_unwind`: a panic becomes
//!   `CLAIMCHECK_RESULT_PANIC`. [`ffi_value!`] does the same for an export
//!   returning a value, which a panic replaces by the fail-closed value
//!   given; [`ffi_getter!`] is an accessor of one handle (NULL or a panic
//!   gives the fail-closed value); [`ffi_free!`] is a `_free`.
//! - `try_ref!`, `try_out!` and `try_str!` check one pointer
//!   argument each and `return` its code from the body when it is unusable
//!   (`try_ref!(p, or VALUE)` returns `VALUE` instead). Helpers that return a
//!   `Result` use the functions they wrap ([`str_arg`], [`slice_arg`]) with `?`.
//!
//! The checks hold the crate's `unsafe` pointer reads. Each relies on the
//! export's documented contract (its `# Safety` section, which the header
//! shows C readers as "Requires:"): a pointer argument is NULL or valid for
//! the access the contract names. They are for export arguments only.
//!
//! The process-wide panic hook is left alone: swapping it per call would race
//! with the host's own Rust code, and the default hook printing the message
//! to stderr is what a host wants to see for a library bug. Both profiles
//! build with `panic = "unwind"`, which `catch_unwind` needs.

use std::ffi::c_char;
use std::mem::{size_of, MaybeUninit};
use std::panic::{catch_unwind, AssertUnwindSafe};

use crate::strings::claimcheck_str;
use crate::error::{
    claimcheck_result, CLAIMCHECK_RESULT_INVALID_UTF8, CLAIMCHECK_RESULT_NULL_ARGUMENT, CLAIMCHECK_RESULT_PANIC,
    CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE,
};

/// Runs an export that returns a result code; a panic becomes
/// `CLAIMCHECK_RESULT_PANIC`.
pub(crate) fn result(body: impl FnOnce() -> claimcheck_result) -> claimcheck_result {
    // AssertUnwindSafe: after a panic the only thing handed back is a code;
    // no state the body touched is observed by the caller through this call.
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(CLAIMCHECK_RESULT_PANIC)
}

/// Runs an export that returns a value; a panic returns `on_panic`, which
/// each export picks to fail closed (false, 0, an absent string, -1).
pub(crate) fn value<T>(on_panic: T, body: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(body)).unwrap_or(on_panic)
}

/// Borrows the object a handle argument points to (`None` for NULL).
///
/// # Safety
/// `ptr` is NULL or points to a live `T` that stays alive for `'a`.
pub(crate) unsafe fn ref_arg<'a, T>(ptr: *const T) -> Option<&'a T> {
    // SAFETY: NULL or a live `T`, by the caller's contract.
    unsafe { ptr.as_ref() }
}

/// An out-param as writable, possibly uninitialised memory (`None` for NULL).
///
/// # Safety
/// `ptr` is NULL or valid and aligned for writing one `T` during `'a`.
pub(crate) unsafe fn out_arg<'a, T>(ptr: *mut T) -> Option<&'a mut MaybeUninit<T>> {
    // SAFETY: NULL or valid for writes, by the caller's contract;
    // `MaybeUninit<T>` has `T`'s layout and needs no initialised contents.
    unsafe { ptr.cast::<MaybeUninit<T>>().as_mut() }
}

/// A string argument given as pointer + length: NULL with length 0 is the
/// empty string, NULL with a length `CLAIMCHECK_RESULT_NULL_ARGUMENT`, and
/// bytes that are not UTF-8 `CLAIMCHECK_RESULT_INVALID_UTF8`. No NUL
/// terminator is needed: exactly `len` bytes are read.
///
/// # Safety
/// A non-NULL `ptr` points to `len` readable bytes valid for `'a`.
pub(crate) unsafe fn str_arg<'a>(ptr: *const c_char, len: usize) -> Result<&'a str, claimcheck_result> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { slice_arg(ptr.cast::<u8>(), len) }?;
    std::str::from_utf8(bytes).map_err(|_| CLAIMCHECK_RESULT_INVALID_UTF8)
}

/// A [`claimcheck_str`] argument, as [`str_arg`].
///
/// # Safety
/// As [`str_arg`], for `view.ptr` and `view.len`.
pub(crate) unsafe fn view_arg<'a>(view: claimcheck_str) -> Result<&'a str, claimcheck_result> {
    // SAFETY: forwarded contract.
    unsafe { str_arg(view.ptr, view.len) }
}

/// An array argument given as pointer + count: NULL with count 0 is the
/// empty array, NULL with a count `CLAIMCHECK_RESULT_NULL_ARGUMENT`.
///
/// # Safety
/// A non-NULL `ptr` points to `len` initialised `T` valid for `'a`.
pub(crate) unsafe fn slice_arg<'a, T>(ptr: *const T, len: usize) -> Result<&'a [T], claimcheck_result> {
    if ptr.is_null() {
        return if len == 0 { Ok(&[]) } else { Err(CLAIMCHECK_RESULT_NULL_ARGUMENT) };
    }
    // SAFETY: non-NULL, and the caller guarantees `len` initialised elements.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// A struct that crosses the ABI with a leading `size_t size` field the host
/// sets to `sizeof` of the struct in the header it was compiled with, so
/// fields can be appended later without breaking compiled hosts
/// (docs/c-api.md, "Growable structs").
///
/// # Safety
/// The implementor is `#[repr(C)]`, its first field is `size: usize`, every
/// field is valid when all its bytes are zero, and `SIZES` lists the sizes
/// of its published layouts, smallest first, ending with `size_of::<Self>()`.
/// Each layout is the one before it with fields appended after its end (a
/// new field never starts inside the previous layout's trailing padding), so
/// the first `SIZES[i]` bytes of the current layout are layout `i`.
pub(crate) unsafe trait Growable: Sized {
    /// The sizes this library reads and writes.
    const SIZES: &'static [usize];
}

/// A growable input struct as the library reads it: the host's own struct
/// when it has the current size, else a copy of the prefix the host's size
/// covers with every later field zero.
pub(crate) enum Grown<'a, T> {
    /// The host's struct, of the current size: read in place.
    Current(&'a T),
    /// An older, smaller layout, copied and zero-filled.
    Older(T),
}

impl<T> std::ops::Deref for Grown<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Grown::Current(t) => t,
            Grown::Older(t) => t,
        }
    }
}

/// The `size` field of a growable struct (its first `size_t`).
///
/// # Safety
/// `ptr` is non-NULL and points to at least one readable, aligned `usize`.
unsafe fn size_field<T: Growable>(ptr: *const T) -> usize {
    // SAFETY: every layout of `T` starts with `size: usize`; the struct is
    // aligned for `T`, whose alignment is at least `usize`'s.
    unsafe { ptr.cast::<usize>().read() }
}

/// Reads a growable input struct: NULL is `CLAIMCHECK_RESULT_NULL_ARGUMENT`;
/// a size not in `T::SIZES` (too small, unknown, or larger than this library
/// knows) is `Err(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE)` with the size,
/// before any byte past the `size` field is read.
///
/// # Safety
/// `ptr` is NULL or points to a readable struct of at least `size_t` bytes
/// whose `size` field is its real size (the export's contract).
pub(crate) unsafe fn sized_in<'a, T: Growable>(ptr: *const T) -> Result<Grown<'a, T>, (claimcheck_result, usize)> {
    if ptr.is_null() {
        return Err((CLAIMCHECK_RESULT_NULL_ARGUMENT, 0));
    }
    // SAFETY: non-NULL; every layout starts with the size field.
    let size = unsafe { size_field(ptr) };
    if size == size_of::<T>() {
        // SAFETY: the host's struct has the current layout, by its size.
        return Ok(Grown::Current(unsafe { &*ptr }));
    }
    if !T::SIZES.contains(&size) {
        return Err((CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE, size));
    }
    let mut value = MaybeUninit::<T>::zeroed();
    // SAFETY: the host's struct is `size` readable bytes (its size field),
    // `size < size_of::<T>()` (it is a known size other than the current
    // one), and the two do not overlap.
    unsafe { std::ptr::copy_nonoverlapping(ptr.cast::<u8>(), value.as_mut_ptr().cast::<u8>(), size) };
    // SAFETY: the first `size` bytes are an older layout's fields, which are
    // the current layout's first fields (Growable's contract); every later
    // field is zero, which is valid for it.
    Ok(Grown::Older(unsafe { value.assume_init() }))
}

/// A growable out-param whose size has been checked.
pub(crate) struct SizedOut<T> {
    ptr: *mut T,
    size: usize,
}

impl<T: Growable> SizedOut<T> {
    /// Writes the fields the host's size covers (its `size` field keeps its
    /// value); no byte past `size` is touched.
    pub(crate) fn write(self, value: T) {
        let value = MaybeUninit::new(value);
        let skip = size_of::<usize>();
        // SAFETY: `ptr` is valid for `size` bytes of writes (the export's
        // contract, checked against `T::SIZES`), `size <= size_of::<T>()`,
        // and `value` is a separate local. The copy is of bytes, so the
        // padding `value` may have is copied as it is, never read as a value.
        unsafe {
            std::ptr::copy_nonoverlapping(
                value.as_ptr().cast::<u8>().add(skip),
                self.ptr.cast::<u8>().add(skip),
                self.size - skip,
            );
        }
    }
}

/// Checks a growable out-param: NULL is `CLAIMCHECK_RESULT_NULL_ARGUMENT`,
/// a size not in `T::SIZES` `CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE`.
///
/// # Safety
/// `ptr` is NULL or points to a struct of at least `size_t` bytes, readable
/// and writable, whose `size` field is its real size (the export's contract).
pub(crate) unsafe fn sized_out<T: Growable>(ptr: *mut T) -> Result<SizedOut<T>, claimcheck_result> {
    if ptr.is_null() {
        return Err(CLAIMCHECK_RESULT_NULL_ARGUMENT);
    }
    // SAFETY: non-NULL; every layout starts with the size field.
    let size = unsafe { size_field(ptr) };
    if !T::SIZES.contains(&size) {
        return Err(CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE);
    }
    Ok(SizedOut { ptr, size })
}

/// The body of an export returning a `claimcheck_result`, inside the panic
/// boundary: a panic becomes `CLAIMCHECK_RESULT_PANIC`; the `try_*!` checks
/// in it return their code.
macro_rules! ffi_result {
    ($($body:tt)*) => {
        $crate::boundary::result(|| -> $crate::error::claimcheck_result { $($body)* })
    };
}
pub(crate) use ffi_result;

/// The body of an export returning a value, inside the panic boundary: a
/// panic returns `$fail`, the export's fail-closed value.
macro_rules! ffi_value {
    ($fail:expr, $($body:tt)*) => {
        $crate::boundary::value($fail, || { $($body)* })
    };
}
pub(crate) use ffi_value;

/// An accessor of one handle: `$fail` for NULL or a panic, else `$read`
/// with `$h` bound to the object.
macro_rules! ffi_getter {
    ($ptr:expr, $fail:expr, |$h:ident| $read:expr) => {{
        let ptr = $ptr;
        $crate::boundary::value($fail, || {
            let $h = $crate::boundary::try_ref!(ptr, or $fail);
            $read
        })
    }};
}
pub(crate) use ffi_getter;

/// A `_free` export: NULL is a no-op; the drop runs inside the panic boundary.
macro_rules! ffi_free {
    ($ptr:expr) => {{
        let ptr = $ptr;
        // SAFETY: the export's contract: NULL, or a handle this library
        // handed out, freed once and not used after.
        $crate::boundary::value((), || unsafe { $crate::handles::free(ptr) })
    }};
}
pub(crate) use ffi_free;

/// A handle argument: the object, or `return` of
/// `CLAIMCHECK_RESULT_NULL_ARGUMENT` (or of `VALUE`, with `, or VALUE`) for NULL.
macro_rules! try_ref {
    ($ptr:expr) => {
        $crate::boundary::try_ref!($ptr, or $crate::error::CLAIMCHECK_RESULT_NULL_ARGUMENT)
    };
    ($ptr:expr, or $fail:expr) => {{
        let ptr = $ptr;
        // SAFETY: the export's contract: NULL or a live object.
        match unsafe { $crate::boundary::ref_arg(ptr) } {
            Some(object) => object,
            None => return $fail,
        }
    }};
}
pub(crate) use try_ref;

/// An out-param: writable memory for one value, or `return` of
/// `CLAIMCHECK_RESULT_NULL_ARGUMENT` for NULL.
macro_rules! try_out {
    ($ptr:expr) => {{
        let ptr = $ptr;
        // SAFETY: the export's contract: NULL or valid for one write.
        match unsafe { $crate::boundary::out_arg(ptr) } {
            Some(out) => out,
            None => return $crate::error::CLAIMCHECK_RESULT_NULL_ARGUMENT,
        }
    }};
}
pub(crate) use try_out;

/// A string argument (pointer + length): the text, or `return` of its code
/// (see [`str_arg`]).
macro_rules! try_str {
    ($ptr:expr, $len:expr) => {{
        let (ptr, len) = ($ptr, $len);
        // SAFETY: the export's contract: NULL with length 0, or `len` readable bytes.
        match unsafe { $crate::boundary::str_arg(ptr, len) } {
            Ok(text) => text,
            Err(code) => return code,
        }
    }};
}
pub(crate) use try_str;


/// A growable out-param (see [`sized_out`]): the checked destination, or
/// `return` of `CLAIMCHECK_RESULT_NULL_ARGUMENT` or
/// `CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE`.
macro_rules! try_sized_out {
    ($ptr:expr) => {{
        let ptr = $ptr;
        // SAFETY: the export's contract: NULL, or a struct of `size` bytes,
        // readable and writable.
        match unsafe { $crate::boundary::sized_out(ptr) } {
            Ok(out) => out,
            Err(code) => return code,
        }
    }};
}
pub(crate) use try_sized_out;

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
