package claimcheck

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestConfigErrorFields(t *testing.T) {
	_, err := NewFromFile(fix.path("malformed.yaml"))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("want *Error, got %v", err)
	}
	if cerr.Code != CodeConfigSyntax || cerr.Line < 1 || cerr.Column < 1 || cerr.Rule != -1 {
		t.Errorf("syntax error: %+v", cerr)
	}
	if !strings.Contains(cerr.Location, "line") {
		t.Errorf("location %q", cerr.Location)
	}

	_, err = NewFromFile(fix.path("invalid.yaml"))
	if !errors.As(err, &cerr) {
		t.Fatalf("want *Error, got %v", err)
	}
	if cerr.Code != CodeConfigInvalid || !strings.Contains(cerr.Path, "authentication.providers[0]") || !strings.Contains(cerr.Message, "audiense") {
		t.Errorf("invalid field: %+v", cerr)
	}
	if cerr.Code.String() != "config_invalid" {
		t.Errorf("code name %q", cerr.Code)
	}
	if !errors.Is(err, &Error{Code: CodeConfigInvalid}) {
		t.Error("errors.Is matches on the code")
	}

	_, err = NewFromFile(fix.path("no-such-file.yaml"))
	if !errors.As(err, &cerr) || cerr.Code != CodeIO {
		t.Errorf("missing file: %v", err)
	}

	_, err = New("authentication: {}\nauthorization:\n  rules: ['\xff']\n")
	if !errors.As(err, &cerr) || cerr.Code != CodeInvalidUTF8 {
		t.Errorf("invalid UTF-8 config: %v", err)
	}
}

func TestABIVersionCheck(t *testing.T) {
	if err := CheckABI(); err != nil {
		t.Fatalf("the linked library fits the header: %v", err)
	}
	if HeaderABIVersion != 2 {
		t.Errorf("header ABI %d", HeaderABIVersion)
	}
	err := checkABI(2, 1)
	if !errors.Is(err, ErrABIMismatch) || !strings.Contains(err.Error(), "ABI version 2") || !strings.Contains(err.Error(), "built for 1") {
		t.Errorf("mismatch: %v", err)
	}
	if checkABI(7, 7) != nil {
		t.Error("equal versions pass")
	}
	if v := Version(); v == "" || !strings.Contains(v, ".") {
		t.Errorf("version %q", v)
	}
}

func TestCloseTwiceAndUseAfterClose(t *testing.T) {
	e, err := NewFromFile(fix.path("a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := e.Authorize(bearer(fix.tokens["valid"])); !errors.Is(err, ErrClosed) {
		t.Errorf("Authorize after Close: %v", err)
	}
	if _, err := e.AuthorizeAt(bearer(fix.tokens["valid"]), fix.now); !errors.Is(err, ErrClosed) {
		t.Errorf("AuthorizeAt after Close: %v", err)
	}
	if err := e.Reload(fix.config(t, "a.yaml")); !errors.Is(err, ErrClosed) {
		t.Errorf("Reload after Close: %v", err)
	}
	if err := e.ReloadFile(fix.path("a.yaml")); !errors.Is(err, ErrClosed) {
		t.Errorf("ReloadFile after Close: %v", err)
	}
	if _, err := e.Warnings(); !errors.Is(err, ErrClosed) {
		t.Errorf("Warnings after Close: %v", err)
	}
	if err := e.SetLogger(func(LogLevel, string) {}); !errors.Is(err, ErrClosed) {
		t.Errorf("SetLogger after Close: %v", err)
	}
}

// Many goroutines authorize while another reloads between a.yaml and b.yaml
// and a third swaps the logger: every answer is one of the two configs'.
func TestConcurrentAuthorizeWithReloads(t *testing.T) {
	e := engineFile(t, "a.yaml")
	a, b := fix.config(t, "a.yaml"), fix.config(t, "b.yaml")
	const workers, perWorker, reloads = 8, 150, 60
	var wg sync.WaitGroup
	errs := make(chan error, workers+2)
	stop := make(chan struct{})
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				row := fix.stress[(w+i)%len(fix.stress)]
				d, err := e.AuthorizeAt(bearer(fix.tokens[row.token]), fix.now)
				if err != nil {
					errs <- err
					return
				}
				got := fmt.Sprintf("%d %s", d.Status, d.Reason)
				if got != fmt.Sprintf("%d %s", row.statusA, row.reasonA) && got != fmt.Sprintf("%d %s", row.statusB, row.reasonB) {
					errs <- fmt.Errorf("%s: %s is neither config's answer", row.token, got)
					return
				}
			}
		}(w)
	}
	var side sync.WaitGroup
	side.Add(2)
	go func() {
		defer side.Done()
		for i := 0; i < reloads; i++ {
			cfg := a
			if i%2 == 0 {
				cfg = b
			}
			if err := e.Reload(cfg); err != nil {
				errs <- err
				return
			}
		}
	}()
	go func() {
		defer side.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := e.SetLogger(func(LogLevel, string) {}); err != nil {
				errs <- err
				return
			}
			if i > 1000 {
				<-stop
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	side.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// Close while other goroutines authorize: each call either decides or
// reports ErrClosed; nothing crashes.
func TestCloseWhileAuthorizing(t *testing.T) {
	e, err := NewFromFile(fix.path("a.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var decided, closed atomic.Int64
	var wg sync.WaitGroup
	started := make(chan struct{}, 4)
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100000; i++ {
				_, err := e.AuthorizeAt(bearer(fix.tokens["valid"]), fix.now)
				if i == 0 {
					started <- struct{}{}
				}
				switch {
				case err == nil:
					decided.Add(1)
				case errors.Is(err, ErrClosed):
					closed.Add(1)
					return
				default:
					t.Error(err)
					return
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-started
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if decided.Load() < 4 || closed.Load() != 4 {
		t.Errorf("decided %d, closed %d: every worker decided before Close and saw ErrClosed after", decided.Load(), closed.Load())
	}
}

type logRecord struct {
	level LogLevel
	msg   string
}

type logSink struct {
	mu      sync.Mutex
	records []logRecord
}

func (s *logSink) log(level LogLevel, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, logRecord{level, msg})
}

func (s *logSink) find(level LogLevel, substr string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.records {
		if r.level == level && strings.Contains(r.msg, substr) {
			return true
		}
	}
	return false
}

func (s *logSink) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.records)
}

func TestLoggerReceivesWarningsAndReloadErrors(t *testing.T) {
	e := engineFile(t, "a.yaml")
	if w, err := e.Warnings(); err != nil || len(w) != 0 {
		t.Fatalf("a.yaml warnings: %v %v", w, err)
	}
	sink := &logSink{}
	if err := e.SetLogger(sink.log); err != nil {
		t.Fatal(err)
	}
	// warn.yaml has a key that cannot be parsed: skipped with a warning.
	if err := e.ReloadFile(fix.path("warn.yaml")); err != nil {
		t.Fatal(err)
	}
	if !sink.find(LogWarn, "broken") {
		t.Errorf("no warning about the broken key: %+v", sink.records)
	}
	w, err := e.Warnings()
	if err != nil || len(w) == 0 || !strings.Contains(w[0], "broken") {
		t.Errorf("Warnings() = %q, %v", w, err)
	}
	// The key that does parse still verifies.
	assertDecision(t, decide(t, e, bearer(fix.tokens["valid"])), 200, "allowed")

	if err := e.ReloadFile(fix.path("invalid.yaml")); err == nil {
		t.Fatal("invalid.yaml loads")
	}
	if !sink.find(LogError, "audiense") {
		t.Errorf("no error record for the failed reload: %+v", sink.records)
	}

	// Removed: no more records.
	if err := e.SetLogger(nil); err != nil {
		t.Fatal(err)
	}
	n := sink.len()
	if err := e.ReloadFile(fix.path("warn.yaml")); err != nil {
		t.Fatal(err)
	}
	if sink.len() != n {
		t.Errorf("a removed logger still receives records")
	}
	if LogWarn.String() != "warn" || LogError.String() != "error" {
		t.Error("level names")
	}
}

// An engine nobody closes is freed by its cleanup, which also releases the
// logger's cgo.Handle: the function (and what it holds) becomes garbage.
func TestUnclosedEngineIsFreedWithItsLogger(t *testing.T) {
	released := make(chan struct{})
	func() {
		e, err := NewFromFile(fix.path("a.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		sentinel := new([64]byte)
		runtime.AddCleanup(sentinel, func(ch chan struct{}) { close(ch) }, released)
		if err := e.SetLogger(func(LogLevel, string) { _ = sentinel[0] }); err != nil {
			t.Fatal(err)
		}
	}()
	for i := 0; i < 100; i++ {
		runtime.GC()
		select {
		case <-released:
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
	t.Fatal("the logger function was never released: the engine's cleanup did not run or did not free the handle")
}

func TestHeadersThatAreNotUTF8AreReadLossily(t *testing.T) {
	e := engineFile(t, "a.yaml")
	// obs-text in another header does not stop a valid token ...
	req := bearer(fix.tokens["valid"])
	req.Headers = append(req.Headers, Header{"User-Agent", "caf\xe9"})
	assertDecision(t, decide(t, e, req), 200, "allowed")
	// ... and a credential that is not UTF-8 is malformed, never accepted.
	req = Request{Headers: []Header{{"Authorization", "Bearer " + fix.tokens["valid"] + "\xff"}}}
	assertDecision(t, decide(t, e, req), 401, "malformed_token")
}

// TestLargeDecisionsAndRequestsGrowTheBuffers: a decision whose strings do
// not fit the pooled buffer is read from the decision itself (a second cgo
// call frees it) and grows the buffer; large requests grow theirs. Every
// answer is the same either way.
func TestLargeDecisionsAndRequestsGrowTheBuffers(t *testing.T) {
	iss := goIssuer()
	e := engineText(t, iss.config("", ""))
	big := strings.Repeat("x", 2*initialOutBytes) // the token stays under limits.maxTokenSize
	token := iss.signRS256(t, oktaClaims(time.Now(), map[string]any{"note": big}))
	huge := strings.Repeat("h", 64<<10)
	for i := 0; i < 3; i++ {
		req := Request{Method: "GET", Path: "/mcp", Headers: []Header{{"Authorization", "Bearer " + token}, {"X-Huge", huge}}}
		d, err := e.Authorize(req)
		if err != nil || !d.Allowed || d.Identity == nil {
			t.Fatalf("round %d: %+v %v", i, d, err)
		}
		if d.Identity.Claims()["note"] != big || d.Identity.Subject != "alice@example.com" {
			t.Fatalf("round %d: claims not read back whole (%d bytes of JSON)", i, len(d.Identity.ClaimsJSON))
		}
		if d.Credential != (CredentialSource{CredentialHeader, "authorization"}) {
			t.Errorf("round %d: credential %+v", i, d.Credential)
		}
	}
}
