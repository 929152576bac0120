//! Rust tests of the FFI layer (filled below).
