//! Describing a request without JSON: string views for the attributes and
//! arrays of name/value pairs, turned into the core's borrowed `Request`
//! without copying a byte. The request struct is growable: it starts with
//! the `size` the host compiled it with (see `boundary::Growable`).
//!
//! Up to [`STACK_HEADERS`] headers, [`STACK_PAIRS`] cookies and query
//! parameters and [`STACK_ATTRIBUTES`] attributes, the arrays of views live on
//! the stack: the common request allocates nothing on the way in (JSON
//! attribute values are parsed, which allocates).

use std::sync::atomic::Ordering;

use claimcheck_core::{Attribute, AttributeValue, LogLevel, Request};

use crate::boundary::{self, ffi_result, slice_arg, try_out, try_ref, view_arg, Growable};
use crate::decision::claimcheck_decision;
use crate::engine::claimcheck_engine;
use crate::error::{
    claimcheck_result, CLAIMCHECK_RESULT_INVALID_ARGUMENT, CLAIMCHECK_RESULT_INVALID_JSON, CLAIMCHECK_RESULT_INVALID_UTF8,
    CLAIMCHECK_RESULT_OK, CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE,
};
use crate::handles;
use crate::strings::claimcheck_str;

/// Headers held on the stack before spilling to the heap.
pub(crate) const STACK_HEADERS: usize = 32;
/// Cookies or query parameters held on the stack before spilling to the heap.
pub(crate) const STACK_PAIRS: usize = 8;
/// Attributes held on the stack before spilling to the heap.
pub(crate) const STACK_ATTRIBUTES: usize = 8;

/// One name/value pair: a header, a cookie or a query parameter.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claimcheck_pair {
    /// The name (headers: compared case-insensitively).
    pub name: claimcheck_str,
    /// The value.
    pub value: claimcheck_str,
}

/// How an attribute's value is to be read: one of `CLAIMCHECK_ATTRIBUTE_*`.
pub type claimcheck_attribute_kind = u32;
/// The value is a string, passed to rules as a CEL string without copying.
pub const CLAIMCHECK_ATTRIBUTE_STRING: claimcheck_attribute_kind = 0;
/// The value is JSON text (a number, list, object, ...) parsed into a CEL value.
pub const CLAIMCHECK_ATTRIBUTE_JSON: claimcheck_attribute_kind = 1;

/// An extra attribute the host supplies for rules, under a dotted name such
/// as `mcp.tool.name` or `source.port`.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claimcheck_attribute {
    /// The dotted name; the first segment is the CEL variable.
    pub name: claimcheck_str,
    /// The value: a string or JSON text, as `kind` says.
    pub value: claimcheck_str,
    /// `CLAIMCHECK_ATTRIBUTE_STRING` or `CLAIMCHECK_ATTRIBUTE_JSON`.
    pub kind: claimcheck_attribute_kind,
}

/// A request to authorize. Initialise it with `CLAIMCHECK_REQUEST_INIT`
/// (`claimcheck_request req = CLAIMCHECK_REQUEST_INIT;`), which sets `size`
/// and leaves every other field empty, then set what the host knows: every
/// field but `size` is optional.
///
/// Growable: `size` tells the library which fields the host's struct has,
/// so fields a later version appends are read as empty from a host compiled
/// against this header. A `size` the library does not know (0 from
/// `= {0}`, too small, or larger than its own struct) is refused with
/// `CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE`.
///
/// Strings are views (NULL with length 0 is empty). Arrays are a pointer and
/// a count; NULL with count 0 is empty. `cookies` and `query` differ: NULL
/// means "not parsed by the host", and the engine then reads the `Cookie`
/// headers and the query string of `path` itself; a non-NULL pointer (even
/// with count 0) means "these are all of them". Nothing is copied or kept
/// after the call returns.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct claimcheck_request {
    /// `sizeof(claimcheck_request)` as the host compiled it, set by
    /// `CLAIMCHECK_REQUEST_INIT`.
    pub size: usize,
    /// HTTP method, for example `GET`.
    pub method: claimcheck_str,
    /// Request path, optionally with its query string.
    pub path: claimcheck_str,
    /// The `Host` (or `:authority`) of the request.
    pub host: claimcheck_str,
    /// The peer address, for example `203.0.113.7`.
    pub source_address: claimcheck_str,
    /// Header pairs as received; a name may repeat.
    pub headers: *const claimcheck_pair,
    /// Number of `headers`.
    pub headers_len: usize,
    /// Cookies parsed by the host, or NULL to parse the `Cookie` headers.
    pub cookies: *const claimcheck_pair,
    /// Number of `cookies`.
    pub cookies_len: usize,
    /// Query parameters parsed and decoded by the host, or NULL to parse `path`.
    pub query: *const claimcheck_pair,
    /// Number of `query` parameters.
    pub query_len: usize,
    /// Extra attributes for rules.
    pub attributes: *const claimcheck_attribute,
    /// Number of `attributes`.
    pub attributes_len: usize,
}

/// The sizes of `claimcheck_request` this library reads: one per layout
/// ever published, smallest first (ABI 2: the struct as declared). A field
/// added later is appended after the last one, and the old size stays in
/// this list (docs/c-api.md, "Growable structs").
pub(crate) const REQUEST_SIZES: [usize; 1] = [std::mem::size_of::<claimcheck_request>()];

// SAFETY: `#[repr(C)]`, `size: usize` first, every field (views, array
// pointers and counts) valid when zero; one layout so far, the current one.
unsafe impl Growable for claimcheck_request {
    const SIZES: &'static [usize] = &REQUEST_SIZES;
}

/// The empty request (every view absent, every array NULL with count 0) of
/// the current size, as `CLAIMCHECK_REQUEST_INIT` gives a C host.
impl Default for claimcheck_request {
    fn default() -> Self {
        claimcheck_request {
            size: std::mem::size_of::<claimcheck_request>(),
            method: claimcheck_str::ABSENT,
            path: claimcheck_str::ABSENT,
            host: claimcheck_str::ABSENT,
            source_address: claimcheck_str::ABSENT,
            headers: std::ptr::null(),
            headers_len: 0,
            cookies: std::ptr::null(),
            cookies_len: 0,
            query: std::ptr::null(),
            query_len: 0,
            attributes: std::ptr::null(),
            attributes_len: 0,
        }
    }
}

/// Fills the first `count` slots of `stack` when they fit, else `heap`, with
/// `item(0..count)`, and returns the filled part. The array lives in the
/// caller's frame and is filled in place: it is never moved or copied.
fn fill<'s, T>(
    count: usize,
    stack: &'s mut [T],
    heap: &'s mut Vec<T>,
    mut item: impl FnMut(usize) -> Result<T, claimcheck_result>,
) -> Result<&'s [T], claimcheck_result> {
    if count <= stack.len() {
        let slots = stack.get_mut(..count).unwrap_or_default();
        for (i, slot) in slots.iter_mut().enumerate() {
            *slot = item(i)?;
        }
        Ok(slots)
    } else {
        heap.reserve_exact(count);
        for i in 0..count {
            heap.push(item(i)?);
        }
        Ok(heap.as_slice())
    }
}

type Pair<'a> = (&'a str, &'a str);

/// A pair part that is not UTF-8, read lossily: (pair index, is the value, text).
type LossyPart = (usize, bool, String);

/// Reads one part of a pair: UTF-8 is borrowed as is; other bytes (HTTP
/// allows obs-text in header values) are recorded for a lossy copy with
/// U+FFFD replacements, and "" stands in until the copy is patched in.
///
/// # Safety
/// `view` is a valid view (the request's contract).
unsafe fn pair_part<'a>(view: claimcheck_str, index: usize, value: bool, lossy: &mut Vec<LossyPart>) -> Result<&'a str, claimcheck_result> {
    // SAFETY: forwarded contract.
    match unsafe { view_arg(view) } {
        Err(CLAIMCHECK_RESULT_INVALID_UTF8) => {
            // SAFETY: the view was readable: only its UTF-8 check failed.
            unsafe { record_lossy(view, index, value, lossy) };
            Ok("")
        }
        other => other,
    }
}

/// The rare path, kept out of line so the common one stays small.
///
/// # Safety
/// `view` is readable for `view.len` bytes.
#[cold]
#[inline(never)]
unsafe fn record_lossy(view: claimcheck_str, index: usize, value: bool, lossy: &mut Vec<LossyPart>) {
    // SAFETY: forwarded contract.
    let bytes = unsafe { std::slice::from_raw_parts(view.ptr.cast::<u8>(), view.len) };
    lossy.push((index, value, String::from_utf8_lossy(bytes).into_owned()));
}

/// Reads C pairs into `stack` or `heap` (see [`fill`]).
///
/// # Safety
/// `pairs` views valid bytes (the request's contract).
unsafe fn pairs<'s, 'a>(
    pairs: &'a [claimcheck_pair],
    stack: &'s mut [Pair<'a>],
    heap: &'s mut Vec<Pair<'a>>,
    lossy: &mut Vec<LossyPart>,
) -> Result<&'s [Pair<'a>], claimcheck_result> {
    fill(pairs.len(), stack, heap, |i| {
        let p = pairs.get(i).ok_or(CLAIMCHECK_RESULT_INVALID_ARGUMENT)?;
        // SAFETY: the views come from the caller's request, valid for the call.
        unsafe { Ok((pair_part(p.name, i, false, lossy)?, pair_part(p.value, i, true, lossy)?)) }
    })
}

/// The pairs with their lossy parts patched in (only built when some part
/// was not UTF-8, which is rare).
#[cold]
#[inline(never)]
fn patched<'a>(pairs: &[Pair<'a>], lossy: &'a [LossyPart]) -> Vec<Pair<'a>> {
    let mut out = pairs.to_vec();
    for (index, value, text) in lossy {
        if let Some(pair) = out.get_mut(*index) {
            if *value {
                pair.1 = text;
            } else {
                pair.0 = text;
            }
        }
    }
    out
}

/// Runs `f` with the core's view of the C request.
///
/// # Safety
/// Every pointer in `req` is valid as the `claimcheck_request` docs say.
unsafe fn with_request<R>(req: &claimcheck_request, f: impl FnOnce(&Request<'_>) -> R) -> Result<R, claimcheck_result> {
    // SAFETY: (all views and arrays below) valid for this call by the request's contract.
    unsafe {
        // Header, cookie and query parts that are not UTF-8 are read lossily
        // rather than failing the request: a token among them can then never
        // verify (U+FFFD is not base64url), and rules see the replacements.
        let (mut lossy_h, mut lossy_c, mut lossy_q) = (Vec::new(), Vec::new(), Vec::new());
        // The stack arrays are set up only when there is something to hold.
        let (mut header_stack, mut cookie_stack, mut query_stack, mut attribute_stack);
        let (mut header_heap, mut cookie_heap, mut query_heap, mut attribute_heap) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let raw_headers = slice_arg(req.headers, req.headers_len)?;
        let headers: &[Pair<'_>] = if raw_headers.is_empty() {
            &[]
        } else {
            header_stack = [("", ""); STACK_HEADERS];
            pairs(raw_headers, &mut header_stack, &mut header_heap, &mut lossy_h)?
        };
        let cookies = if req.cookies.is_null() {
            None
        } else {
            cookie_stack = [("", ""); STACK_PAIRS];
            Some(pairs(slice_arg(req.cookies, req.cookies_len)?, &mut cookie_stack, &mut cookie_heap, &mut lossy_c)?)
        };
        let query = if req.query.is_null() {
            None
        } else {
            query_stack = [("", ""); STACK_PAIRS];
            Some(pairs(slice_arg(req.query, req.query_len)?, &mut query_stack, &mut query_heap, &mut lossy_q)?)
        };
        let (headers_fixed, cookies_fixed, query_fixed);
        let headers: &[Pair<'_>] = if lossy_h.is_empty() {
            headers
        } else {
            headers_fixed = patched(headers, &lossy_h);
            &headers_fixed
        };
        let cookies: Option<&[Pair<'_>]> = match cookies {
            Some(c) if !lossy_c.is_empty() => {
                cookies_fixed = patched(c, &lossy_c);
                Some(&cookies_fixed)
            }
            other => other,
        };
        let query: Option<&[Pair<'_>]> = match query {
            Some(q) if !lossy_q.is_empty() => {
                query_fixed = patched(q, &lossy_q);
                Some(&query_fixed)
            }
            other => other,
        };
        let attrs = slice_arg(req.attributes, req.attributes_len)?;
        let attributes: &[Attribute<'_>] = if attrs.is_empty() {
            &[]
        } else {
            attribute_stack = std::array::from_fn::<_, STACK_ATTRIBUTES, _>(|_| Attribute {
                name: "",
                value: AttributeValue::Str(""),
            });
            fill(attrs.len(), &mut attribute_stack, &mut attribute_heap, |i| {
                let a = attrs.get(i).ok_or(CLAIMCHECK_RESULT_INVALID_ARGUMENT)?;
                let name = view_arg(a.name)?;
                let text = view_arg(a.value)?;
                let value = match a.kind {
                    CLAIMCHECK_ATTRIBUTE_STRING => AttributeValue::Str(text),
                    CLAIMCHECK_ATTRIBUTE_JSON => {
                        AttributeValue::Json(serde_json::from_str(text).map_err(|_| CLAIMCHECK_RESULT_INVALID_JSON)?)
                    }
                    _ => return Err(CLAIMCHECK_RESULT_INVALID_ARGUMENT),
                };
                Ok(Attribute { name, value })
            })?
        };
        let request = Request {
            method: view_arg(req.method)?,
            path: view_arg(req.path)?,
            host: view_arg(req.host)?,
            headers,
            cookies,
            query,
            source_address: view_arg(req.source_address)?,
            attributes,
        };
        Ok(f(&request))
    }
}

/// # Safety
/// As `claimcheck_engine_authorize_at`.
unsafe fn authorize(
    engine: *const claimcheck_engine,
    request: *const claimcheck_request,
    now: Option<f64>,
    decision_out: *mut *mut claimcheck_decision,
) -> claimcheck_result {
    #[cfg(test)]
    crate::boundary::testing::maybe_panic();
    let engine = try_ref!(engine);
    // SAFETY: NULL or a request whose `size` is its real size, by the header's contract.
    let request = match unsafe { boundary::sized_in(request) } {
        Ok(request) => request,
        Err((code, size)) => {
            if code == CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE {
                unsupported_size(engine, size);
            }
            return code;
        }
    };
    let out = try_out!(decision_out);
    // SAFETY: the request's views and arrays are valid for this call.
    // The decision is boxed inside the closure, so only a pointer travels
    // back through the result.
    // A clock that is NaN, infinite or negative is refused (`None`): every
    // time check would pass against NaN.
    let decided = unsafe {
        with_request(&request, |r| {
            match now {
                Some(now) => engine.engine.authorize_at(r, now).ok(),
                None => Some(engine.engine.authorize(r)),
            }
            .map(|decision| handles::into_raw(claimcheck_decision { decision }))
        })
    };
    match decided {
        Ok(None) => CLAIMCHECK_RESULT_INVALID_ARGUMENT,
        Ok(Some(decision)) => {
            out.write(decision);
            CLAIMCHECK_RESULT_OK
        }
        Err(code) => code,
    }
}

/// Logs, once per engine, that a host passes requests of a size this library
/// does not know: the result code says what is wrong, the message why.
#[cold]
#[inline(never)]
fn unsupported_size(engine: &claimcheck_engine, size: usize) {
    if engine.size_logged.swap(true, Ordering::Relaxed) {
        return;
    }
    let known: Vec<String> = REQUEST_SIZES.iter().map(usize::to_string).collect();
    engine.log.log(
        LogLevel::Error,
        &format!(
            "claimcheck_engine_authorize: claimcheck_request.size is {size}, but libclaimcheck {} (ABI {}) reads requests of {} bytes: \
             initialise the request with CLAIMCHECK_REQUEST_INIT and build against the claimcheck.h of the library you load \
             (every such request fails with unsupported_struct_size; logged once per engine)",
            env!("CARGO_PKG_VERSION"),
            crate::version::CLAIMCHECK_ABI_VERSION,
            known.join(" or "),
        ),
    );
}

/// Decides one request at the current time and writes the new decision to
/// `*decision_out` (owned by the caller; free it with
/// `claimcheck_decision_free`). A denial is a successful call: read it with
/// the `claimcheck_decision_*` accessors. Thread-safe: any number of threads
/// may authorize on one engine at once, also during a reload.
///
/// Returns, without writing anything:
/// `CLAIMCHECK_RESULT_NULL_ARGUMENT` (NULL engine, request or
/// `decision_out`, or a NULL pointer with a non-zero length);
/// `CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE` (`request->size` is not a
/// size this library knows: see `claimcheck_request`; the first such
/// request an engine sees is also logged at `CLAIMCHECK_LOG_ERROR`);
/// `CLAIMCHECK_RESULT_INVALID_UTF8` (method, path, host, source address or
/// an attribute; header, cookie and query bytes that are not UTF-8 are read
/// with U+FFFD replacements instead, so such a credential never verifies);
/// `CLAIMCHECK_RESULT_INVALID_JSON` (a JSON attribute) or
/// `CLAIMCHECK_RESULT_INVALID_ARGUMENT` (an unknown attribute kind).
///
/// # Safety
/// `engine` is NULL or a live engine; `request` is NULL or a request of
/// `request->size` readable bytes whose views and arrays are valid for the
/// call; `decision_out` is NULL or valid for a pointer write.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_authorize(
    engine: *const claimcheck_engine,
    request: *const claimcheck_request,
    decision_out: *mut *mut claimcheck_decision,
) -> claimcheck_result {
    // SAFETY: forwarded contract.
    ffi_result! { unsafe { authorize(engine, request, None, decision_out) } }
}

/// Like `claimcheck_engine_authorize`, as if the time were `now` (seconds
/// since the Unix epoch, fractions allowed): every time check and the rules'
/// `now` use it. For tests and for replaying recorded requests; a gateway
/// uses `claimcheck_engine_authorize`. A `now` that is NaN, infinite or
/// negative is refused with `CLAIMCHECK_RESULT_INVALID_ARGUMENT` and nothing
/// is written (every time comparison is false against NaN, so such a clock
/// must never reach the checks).
///
/// # Safety
/// As `claimcheck_engine_authorize`.
#[no_mangle]
pub unsafe extern "C" fn claimcheck_engine_authorize_at(
    engine: *const claimcheck_engine,
    request: *const claimcheck_request,
    now: f64,
    decision_out: *mut *mut claimcheck_decision,
) -> claimcheck_result {
    // SAFETY: forwarded contract.
    ffi_result! { unsafe { authorize(engine, request, Some(now), decision_out) } }
}
