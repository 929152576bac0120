package claimcheck

/*
#include "claimcheck.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"
)

// ErrorCode is a result code of the C ABI (a CLAIMCHECK_RESULT_* value).
// Codes are stable: a value is never reused.
type ErrorCode uint32

// The result codes (CLAIMCHECK_RESULT_*).
const (
	// CodeOK is success; an *Error never carries it.
	CodeOK ErrorCode = C.CLAIMCHECK_RESULT_OK
	// CodeNullArgument: a required pointer was NULL (a bug in this binding).
	CodeNullArgument ErrorCode = C.CLAIMCHECK_RESULT_NULL_ARGUMENT
	// CodeInvalidUTF8: a string (config, path, header, ...) is not valid UTF-8.
	CodeInvalidUTF8 ErrorCode = C.CLAIMCHECK_RESULT_INVALID_UTF8
	// CodeInvalidHandle: reserved; the C library does not return it (it
	// does not detect freed handles). A closed Engine returns ErrClosed.
	CodeInvalidHandle ErrorCode = C.CLAIMCHECK_RESULT_INVALID_HANDLE
	// CodeInvalidJSON: an attribute value could not be read as JSON.
	CodeInvalidJSON ErrorCode = C.CLAIMCHECK_RESULT_INVALID_JSON
	// CodeNotFound: the thing asked for does not exist.
	CodeNotFound ErrorCode = C.CLAIMCHECK_RESULT_NOT_FOUND
	// CodeInvalidArgument: an argument is outside its documented set.
	CodeInvalidArgument ErrorCode = C.CLAIMCHECK_RESULT_INVALID_ARGUMENT
	// CodeUnsupportedStructSize: the library does not know the size of a
	// struct this binding passed (the binding and the library come from
	// different releases; the ABI check normally refuses such a library).
	CodeUnsupportedStructSize ErrorCode = C.CLAIMCHECK_RESULT_UNSUPPORTED_STRUCT_SIZE
	// CodeConfigSyntax: the config is not valid YAML or JSON (Line, Column).
	CodeConfigSyntax ErrorCode = C.CLAIMCHECK_RESULT_CONFIG_SYNTAX
	// CodeConfigInvalid: a config field is unknown, missing or wrong (Path).
	CodeConfigInvalid ErrorCode = C.CLAIMCHECK_RESULT_CONFIG_INVALID
	// CodeRuleInvalid: an authorization rule does not compile (Rule, Column).
	CodeRuleInvalid ErrorCode = C.CLAIMCHECK_RESULT_RULE_INVALID
	// CodeKeysInvalid: a key set could not be read or has no usable key (Path).
	CodeKeysInvalid ErrorCode = C.CLAIMCHECK_RESULT_KEYS_INVALID
	// CodeIO: a file (the config, a key file) could not be read.
	CodeIO ErrorCode = C.CLAIMCHECK_RESULT_IO
	// CodePanic: a bug inside the library, caught; the library stays usable.
	CodePanic ErrorCode = C.CLAIMCHECK_RESULT_PANIC
)

// String returns the code's stable snake_case name ("config_invalid", ...),
// or "result_<n>" for a code this library does not know.
func (c ErrorCode) String() string {
	if s, ok := goStringView(C.claimcheck_result_name(C.claimcheck_result(c))); ok {
		return s
	}
	return fmt.Sprintf("result_%d", uint32(c))
}

// Error is a failure reported by the library: a config that does not load
// (with where the problem is) or an argument it refused.
type Error struct {
	// Code says what kind of failure it is.
	Code ErrorCode
	// Message says what is wrong, in one line.
	Message string
	// Location is where, in words: "authentication.providers[1].audiences",
	// "line 3, column 7" or "authorization.rules[2], column 14"; empty when
	// unknown.
	Location string
	// Path is the config field path when the error is about one field.
	Path string
	// Rule is the 0-based index of the failing rule, -1 when not a rule error.
	Rule int
	// Line is the 1-based line of a syntax error, -1 when none.
	Line int
	// Column is the 1-based column (in the rule text for rule errors, in the
	// line for syntax errors), -1 when unknown.
	Column int

	// cause is the Go error behind it, if any (Unwrap).
	cause error
}

// Error formats the error as "claimcheck: LOCATION: MESSAGE".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("claimcheck: ")
	if e.Location != "" {
		b.WriteString(e.Location)
		b.WriteString(": ")
	}
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(e.Code.String())
	}
	return b.String()
}

// Is makes errors.Is(err, &Error{Code: c}) match any *Error with code c,
// wherever it is in err's chain: a target with only Code set stands for
// its code. Any other *Error target matches only itself.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Location == "" && t.Path == "" && t.cause == nil
}

// Unwrap returns the Go error behind e, when the binding made e from one
// (an attribute encoding/json could not encode: errors.As finds the
// *json.UnsupportedTypeError); nil for the library's errors.
func (e *Error) Unwrap() error { return e.cause }

// ErrClosed is returned by every method of an Engine after Close.
var ErrClosed = errors.New("claimcheck: engine is closed")

// ErrABIMismatch is wrapped by the error New returns when the linked
// library's ABI version differs from the header this binding was built
// with.
var ErrABIMismatch = errors.New("claimcheck: library ABI version mismatch")

// takeError converts an owned claimcheck_error (may be NULL) into an *Error
// and frees it. code is the failing call's result.
func takeError(code C.claimcheck_result, cerr *C.claimcheck_error) *Error {
	e := &Error{Code: ErrorCode(code), Rule: -1, Line: -1, Column: -1}
	if cerr == nil {
		e.Message = e.Code.String()
		return e
	}
	defer C.claimcheck_error_free(cerr)
	e.Code = ErrorCode(C.claimcheck_error_code(cerr))
	e.Message, _ = goStringView(C.claimcheck_error_message(cerr))
	e.Location, _ = goStringView(C.claimcheck_error_location(cerr))
	e.Path, _ = goStringView(C.claimcheck_error_path(cerr))
	e.Rule = int(C.claimcheck_error_rule(cerr))
	e.Line = int(C.claimcheck_error_line(cerr))
	e.Column = int(C.claimcheck_error_column(cerr))
	return e
}

// resultError is the *Error for a failing call without an error object.
func resultError(code C.claimcheck_result) *Error {
	return takeError(code, nil)
}
