package claimcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/golang-jwt/jwt/v5"
)

// The comparison of BENCHMARKS.md: one Okta-like token and the rule
// `"AI-Users" in auth.claims.groups`, checked by claimcheck through this
// binding and by golang-jwt + cel-go, with the same checks (iss, aud, exp,
// nbf, alg allow-list, kid lookup), the key set parsed once and the CEL
// program compiled once. Both read the token from an http.Header.

const benchRule = `"AI-Users" in auth.claims.groups`

func benchClaims(now time.Time) jwt.MapClaims {
	return oktaClaims(now, map[string]any{
		"groups": []string{"Everyone", "AI-Users", "Engineering", "Platform", "On-Call", "Okta-Admins", "VPN", "Wiki"},
	})
}

func benchHeader(token string) http.Header {
	return http.Header{
		"Authorization": {"Bearer " + token},
		"Accept":        {"application/json"},
		"User-Agent":    {"bench/1.0"},
	}
}

func benchEngine(b *testing.B) *Engine {
	return engineText(b, goIssuer().config("", "authorization:\n  rules:\n    - '"+benchRule+"'\n"))
}

// goChecker is the golang-jwt + cel-go gateway: keys from the same JWKS
// text, parsed once; the rule compiled once.
type goChecker struct {
	keys   map[string]any
	parser *jwt.Parser
	prg    cel.Program
}

func newGoChecker(b *testing.B, jwks string) *goChecker {
	var set struct {
		Keys []struct{ Kty, Kid, Alg, N, E, Crv, X, Y string }
	}
	if err := json.Unmarshal([]byte(jwks), &set); err != nil {
		b.Fatal(err)
	}
	num := func(s string) *big.Int {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			b.Fatal(err)
		}
		return new(big.Int).SetBytes(raw)
	}
	keys := map[string]any{}
	for _, k := range set.Keys {
		switch k.Kty {
		case "RSA":
			keys[k.Kid] = &rsa.PublicKey{N: num(k.N), E: int(num(k.E).Int64())}
		case "EC":
			keys[k.Kid] = &ecdsa.PublicKey{Curve: elliptic.P256(), X: num(k.X), Y: num(k.Y)}
		}
	}
	env, err := cel.NewEnv(cel.Variable("auth", cel.MapType(cel.StringType, cel.DynType)))
	if err != nil {
		b.Fatal(err)
	}
	ast, iss := env.Compile(benchRule)
	if iss.Err() != nil {
		b.Fatal(iss.Err())
	}
	prg, err := env.Program(ast)
	if err != nil {
		b.Fatal(err)
	}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{"RS256", "ES256"}),
		jwt.WithIssuer(testIssuerURL),
		jwt.WithAudience(testAudience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(60*time.Second),
	)
	return &goChecker{keys: keys, parser: parser, prg: prg}
}

var errNoToken = errors.New("missing token")

// check returns whether the request is allowed, as claimcheck decides it.
func (g *goChecker) check(h http.Header) (bool, jwt.MapClaims, error) {
	auth := h.Get("Authorization")
	if len(auth) < 7 || !strings.EqualFold(auth[:7], "Bearer ") {
		return false, nil, errNoToken
	}
	claims := jwt.MapClaims{}
	_, err := g.parser.ParseWithClaims(auth[7:], claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, ok := g.keys[kid]
		if !ok {
			return nil, errors.New("unknown key")
		}
		return k, nil
	})
	if err != nil {
		return false, nil, err
	}
	out, _, err := g.prg.Eval(map[string]any{"auth": map[string]any{"claims": map[string]any(claims)}})
	if err != nil {
		return false, nil, err
	}
	allowed, _ := out.Value().(bool)
	return allowed, claims, nil
}

func benchTokens(b *testing.B) (rs, es string) {
	now := time.Now()
	iss := goIssuer()
	return iss.signRS256(b, benchClaims(now)), iss.signES256(b, benchClaims(now))
}

// benchClaimcheck decides the request; with claimsMap it also decodes the
// claims into a Go map (Identity.Claims), as the Go checker always does.
func benchClaimcheck(b *testing.B, token string, claimsMap bool) {
	e := benchEngine(b)
	req := Request{Method: "GET", Path: "/mcp", Host: "api.example.com", HTTPHeader: benchHeader(token)}
	d, err := e.Authorize(req)
	if err != nil || !d.Allowed || d.Rule != 0 {
		b.Fatalf("claimcheck: %+v %v", d, err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := e.Authorize(req)
		if err != nil || !d.Allowed {
			b.Fatal(d, err)
		}
		if claimsMap && len(d.Identity.Claims()) == 0 {
			b.Fatal("no claims")
		}
	}
}

func benchGo(b *testing.B, token string) {
	g := newGoChecker(b, goIssuer().jwks)
	h := benchHeader(token)
	if ok, _, err := g.check(h); !ok || err != nil {
		b.Fatalf("golang-jwt + cel-go: %v %v", ok, err)
	}
	// The same token tampered must fail, or the comparison is unfair.
	bad := benchHeader(token[:len(token)-4] + "AAAA")
	if ok, _, _ := g.check(bad); ok {
		b.Fatal("a forged signature passes the Go checker")
	}
	b.ReportAllocs()
	for b.Loop() {
		ok, _, err := g.check(h)
		if !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// BenchmarkRS256 compares one RS256 allow decision.
func BenchmarkRS256(b *testing.B) {
	rs, _ := benchTokens(b)
	b.Run("claimcheck", func(b *testing.B) { benchClaimcheck(b, rs, false) })
	b.Run("claimcheck+claims-map", func(b *testing.B) { benchClaimcheck(b, rs, true) })
	b.Run("golang-jwt+cel-go", func(b *testing.B) { benchGo(b, rs) })
}

// BenchmarkES256 compares one ES256 allow decision.
func BenchmarkES256(b *testing.B) {
	_, es := benchTokens(b)
	b.Run("claimcheck", func(b *testing.B) { benchClaimcheck(b, es, false) })
	b.Run("claimcheck+claims-map", func(b *testing.B) { benchClaimcheck(b, es, true) })
	b.Run("golang-jwt+cel-go", func(b *testing.B) { benchGo(b, es) })
}

// BenchmarkOverhead is the whole binding call (Authorize) for a decision
// that does almost no work (no token: 401 missing_token). Its C half, the
// bare cgo transition and the same request decided in a loop inside one
// cgo call (the C ABI's cost), is BenchmarkOverhead in internal/bench,
// which holds the benchmark-only C code so that this package ships none.
func BenchmarkOverhead(b *testing.B) {
	e := benchEngine(b)
	req := Request{Method: "GET", Path: "/mcp", Host: "api.example.com", HTTPHeader: http.Header{
		"Accept": {"application/json"}, "User-Agent": {"bench/1.0"},
	}}
	if d, err := e.Authorize(req); err != nil || d.Reason != ReasonMissingToken {
		b.Fatal(d, err)
	}
	b.Run("missing-token-binding", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.Authorize(req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("missing-token-binding-parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := e.Authorize(req); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
