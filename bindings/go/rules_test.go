package claimcheck

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

// The rows of tests/rules_engine.rs, with tokens signed in Go.

var ruleNow = time.Unix(1_750_000_000, 0)

func alice(t *testing.T) string {
	return goIssuer().signRS256(t, oktaClaims(ruleNow, nil))
}

func bob(t *testing.T) string {
	return goIssuer().signRS256(t, oktaClaims(ruleNow, map[string]any{"sub": "bob@example.com", "groups": []string{"Everyone"}}))
}

func ruleDecide(t *testing.T, e *Engine, req Request) Decision {
	t.Helper()
	d, err := e.AuthorizeAt(req, ruleNow)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestAllowRuleMatchingNamesTheRule(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - '\"Admins\" in auth.claims.groups'\n    - '\"AI-Users\" in auth.claims.groups'\n"))
	d := ruleDecide(t, e, bearer(alice(t)))
	assertDecision(t, d, 200, "allowed")
	if d.Rule != 1 || d.RuleErrored {
		t.Errorf("rule %d errored %v, want 1 false", d.Rule, d.RuleErrored)
	}
}

func TestNoAllowRuleMatchingIs403(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - if: '\"AI-Users\" in auth.claims.groups'\n"))
	d := ruleDecide(t, e, bearer(bob(t)))
	assertDecision(t, d, 403, "no_rule_allowed")
	if d.Rule != -1 || d.WWWAuthenticate != "" {
		t.Errorf("rule %d, challenge %q", d.Rule, d.WWWAuthenticate)
	}
	if d.Identity == nil || d.Identity.Subject != "bob@example.com" {
		t.Errorf("a denied authenticated request still names the caller: %+v", d.Identity)
	}
}

func TestDenyRuleWins(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - 'true'\n    - deny: 'auth.claims.sub.startsWith(\"test-\")'\n"))
	robot := goIssuer().signRS256(t, oktaClaims(ruleNow, map[string]any{"sub": "test-robot"}))
	d := ruleDecide(t, e, bearer(robot))
	assertDecision(t, d, 403, "denied_by_rule")
	if d.Rule != 1 || d.RuleErrored {
		t.Errorf("rule %d errored %v", d.Rule, d.RuleErrored)
	}
	assertDecision(t, ruleDecide(t, e, bearer(alice(t))), 200, "allowed")
}

func TestFailedScopeRequirementIsInsufficientScope(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - require: '\"mcp:write\" in auth.scopes'\n"))
	d := ruleDecide(t, e, bearer(alice(t)))
	assertDecision(t, d, 403, "required_rule_failed")
	want := `Bearer realm="claimcheck", error="insufficient_scope", scope="mcp:write"`
	if d.Rule != 0 || d.WWWAuthenticate != want {
		t.Errorf("rule %d, challenge %q", d.Rule, d.WWWAuthenticate)
	}
	// Scopes are whole words.
	e2 := engineText(t, goIssuer().withRules("    - require: '\"mcp\" in auth.scopes'\n"))
	assertDecision(t, ruleDecide(t, e2, bearer(alice(t))), 403, "required_rule_failed")
	// A space-separated `scope` string counts too.
	tok := goIssuer().signRS256(t, oktaClaims(ruleNow, map[string]any{"scp": nil, "scope": "openid mcp:write"}))
	assertDecision(t, ruleDecide(t, e, bearer(tok)), 200, "allowed")
}

func TestErroringRules(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - 'true'\n    - deny: 'jwt.tenant == \"x\"'\n"))
	d := ruleDecide(t, e, bearer(alice(t)))
	assertDecision(t, d, 403, "denied_by_rule")
	if d.Rule != 1 || !d.RuleErrored || d.Detail == "" {
		t.Errorf("an erroring deny denies: rule %d errored %v detail %q", d.Rule, d.RuleErrored, d.Detail)
	}
	e = engineText(t, goIssuer().withRules("    - 'jwt.tenant == \"x\"'\n"))
	assertDecision(t, ruleDecide(t, e, bearer(alice(t))), 403, "no_rule_allowed")
	e = engineText(t, goIssuer().withRules("    - require: 'jwt.tenant == \"x\"'\n"))
	d = ruleDecide(t, e, bearer(alice(t)))
	assertDecision(t, d, 403, "required_rule_failed")
	if !d.RuleErrored {
		t.Error("an erroring require is marked errored")
	}
}

func TestUnauthenticatedRequestDeniedByRulesIs401(t *testing.T) {
	cfg := goIssuer().config("  mode: optional\n", "authorization:\n  rules:\n    - '\"AI-Users\" in auth.claims.groups'\n")
	d := ruleDecide(t, engineText(t, cfg), Request{})
	assertDecision(t, d, 401, "no_rule_allowed")
	if d.WWWAuthenticate != challenge {
		t.Errorf("challenge %q", d.WWWAuthenticate)
	}
	cfg = goIssuer().config("  mode: optional\n", "authorization:\n  rules:\n    - 'jwt == null && request.path.startsWith(\"/public\")'\n")
	e := engineText(t, cfg)
	assertDecision(t, ruleDecide(t, e, Request{Path: "/public/x"}), 200, "allowed")
	assertDecision(t, ruleDecide(t, e, Request{Path: "/private"}), 401, "no_rule_allowed")
}

func TestRulesReadTheRequestAndHostAttributes(t *testing.T) {
	e := engineText(t, goIssuer().withRules(
		"    - require: 'request.method == \"POST\" && request.headers[\"x-tenant\"] == \"acme\"'\n"+
			"    - require: 'source.address.startsWith(\"10.\") && source.port == 443'\n"+
			"    - 'mcp.tool.name == \"search\" && mcp.tool.args.q == 1 && jwt.exp - 60 > jwt.iat'\n"))
	req := Request{
		Method:        "POST",
		Path:          "/mcp",
		Headers:       []Header{{"Authorization", "Bearer " + alice(t)}, {"X-Tenant", "acme"}},
		SourceAddress: "10.1.2.3",
		Attributes: map[string]any{
			"mcp.tool.name": "search",
			"mcp.tool.args": json.RawMessage(`{"q": 1}`),
			"source.port":   443,
		},
	}
	d := ruleDecide(t, e, req)
	assertDecision(t, d, 200, "allowed")
	if d.Rule != 2 {
		t.Errorf("rule %d", d.Rule)
	}
	req.Attributes["mcp.tool.name"] = "delete"
	assertDecision(t, ruleDecide(t, e, req), 403, "no_rule_allowed")
	req.Method = "GET"
	assertDecision(t, ruleDecide(t, e, req), 403, "required_rule_failed")

	// An attribute that is not JSON is the caller's error, not a decision.
	req.Attributes["mcp.tool.args"] = json.RawMessage(`{"q": `)
	_, err := e.AuthorizeAt(req, ruleNow)
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Code != CodeInvalidJSON {
		t.Errorf("bad JSON attribute: %v", err)
	}
}

func TestCookiesAndQueryParsedByTheHost(t *testing.T) {
	cfg := goIssuer().config("  tokenSource:\n    - cookie: {name: session}\n    - query: {name: access_token}\n", "")
	e := engineText(t, cfg)
	tok := alice(t)
	// nil: the engine parses the Cookie header and the path's query.
	assertDecision(t, ruleDecide(t, e, Request{Headers: []Header{{"Cookie", "a=1; session=" + tok}}}), 200, "allowed")
	assertDecision(t, ruleDecide(t, e, Request{Path: "/x?access_token=" + tok}), 200, "allowed")
	// Host-parsed lists replace the engine's parsing, even empty ones.
	assertDecision(t, ruleDecide(t, e, Request{Cookies: []Header{{"session", tok}}}), 200, "allowed")
	assertDecision(t, ruleDecide(t, e, Request{Query: []Header{{"access_token", tok}}}), 200, "allowed")
	d := ruleDecide(t, e, Request{Path: "/x?access_token=" + tok, Query: []Header{}})
	assertDecision(t, d, 401, "missing_token")
	// Two credentials are a 400.
	d = ruleDecide(t, e, Request{Cookies: []Header{{"session", tok}}, Query: []Header{{"access_token", tok}}})
	assertDecision(t, d, 400, "multiple_tokens")
}

func TestRuleThatDoesNotCompileFailsTheLoadWithIndexAndColumn(t *testing.T) {
	cases := []struct {
		rules   string
		index   int
		mention string
	}{
		{"    - 'true'\n    - 'jwtt.sub == \"x\"'\n", 1, "jwtt"},
		{"    - deny: '1 +'\n", 0, ""},
		{"    - 'auth.claims.groups.nosuchfn()'\n", 0, "nosuchfn"},
		{"    - 'jwt.sub.matches(\"[\")'\n", 0, ""},
	}
	for _, c := range cases {
		_, err := New(goIssuer().withRules(c.rules))
		var cerr *Error
		if !errors.As(err, &cerr) {
			t.Fatalf("%q: want *Error, got %v", c.rules, err)
		}
		if cerr.Code != CodeRuleInvalid || cerr.Rule != c.index || cerr.Column < 1 {
			t.Errorf("%q: code %v rule %d column %d", c.rules, cerr.Code, cerr.Rule, cerr.Column)
		}
		if !strings.Contains(cerr.Location, "authorization.rules[") || !strings.Contains(cerr.Message, c.mention) {
			t.Errorf("%q: location %q message %q", c.rules, cerr.Location, cerr.Message)
		}
		if !strings.Contains(err.Error(), cerr.Location) {
			t.Errorf("Error() %q omits the location", err.Error())
		}
	}
}

func TestFailedReloadKeepsTheRunningConfig(t *testing.T) {
	e := engineText(t, goIssuer().withRules("    - '\"AI-Users\" in auth.claims.groups'\n"))
	err := e.Reload(goIssuer().withRules("    - 'nosuchvar'\n"))
	var cerr *Error
	if !errors.As(err, &cerr) || cerr.Code != CodeRuleInvalid {
		t.Fatalf("reload: %v", err)
	}
	assertDecision(t, ruleDecide(t, e, bearer(alice(t))), 200, "allowed")
	assertDecision(t, ruleDecide(t, e, bearer(bob(t))), 403, "no_rule_allowed")
	if err := e.Reload(goIssuer().config("", "")); err != nil {
		t.Fatal(err)
	}
	assertDecision(t, ruleDecide(t, e, bearer(bob(t))), 200, "allowed")
}

func TestES256TokenFromGo(t *testing.T) {
	e := engineText(t, goIssuer().config("", ""))
	tok := goIssuer().signES256(t, oktaClaims(ruleNow, nil))
	d := ruleDecide(t, e, bearer(tok))
	assertDecision(t, d, 200, "allowed")
}
