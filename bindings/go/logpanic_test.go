package claimcheck

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// What happens when the host's log function panics (log.go, SetLogger):
// on the library's key-refresh thread the panic is reported (the handler
// of SetLogPanicHandler, by default standard error once), during a call
// made from Go it is raised again in that call; the process and the
// engine carry on either way.

// keyServer serves the test issuer's JWKS on 127.0.0.1, or 500 once fail
// is set.
type keyServer struct {
	*httptest.Server
	fail atomic.Bool
}

func newKeyServer(t *testing.T) *keyServer {
	t.Helper()
	ks := &keyServer{}
	ks.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ks.fail.Load() {
			http.Error(w, "the key server is down", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, goIssuer().jwks)
	}))
	t.Cleanup(ks.Close)
	if !strings.HasPrefix(ks.URL, "http://127.0.0.1:") {
		t.Fatalf("the key server is not on 127.0.0.1: %s", ks.URL)
	}
	return ks
}

// jwksURL is the URL the engine fetches keys from.
func (ks *keyServer) jwksURL() string { return ks.URL + "/keys" }

// remoteConfig trusts the test issuer with keys fetched from ks, cached
// 1s: the refresher fetches again about every second, and retries a failed
// fetch within a second.
func remoteConfig(ks *keyServer) string {
	return fmt.Sprintf("authentication:\n  providers:\n    - name: okta\n      issuer: %s\n      audiences: [%s]\n"+
		"      jwks:\n        url: %s\n        allowHttp: true\n        cacheDuration: 1s\n", testIssuerURL, testAudience, ks.jwksURL())
}

// catchPanic runs f and returns what it panicked with (nil: it returned).
func catchPanic(f func()) (v any) {
	defer func() { v = recover() }()
	f()
	return nil
}

// noPendingPanics checks that no recovered panic waits for a call that
// will never take it.
func noPendingPanics(t *testing.T) {
	t.Helper()
	if n := callPanicsPending.Load(); n != 0 {
		t.Errorf("%d recovered log panics left behind", n)
	}
}

// collectLogPanics sets a panic handler for the test that keeps what it
// receives.
func collectLogPanics(t *testing.T) chan LogPanic {
	reports := make(chan LogPanic, 64)
	SetLogPanicHandler(func(p LogPanic) {
		select {
		case reports <- p:
		default:
		}
	})
	t.Cleanup(func() { SetLogPanicHandler(nil) })
	return reports
}

var errRefresherBoom = errors.New("the log function fails on the refresher")

func TestLogPanicOnTheKeyRefresherIsReportedAndTheEngineCarriesOn(t *testing.T) {
	reports := collectLogPanics(t)
	ks := newKeyServer(t)
	e := engineText(t, remoteConfig(ks))
	tok := goIssuer().signRS256(t, oktaClaims(time.Now(), nil))
	d, err := e.Authorize(bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	assertDecision(t, d, 200, "allowed")

	var armed atomic.Bool
	armed.Store(true)
	defer armed.Store(false)
	if err := e.SetLogger(func(level LogLevel, msg string) {
		if armed.Load() {
			panic(errRefresherBoom)
		}
	}); err != nil {
		t.Fatal(err)
	}
	// From now on every background fetch fails and logs an error, on the
	// refresher thread, to a log function that panics.
	ks.fail.Store(true)

	// Meanwhile requests keep being decided, with the last good keys.
	stop := make(chan struct{})
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if d, err := e.Authorize(bearer(tok)); err != nil || !d.Allowed {
					errs <- fmt.Errorf("while the log function panics: %+v %v", d, err)
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// Two reports: the refresher survived the first panic and fetched again.
	for i := 0; i < 2; i++ {
		select {
		case p := <-reports:
			if p.Value != errRefresherBoom || p.Level != LogError ||
				!strings.Contains(p.Message, "fetching keys from `"+ks.jwksURL()+"` failed") {
				t.Errorf("report %d: %v, %s %q", i, p.Value, p.Level, p.Message)
			}
			if !strings.Contains(string(p.Stack), "TestLogPanicOnTheKeyRefresherIsReportedAndTheEngineCarriesOn") {
				t.Errorf("the stack does not show the log function:\n%s", p.Stack)
			}
			if s := p.String(); !strings.Contains(s, errRefresherBoom.Error()) || !strings.Contains(s, "library thread") {
				t.Errorf("String() = %q", s)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%d panics of the log function reported in 20s, want 2", i)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	d, err = e.Authorize(bearer(tok))
	if err != nil {
		t.Fatal(err)
	}
	assertDecision(t, d, 200, "allowed")
	// None of them was mistaken for a panic of a call made from Go.
	noPendingPanics(t)
}

// childEnv makes the test binary, run again by the test below, play the
// child process.
const childEnv = "CLAIMCHECK_GO_TEST_LOG_PANIC_CHILD"

// The default report, seen from outside: a child process whose log
// function panics on every background fetch keeps running and deciding,
// and writes the first panic, with its stack, to standard error, once.
func TestLogPanicOnALibraryThreadIsWrittenToStderrOnceByDefault(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		logPanicChild(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestLogPanicOnALibraryThreadIsWrittenToStderrOnceByDefault$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), childEnv+"=1", "CLAIMCHECK_FIXTURES="+fix.dir)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		t.Fatalf("the child failed: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	if !strings.Contains(stdout.String(), "child: 3 panics, still deciding") {
		t.Errorf("the child did not get through:\n%s", &stdout)
	}
	out := stderr.String()
	if n := strings.Count(out, "claimcheck: the log function panicked on a library thread"); n != 1 {
		t.Errorf("%d reports on stderr, want 1:\n%s", n, out)
	}
	for _, want := range []string{"boom from the child's log function", "fetching keys from", "logPanicChild", "later panics of this log function are not written"} {
		if !strings.Contains(out, want) {
			t.Errorf("stderr lacks %q:\n%s", want, out)
		}
	}
}

func logPanicChild(t *testing.T) {
	ks := newKeyServer(t)
	e := engineText(t, remoteConfig(ks))
	tok := goIssuer().signRS256(t, oktaClaims(time.Now(), nil))
	var calls atomic.Int64
	if err := e.SetLogger(func(level LogLevel, msg string) {
		calls.Add(1)
		panic("boom from the child's log function")
	}); err != nil {
		t.Fatal(err)
	}
	ks.fail.Store(true)
	deadline := time.Now().Add(30 * time.Second)
	for calls.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d log calls in 30s", calls.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	d, err := e.Authorize(bearer(tok))
	if err != nil || !d.Allowed {
		t.Fatalf("after the panics: %+v %v", d, err)
	}
	if err := e.SetLogger(nil); err != nil {
		t.Fatal(err)
	}
	fmt.Println("child: 3 panics, still deciding")
}

// twoBrokenKeys is the test issuer's config with two more keys that cannot
// be parsed: loading it logs two warnings, one per key (broken-1, then
// broken-2).
func twoBrokenKeys(tail string) string {
	broken := `{"keys":[{"e":"AQAB","kid":"broken-1","kty":"RSA","n":"AQAB"},{"e":"AQAB","kid":"broken-2","kty":"RSA","n":"AQAB"},`
	jwks := broken + strings.TrimPrefix(goIssuer().jwks, `{"keys":[`)
	return fmt.Sprintf("authentication:\n  providers:\n    - name: okta\n      issuer: %s\n      audiences: [%s]\n      jwks:\n        inline: '%s'\n%s",
		testIssuerURL, testAudience, jwks, tail)
}

var errReloadBoom = errors.New("the log function fails during a reload")

func TestLogPanicDuringAReloadIsRaisedInTheReload(t *testing.T) {
	reports := collectLogPanics(t)
	e := engineText(t, goIssuer().config("", ""))
	var calls atomic.Int64
	if err := e.SetLogger(func(level LogLevel, msg string) {
		calls.Add(1)
		panic(errReloadBoom)
	}); err != nil {
		t.Fatal(err)
	}
	cfg := twoBrokenKeys("")
	if v := catchPanic(func() { _ = e.Reload(cfg) }); v != errReloadBoom {
		t.Fatalf("Reload panicked with %v, want the log function's value", v)
	}
	// The library finished the reload: the new config serves.
	w, err := e.Warnings()
	if err != nil || len(w) != 2 || !strings.Contains(w[0], "broken-1") || !strings.Contains(w[1], "broken-2") {
		t.Fatalf("warnings of the reloaded config: %q %v", w, err)
	}
	// The second warning was not given to the function that had panicked.
	if n := calls.Load(); n != 1 {
		t.Errorf("the log function was called %d times, want 1", n)
	}
	assertDecision(t, ruleDecide(t, e, bearer(alice(t))), 200, "allowed")

	// A reload that fails logs its error: raised the same way, and the
	// running config stays.
	if v := catchPanic(func() { _ = e.ReloadFile(fix.path("invalid.yaml")) }); v != errReloadBoom {
		t.Fatalf("ReloadFile panicked with %v, want the log function's value", v)
	}
	if w, _ := e.Warnings(); len(w) != 2 {
		t.Errorf("the failed reload replaced the config: %q", w)
	}
	assertDecision(t, ruleDecide(t, e, bearer(alice(t))), 200, "allowed")

	// A log function that does not panic gets everything again.
	sink := &logSink{}
	if err := e.SetLogger(sink.log); err != nil {
		t.Fatal(err)
	}
	if err := e.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if !sink.find(LogWarn, "broken-1") || !sink.find(LogWarn, "broken-2") {
		t.Errorf("records after the panics: %+v", sink.records)
	}
	noPendingPanics(t)
	select {
	case p := <-reports:
		t.Errorf("a panic during a call from Go went to the handler: %v", p)
	default:
	}
}

var errAuthorizeBoom = errors.New("the log function fails during a decision")

func TestLogPanicDuringAuthorizeIsRaisedInAuthorize(t *testing.T) {
	reports := collectLogPanics(t)
	// The deny rule errors on every request: the decision logs it.
	e := engineText(t, goIssuer().withRules("    - deny: 'jwt.tenant == \"x\"'\n"))
	if err := e.SetLogger(func(level LogLevel, msg string) { panic(errAuthorizeBoom) }); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if v := catchPanic(func() { _, _ = e.AuthorizeAt(bearer(alice(t)), ruleNow) }); v != errAuthorizeBoom {
			t.Fatalf("AuthorizeAt panicked with %v, want the log function's value", v)
		}
	}
	// Another goroutine's decisions are its own: a request that logs
	// nothing decides normally while others panic.
	done := make(chan error)
	go func() {
		d, err := e.AuthorizeAt(Request{}, ruleNow)
		if err == nil && d.Reason != ReasonMissingToken {
			err = fmt.Errorf("got %s", d.Reason)
		}
		done <- err
	}()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	sink := &logSink{}
	if err := e.SetLogger(sink.log); err != nil {
		t.Fatal(err)
	}
	d := ruleDecide(t, e, bearer(alice(t)))
	assertDecision(t, d, 403, "denied_by_rule")
	if !sink.find(LogError, "errored") {
		t.Errorf("records after the panics: %+v", sink.records)
	}
	noPendingPanics(t)
	select {
	case p := <-reports:
		t.Errorf("a panic during a call from Go went to the handler: %v", p)
	default:
	}
}

var errInnerBoom, errOuterBoom = errors.New("inner"), errors.New("outer")

// A log function may call back into the engine: a decision made inside it
// gets its own panic back, and the reload it runs in still gets the panic
// of a later message (each call restores the call id it found).
func TestLogPanicsOfNestedCallsGoToTheirOwnCalls(t *testing.T) {
	collectLogPanics(t)
	cfg := twoBrokenKeys("authorization:\n  rules:\n    - deny: 'jwt.tenant == \"x\"'\n")
	e := engineText(t, cfg)
	var inner any
	if err := e.SetLogger(func(level LogLevel, msg string) {
		switch {
		case strings.Contains(msg, "errored"):
			panic(errInnerBoom)
		case strings.Contains(msg, "broken-1"):
			inner = catchPanic(func() { _, _ = e.AuthorizeAt(bearer(alice(t)), ruleNow) })
		case strings.Contains(msg, "broken-2"):
			panic(errOuterBoom)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if v := catchPanic(func() { _ = e.Reload(cfg) }); v != errOuterBoom {
		t.Errorf("Reload panicked with %v, want %v", v, errOuterBoom)
	}
	if inner != errInnerBoom {
		t.Errorf("the nested AuthorizeAt panicked with %v, want %v", inner, errInnerBoom)
	}
	noPendingPanics(t)
}
