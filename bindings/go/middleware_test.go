package claimcheck

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// The middleware end to end over a real loopback server, with tokens valid
// at the real clock (the middleware calls Authorize, not AuthorizeAt).
func TestMiddlewareEndToEnd(t *testing.T) {
	iss := goIssuer()
	e := engineText(t, iss.withRules(
		"    - deny: 'mcp.tool.name == \"delete\"'\n"+
			"    - '\"AI-Users\" in auth.claims.groups'\n"))
	type seen struct {
		Authorization string
		Subject       string
		Issuer        string
		Group         any
		HasIdentity   bool
	}
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := seen{Authorization: r.Header.Get("Authorization")}
		if id, ok := IdentityFrom(r.Context()); ok {
			s.HasIdentity, s.Subject, s.Issuer = true, id.Subject, id.Issuer
			s.Group = id.Claims()["groups"]
		}
		_ = json.NewEncoder(w).Encode(s)
	})
	tool := func(r *http.Request) map[string]any {
		return map[string]any{"mcp.tool.name": r.URL.Query().Get("tool")}
	}
	srv := httptest.NewServer(Middleware(e, StripCredential(true), WithAttributes(tool), WithLogger(nil))(upstream))
	defer srv.Close()

	now := time.Now()
	alice := iss.signRS256(t, oktaClaims(now, nil))
	bob := iss.signRS256(t, oktaClaims(now, map[string]any{"groups": []string{"Everyone"}}))
	expired := iss.signRS256(t, oktaClaims(now, map[string]any{"exp": now.Unix() - 3600}))

	do := func(path, auth string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	denial := func(path, auth string, status int, reason, challengePrefix string) {
		t.Helper()
		resp, body := do(path, auth)
		if resp.StatusCode != status {
			t.Fatalf("%s: status %d, want %d (%s)", path, resp.StatusCode, status, body)
		}
		var got struct{ Error, Message string }
		if err := json.Unmarshal(body, &got); err != nil || got.Error != reason || got.Message == "" {
			t.Errorf("%s: body %s (%v), want error %q and a message", path, body, err, reason)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		www := resp.Header.Get("WWW-Authenticate")
		if challengePrefix == "" && www != "" || !strings.HasPrefix(www, challengePrefix) {
			t.Errorf("%s: WWW-Authenticate %q, want prefix %q", path, www, challengePrefix)
		}
	}

	denial("/mcp", "", 401, "missing_token", `Bearer realm="claimcheck"`)
	denial("/mcp", "Bearer "+expired, 401, "expired", `Bearer realm="claimcheck", error="invalid_token"`)
	denial("/mcp", "Bearer "+bob, 403, "no_rule_allowed", "")
	denial("/mcp?tool=delete", "Bearer "+alice, 403, "denied_by_rule", "")

	resp, body := do("/mcp?tool=search", "Bearer "+alice)
	if resp.StatusCode != 200 {
		t.Fatalf("alice: %d %s", resp.StatusCode, body)
	}
	var s seen
	if err := json.Unmarshal(body, &s); err != nil {
		t.Fatal(err)
	}
	if s.Authorization != "" {
		t.Errorf("the credential reached the upstream: %q", s.Authorization)
	}
	if !s.HasIdentity || s.Subject != "alice@example.com" || s.Issuer != testIssuerURL {
		t.Errorf("identity in the context: %+v", s)
	}
	if g, _ := s.Group.([]any); len(g) != 2 {
		t.Errorf("claims in the context: %v", s.Group)
	}
}

func TestMiddlewareKeepsTheCredentialByDefault(t *testing.T) {
	iss := goIssuer()
	e := engineText(t, iss.config("", ""))
	var got string
	h := Middleware(e, WithLogger(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("Authorization")
	}))
	auth := "Bearer " + iss.signRS256(t, oktaClaims(time.Now(), nil))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", auth)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 200 || got != auth {
		t.Errorf("status %d, upstream saw %q", w.Code, got)
	}
}

func TestMiddlewareOptionalModeHasNoIdentity(t *testing.T) {
	e := engineText(t, goIssuer().config("  mode: optional\n", ""))
	var hasID, called bool
	h := Middleware(e, WithLogger(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		called = true
		_, hasID = IdentityFrom(r.Context())
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 200 || !called || hasID {
		t.Errorf("status %d, called %v, identity %v", w.Code, called, hasID)
	}
}

func TestMiddlewareRefusesWhatTheEngineCannotRead(t *testing.T) {
	e := engineText(t, goIssuer().config("", ""))
	h := Middleware(e, WithLogger(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the handler must not run")
	}))
	// A credential that is not UTF-8 (obs-text is legal HTTP) is read
	// lossily by the engine: a malformed token, 401.
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "Bearer caf\xe9")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 401 || !strings.Contains(w.Body.String(), `"malformed_token"`) {
		t.Errorf("non-UTF-8 credential: %d %s", w.Code, w.Body)
	}
	// A closed engine fails closed.
	e.Close()
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/x", nil))
	if w.Code != 503 || !strings.Contains(w.Body.String(), `"unavailable"`) {
		t.Errorf("closed engine: %d %s", w.Code, w.Body)
	}
}

func TestRequestFromHTTP(t *testing.T) {
	r := httptest.NewRequest("POST", "http://api.example.com/mcp/tools?x=1", nil)
	r.RemoteAddr = "203.0.113.7:5555"
	r.Header.Set("X-Tenant", "acme")
	req := RequestFromHTTP(r)
	if req.Method != "POST" || req.Path != "/mcp/tools?x=1" || req.Host != "api.example.com" || req.SourceAddress != "203.0.113.7" {
		t.Errorf("%+v", req)
	}
	if req.HTTPHeader.Get("X-Tenant") != "acme" || req.Cookies != nil || req.Query != nil {
		t.Errorf("%+v", req)
	}
}

// TestMiddlewareStripsTheCredentialWhereverTheConfigTookIt: a cookie or a
// query parameter is removed alone; the other cookies, parameters and
// headers reach the upstream unchanged, and the caller's request is not
// modified.
func TestMiddlewareStripsTheCredentialWhereverTheConfigTookIt(t *testing.T) {
	iss := goIssuer()
	e := engineText(t, iss.config("  tokenSource:\n    - header: {name: X-Api-Token}\n    - cookie: {name: session}\n    - query: {name: access_token}\n", ""))
	token := iss.signRS256(t, oktaClaims(time.Now(), nil))
	type seen struct{ Token, Cookie, Query, RequestURI, Other string }
	var got seen
	upstream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = seen{r.Header.Get("X-Api-Token"), strings.Join(r.Header.Values("Cookie"), " | "), r.URL.RawQuery, r.RequestURI, r.Header.Get("X-Other")}
	})
	h := Middleware(e, StripCredential(true), WithLogger(nil))(upstream)
	cases := []struct {
		name   string
		target string
		header http.Header
		want   seen
	}{
		{"header", "/mcp?a=1", http.Header{"X-Api-Token": {token}, "X-Other": {"o"}},
			seen{Query: "a=1", RequestURI: "/mcp?a=1", Other: "o"}},
		{"cookie", "/mcp", http.Header{"Cookie": {"a=1; session=" + token + "; b=2"}},
			seen{Cookie: "a=1; b=2", RequestURI: "/mcp"}},
		{"only cookie", "/mcp", http.Header{"Cookie": {"session=" + token}}, seen{RequestURI: "/mcp"}},
		{"query", "/mcp?x=1&access_token=" + token + "&y=%2F", http.Header{"X-Other": {"o"}},
			seen{Query: "x=1&y=%2F", RequestURI: "/mcp?x=1&y=%2F", Other: "o"}},
		{"encoded name", "/mcp?access%5Ftoken=" + token, http.Header{}, seen{RequestURI: "/mcp"}},
	}
	for _, c := range cases {
		got = seen{}
		req := httptest.NewRequest("GET", c.target, nil)
		req.Header = c.header.Clone()
		before := req.Header.Clone()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			t.Fatalf("%s: status %d %s", c.name, rec.Code, rec.Body)
		}
		if got != c.want {
			t.Errorf("%s: upstream saw %+v, want %+v", c.name, got, c.want)
		}
		if !reflect.DeepEqual(req.Header, before) || req.URL.String() != c.target {
			t.Errorf("%s: the caller's request changed: %v %s", c.name, req.Header, req.URL)
		}
	}
	// The decision says where the credential was.
	d, err := e.Authorize(Request{Path: "/mcp?access_token=" + token})
	if err != nil || d.Credential != (CredentialSource{CredentialQuery, "access_token"}) {
		t.Errorf("credential %+v %v", d.Credential, err)
	}
	d, _ = e.Authorize(Request{})
	if d.Credential.Kind != CredentialNone || d.Credential.Name != "" {
		t.Errorf("no token: credential %+v", d.Credential)
	}
}

// TestMiddlewareStripsAMalformedBearerHeaderInPermissiveMode: a header that
// starts with the Bearer scheme but is no well-formed credential (a tab for
// the space, no separator) is a malformed credential, never "no token": in
// permissive mode the request goes on anonymously, and the forged header
// never reaches the upstream (issue 16, finding 8).
func TestMiddlewareStripsAMalformedBearerHeaderInPermissiveMode(t *testing.T) {
	iss := goIssuer()
	e := engineText(t, iss.config("  mode: permissive\n", ""))
	token := iss.signRS256(t, oktaClaims(time.Now(), nil))
	for _, header := range []string{"Bearer\t" + token, "Bearer" + token, "Bearer " + token + ", Bearer " + token} {
		var got string
		var hasID, called bool
		h := Middleware(e, StripCredential(true), WithLogger(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			called = true
			got = r.Header.Get("Authorization")
			_, hasID = IdentityFrom(r.Context())
		}))
		r := httptest.NewRequest("GET", "/x", nil)
		r.Header.Set("Authorization", header)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 || !called || hasID || got != "" {
			t.Errorf("%q: status %d, called %v, identity %v, upstream saw %q", header, w.Code, called, hasID, got)
		}
	}
	// In strict mode the same header is 401 malformed_token.
	strict := engineText(t, iss.config("", ""))
	h := Middleware(strict, WithLogger(nil))(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the upstream must not be called")
	}))
	r := httptest.NewRequest("GET", "/x", nil)
	r.Header.Set("Authorization", "Bearer\t"+token)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) {
		t.Errorf("strict: status %d, challenge %q", w.Code, w.Header().Get("WWW-Authenticate"))
	}
}
