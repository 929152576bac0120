package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
)

// benchEngine is the engine of the binding's benchmarks (bench_test.go in
// bindings/go): one provider with an inline JWKS, here of one P-256 key
// generated now (a request without a credential never gets to the keys),
// and the same rule.
func benchEngine(t testing.TB) *Engine {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwks := fmt.Sprintf(`{"keys":[{"kty":"EC","kid":"ec-go","alg":"ES256","use":"sig","crv":"P-256","x":"%s","y":"%s"}]}`,
		b64(k.X.FillBytes(make([]byte, 32))), b64(k.Y.FillBytes(make([]byte, 32))))
	config := "authentication:\n  providers:\n    - name: okta\n      issuer: https://idp.example.com/oauth2/default\n" +
		"      audiences: [api://default]\n      jwks:\n        inline: '" + jwks + "'\n" +
		"authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n"
	e, err := NewEngine(config)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	return e
}

// The loop really decides: every round is the 401 missing_token the Go
// benchmark's Authorize gets for the same request.
func TestDecideLoop(t *testing.T) {
	e := benchEngine(t)
	status, reason, err := e.DecideLoop(1000)
	if err != nil || status != 401 || reason != "missing_token" {
		t.Fatalf("got %d %q %v, want 401 missing_token", status, reason, err)
	}
	if status, reason, err := e.DecideLoop(0); err != nil || status != 0 || reason != "" {
		t.Fatalf("no rounds: %d %q %v", status, reason, err)
	}
	if _, err := NewEngine("authentication: {providers: 3}"); err == nil || !strings.Contains(err.Error(), "`3`") {
		t.Errorf("a bad config: %v", err)
	}
}

// BenchmarkOverhead is the C half of the binding's BenchmarkOverhead: the
// bare cgo transition, and the C ABI's cost for the decision the binding's
// missing-token-binding benchmark makes through Authorize.
func BenchmarkOverhead(b *testing.B) {
	e := benchEngine(b)
	b.Run("cgo-noop", func(b *testing.B) {
		for b.Loop() {
			Noop()
		}
	})
	b.Run("missing-token-c-abi", func(b *testing.B) {
		// One cgo call for all iterations: the per-op time is the C side's.
		if status, _, err := e.DecideLoop(b.N); err != nil || status != 401 {
			b.Fatal(status, err)
		}
	})
}
