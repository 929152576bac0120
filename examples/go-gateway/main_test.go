package main

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	claimcheck "github.com/claimcheck/claimcheck/bindings/go"
)

const issuer = "https://idp.example.com/oauth2/default"

// signer makes RS256 tokens with the standard library (kid k1).
type signer struct{ key *rsa.PrivateKey }

func (s signer) jwks() string {
	b64 := base64.RawURLEncoding.EncodeToString
	k, _ := json.Marshal(map[string]any{"keys": []any{map[string]any{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "n": b64(s.key.N.Bytes()), "e": b64(big.NewInt(int64(s.key.E)).Bytes()),
	}}})
	return string(k)
}

func (s signer) token(t *testing.T, groups ...string) string {
	now := time.Now().Unix()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]any{"alg": "RS256", "kid": "k1", "typ": "JWT"})
	c, _ := json.Marshal(map[string]any{"iss": issuer, "aud": "api://default", "sub": "alice@example.com",
		"iat": now - 10, "exp": now + 600, "groups": groups})
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return input + "." + b64(sig)
}

func (s signer) config(rule string) string {
	return fmt.Sprintf("authentication:\n  providers:\n    - name: okta\n      issuer: %s\n      audiences: [api://default]\n      jwks:\n        inline: '%s'\nauthorization:\n  rules:\n    - '%s'\n",
		issuer, s.jwks(), rule)
}

// records sends each log message to a channel, so the test can wait for
// the reload outcome.
type records chan string

func (r records) Enabled(context.Context, slog.Level) bool { return true }
func (r records) Handle(_ context.Context, rec slog.Record) error {
	select {
	case r <- rec.Message:
	default:
	}
	return nil
}
func (r records) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r records) WithGroup(string) slog.Handler      { return r }

func waitFor(t *testing.T, logs records, prefix string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-logs:
			if strings.HasPrefix(m, prefix) {
				return
			}
		case <-deadline:
			t.Fatalf("no log record %q", prefix)
		}
	}
}

func TestGatewayProxiesAllowedRequestsAndReloadsOnSignal(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := signer{key}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "path=%s auth=%q subject=%q", r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("X-Claimcheck-Subject"))
	}))
	defer upstream.Close()

	path := filepath.Join(t.TempDir(), "claimcheck.yaml")
	if err := os.WriteFile(path, []byte(s.config(`"AI-Users" in auth.claims.groups`)), 0o600); err != nil {
		t.Fatal(err)
	}
	engine, err := claimcheck.NewFromFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	logs := make(records, 64)
	logger := slog.New(logs)
	target, _ := url.Parse(upstream.URL)
	gw := httptest.NewServer(newGateway(engine, target, logger))
	defer gw.Close()

	get := func(auth string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest("GET", gw.URL+"/mcp/tools", nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("X-Claimcheck-Subject", "spoofed")
		resp, err := gw.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), resp.Header
	}

	status, body, h := get("")
	if status != 401 || h.Get("WWW-Authenticate") != `Bearer realm="claimcheck"` || !strings.Contains(body, `"missing_token"`) {
		t.Errorf("no token: %d %q %s", status, h.Get("WWW-Authenticate"), body)
	}
	alice := "Bearer " + s.token(t, "Everyone", "AI-Users")
	status, body, _ = get(alice)
	if status != 200 || body != `path=/mcp/tools auth="" subject="alice@example.com"` {
		t.Errorf("alice: %d %s", status, body)
	}
	status, body, _ = get("Bearer " + s.token(t, "Everyone"))
	if status != 403 || !strings.Contains(body, `"no_rule_allowed"`) {
		t.Errorf("not in AI-Users: %d %s", status, body)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 1)
	go reloadOn(ctx, sig, engine, path, logger)

	// A config that does not load: logged, the old one keeps serving.
	if err := os.WriteFile(path, []byte("authentication: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sig <- os.Interrupt
	waitFor(t, logs, "config reload failed")
	if status, body, _ := get(alice); status != 200 {
		t.Errorf("after a failed reload: %d %s", status, body)
	}

	// A good config takes over.
	if err := os.WriteFile(path, []byte(s.config(`"Admins" in auth.claims.groups`)), 0o600); err != nil {
		t.Fatal(err)
	}
	sig <- os.Interrupt
	waitFor(t, logs, "config reloaded")
	if status, body, _ := get(alice); status != 403 {
		t.Errorf("after reload, alice is no admin: %d %s", status, body)
	}
}

func TestRunRejectsBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-config", "x.yaml"}); err == nil || !strings.Contains(err.Error(), "-upstream") {
		t.Errorf("missing upstream: %v", err)
	}
	err := run(context.Background(), []string{"-config", filepath.Join(t.TempDir(), "none.yaml"), "-upstream", "http://127.0.0.1:1"})
	var cerr *claimcheck.Error
	if !errors.As(err, &cerr) || cerr.Code != claimcheck.CodeIO {
		t.Errorf("missing config: %v", err)
	}
}

// TestRunReloadsOnARealSIGHUP runs the gateway's main path (run, with its
// signal handling) and sends the process a real SIGHUP.
func TestRunReloadsOnARealSIGHUP(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := signer{key}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "upstream")
	}))
	defer upstream.Close()
	path := filepath.Join(t.TempDir(), "claimcheck.yaml")
	if err := os.WriteFile(path, []byte(s.config(`"AI-Users" in auth.claims.groups`)), 0o600); err != nil {
		t.Fatal(err)
	}
	// A free loopback port for the gateway.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	logs := make(records, 64)
	previous := slog.Default()
	slog.SetDefault(slog.New(logs))
	defer slog.SetDefault(previous)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-config", path, "-listen", addr, "-upstream", upstream.URL}) }()
	// run registers for SIGHUP before it logs that it listens.
	waitFor(t, logs, "go-gateway listening")

	alice := "Bearer " + s.token(t, "Everyone", "AI-Users")
	status := func() int {
		t.Helper()
		for attempt := 0; ; attempt++ {
			req, _ := http.NewRequest("GET", "http://"+addr+"/mcp", nil)
			req.Header.Set("Authorization", alice)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				// The listener may not accept yet right after the log line.
				if attempt < 50 {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
	}
	if got := status(); got != 200 {
		t.Fatalf("before the reload: %d", got)
	}
	if err := os.WriteFile(path, []byte(s.config(`"Admins" in auth.claims.groups`)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, logs, "config reloaded")
	if got := status(); got != 403 {
		t.Errorf("after SIGHUP, alice is no admin: %d", got)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
}
