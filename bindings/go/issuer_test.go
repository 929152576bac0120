package claimcheck

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// testIssuer signs tokens in Go (golang-jwt) with keys generated here; the
// engine gets the public keys as an inline JWKS. Used where the fixture
// tokens do not fit: claims other than the fixtures', the real clock (the
// middleware), and the benchmarks.
type testIssuer struct {
	rsa  *rsa.PrivateKey
	ec   *ecdsa.PrivateKey
	jwks string
}

const (
	testIssuerURL = "https://idp.example.com/oauth2/default"
	testAudience  = "api://default"
)

var issuerOnce = sync.OnceValue(func() *testIssuer {
	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	ek, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	pad := func(n *big.Int) []byte { return n.FillBytes(make([]byte, 32)) }
	keys := map[string]any{"keys": []map[string]any{
		{"kty": "RSA", "kid": "rsa-go", "alg": "RS256", "use": "sig", "n": b64(rk.N.Bytes()), "e": b64(big.NewInt(int64(rk.E)).Bytes())},
		{"kty": "EC", "kid": "ec-go", "alg": "ES256", "use": "sig", "crv": "P-256", "x": b64(pad(ek.X)), "y": b64(pad(ek.Y))},
	}}
	j, _ := json.Marshal(keys)
	return &testIssuer{rsa: rk, ec: ek, jwks: string(j)}
})

func goIssuer() *testIssuer { return issuerOnce() }

// config is a strict-mode config trusting this issuer's keys, with the
// given extra text under `authentication:` (indented) and after it.
func (i *testIssuer) config(authExtra, tail string) string {
	return fmt.Sprintf("authentication:\n%s  providers:\n    - name: okta\n      issuer: %s\n      audiences: [%s]\n      jwks:\n        inline: '%s'\n%s",
		authExtra, testIssuerURL, testAudience, i.jwks, tail)
}

// withRules is config() with these authorization rules (YAML list items).
func (i *testIssuer) withRules(rules string) string {
	return i.config("", "authorization:\n  rules:\n"+rules)
}

// claims are Okta-like access-token claims for alice, valid around now;
// changes replace claims (nil removes one).
func oktaClaims(now time.Time, changes map[string]any) jwt.MapClaims {
	c := jwt.MapClaims{
		"ver": 1, "jti": "AT.abc", "iss": testIssuerURL, "aud": testAudience,
		"iat": now.Unix() - 60, "exp": now.Unix() + 3600, "cid": "0oa1", "uid": "00u1",
		"scp": []string{"mcp:read", "openid"}, "sub": "alice@example.com",
		"groups": []string{"Everyone", "AI-Users"},
	}
	for k, v := range changes {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	return c
}

// signRS256 signs claims with the RSA key (kid rsa-go).
func (i *testIssuer) signRS256(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
	tok.Header["kid"] = "rsa-go"
	s, err := tok.SignedString(i.rsa)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signES256 signs claims with the EC key (kid ec-go).
func (i *testIssuer) signES256(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, claims)
	tok.Header["kid"] = "ec-go"
	s, err := tok.SignedString(i.ec)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
