//! String views: pointer + length, in both directions.
//!
//! Inputs need no NUL terminator (Go and Lua pass their strings without
//! copying); a NULL pointer with length 0 is the empty string; invalid UTF-8
//! is `CLAIMCHECK_RESULT_INVALID_UTF8` (the checks are in `boundary`). Outputs
//! are views into the object that returned them and live as long as it does.

use std::ffi::c_char;

/// A borrowed UTF-8 string: `len` bytes at `ptr`, not NUL-terminated.
///
/// As input: `ptr` may be NULL only when `len` is 0 (the empty string).
/// As output: `ptr == NULL` means "absent" (for example no subject), which
/// differs from the empty string (`ptr != NULL`, `len == 0`); the bytes live
/// as long as the object that returned the view.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claimcheck_str {
    /// The first byte, or NULL (see above).
    pub ptr: *const c_char,
    /// The length in bytes, without any terminator.
    pub len: usize,
}

impl claimcheck_str {
    /// The absent string (NULL, 0).
    pub const ABSENT: claimcheck_str = claimcheck_str { ptr: std::ptr::null(), len: 0 };

    /// A view of a Rust string; valid while `s` is.
    pub fn view(s: &str) -> claimcheck_str {
        claimcheck_str { ptr: s.as_ptr().cast(), len: s.len() }
    }

    /// A view of an optional string: absent for `None`.
    pub fn view_opt(s: Option<&str>) -> claimcheck_str {
        s.map_or(claimcheck_str::ABSENT, claimcheck_str::view)
    }

    /// The view as Rust text, when it is present (test and binding helper).
    ///
    /// # Safety
    /// A non-NULL `ptr` must point to `len` readable bytes that stay valid for `'a`.
    pub unsafe fn to_str<'a>(self) -> Option<&'a str> {
        if self.ptr.is_null() {
            return None;
        }
        // SAFETY: the caller guarantees `len` readable bytes at a non-NULL `ptr`.
        let bytes = unsafe { std::slice::from_raw_parts(self.ptr.cast::<u8>(), self.len) };
        std::str::from_utf8(bytes).ok()
    }
}
