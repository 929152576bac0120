package claimcheck

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestErrorsIsAndAs(t *testing.T) {
	_, err := NewFromFile(fix.path("invalid.yaml"))
	wrapped := fmt.Errorf("loading the gateway config: %w", err)
	if !errors.Is(wrapped, &Error{Code: CodeConfigInvalid}) {
		t.Error("a wrapped *Error matches its code")
	}
	if errors.Is(wrapped, &Error{Code: CodeConfigSyntax}) {
		t.Error("a wrapped *Error matches another code")
	}
	var cerr *Error
	if !errors.As(wrapped, &cerr) || cerr.Code != CodeConfigInvalid || cerr.Path == "" {
		t.Errorf("errors.As through the wrap: %+v", cerr)
	}
	// A target with more than a code is a particular error, not a code.
	if errors.Is(err, &Error{Code: CodeConfigInvalid, Path: cerr.Path}) || errors.Is(err, &Error{Code: CodeConfigInvalid, Message: cerr.Message}) {
		t.Error("a copy of the error matches it")
	}
	if !errors.Is(wrapped, err) {
		t.Error("the error itself matches")
	}
	if errors.Is(wrapped, ErrClosed) || !errors.Is(fmt.Errorf("x: %w", ErrClosed), ErrClosed) {
		t.Error("ErrClosed")
	}
}

// An attribute encoding/json cannot encode is an *Error with
// CodeInvalidJSON that unwraps to encoding/json's error.
func TestAttributeEncodingErrorUnwraps(t *testing.T) {
	e := engineText(t, goIssuer().config("", ""))
	_, err := e.Authorize(Request{Attributes: map[string]any{"mcp.tool.name": make(chan int)}})
	var jerr *json.UnsupportedTypeError
	if !errors.As(err, &jerr) || !errors.Is(err, &Error{Code: CodeInvalidJSON}) || !strings.Contains(err.Error(), "mcp.tool.name") {
		t.Fatalf("got %v", err)
	}
}

// The middleware matches errors with errors.Is and errors.As, so an error
// wrapped on its way counts as what it wraps.
func TestMiddlewareRefusalMatchesWrappedErrors(t *testing.T) {
	for _, c := range []struct {
		err    error
		status int
		reason string
	}{
		{ErrClosed, 503, "unavailable"},
		{fmt.Errorf("authorize: %w", ErrClosed), 503, "unavailable"},
		{&Error{Code: CodeInvalidUTF8, Message: "the path is not UTF-8"}, 400, "invalid_request"},
		{fmt.Errorf("authorize: %w", &Error{Code: CodeInvalidUTF8, Message: "x"}), 400, "invalid_request"},
		{&Error{Code: CodePanic, Message: "caught"}, 500, "internal_error"},
		{&Error{Code: CodeInvalidJSON}, 500, "internal_error"},
		{errors.New("something else"), 500, "internal_error"},
	} {
		if status, reason := refusal(c.err); status != c.status || reason != c.reason {
			t.Errorf("%v: %d %s, want %d %s", c.err, status, reason, c.status, c.reason)
		}
	}
}

// The middleware's answers to Authorize's errors, end to end.
func TestMiddlewareRefusals(t *testing.T) {
	e := engineText(t, goIssuer().config("", ""))
	var attrs func(*http.Request) map[string]any
	h := Middleware(e, WithLogger(nil), WithAttributes(func(r *http.Request) map[string]any { return attrs(r) }))(
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { t.Error("the handler must not run") }))
	serve := func(r *http.Request) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	attrs = func(*http.Request) map[string]any { return nil }
	// A path that is not UTF-8: the client's fault.
	w := serve(httptest.NewRequest("GET", "/caf\xe9", nil))
	if w.Code != 400 || !strings.Contains(w.Body.String(), `"invalid_request"`) {
		t.Errorf("non-UTF-8 path: %d %s", w.Code, w.Body)
	}
	// An attribute the host cannot encode: the server's fault.
	attrs = func(*http.Request) map[string]any { return map[string]any{"mcp.tool.name": func() {}} }
	w = serve(httptest.NewRequest("GET", "/x", nil))
	if w.Code != 500 || !strings.Contains(w.Body.String(), `"internal_error"`) {
		t.Errorf("unencodable attribute: %d %s", w.Code, w.Body)
	}
}
