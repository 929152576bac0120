//! Nothing here: the tests in tests/ call claimcheck-ffi's `extern "C"`
//! functions under Miri (scripts/test-miri).
