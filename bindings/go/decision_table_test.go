package claimcheck

import (
	"strings"
	"testing"
)

const challenge = `Bearer realm="claimcheck"`

// Every row of the fixtures (the rows of tests/decision_table.rs the C tests
// mirror), at the pinned time, through the binding.
func TestDecisionTableRows(t *testing.T) {
	for _, row := range fix.rows {
		t.Run(row.config+"/"+row.token, func(t *testing.T) {
			e := engineFile(t, row.config)
			var req Request
			switch {
			case row.token == "-":
				req = Request{Method: "GET", Path: "/mcp"}
			case strings.HasPrefix(row.token, "twice:"):
				tok := fix.tokens[strings.TrimPrefix(row.token, "twice:")]
				req = Request{Headers: []Header{{"authorization", "Bearer " + tok}, {"Authorization", "Bearer " + tok}}}
			default:
				tok, ok := fix.tokens[row.token]
				if !ok {
					t.Fatalf("no token %q", row.token)
				}
				req = bearer(tok)
			}
			d := decide(t, e, req)
			assertDecision(t, d, row.status, row.reason)
			switch {
			case d.Allowed:
				if d.WWWAuthenticate != "" {
					t.Errorf("an allowed request has no challenge, got %q", d.WWWAuthenticate)
				}
			case d.Reason == ReasonMissingToken:
				if d.WWWAuthenticate != challenge {
					t.Errorf("missing token: challenge %q, want %q (no error code)", d.WWWAuthenticate, challenge)
				}
			case d.Reason == ReasonMultipleTokens:
				if !strings.Contains(d.WWWAuthenticate, `error="invalid_request"`) {
					t.Errorf("challenge %q", d.WWWAuthenticate)
				}
			case d.Status == 401 && (d.Reason == ReasonNoRuleAllowed || d.Reason == ReasonDeniedByRule || d.Reason == ReasonRequiredRuleFailed):
				// No valid token and the rules deny: the bare challenge, since
				// authenticating may help.
				if d.WWWAuthenticate != challenge {
					t.Errorf("rule denial without a token: challenge %q, want %q", d.WWWAuthenticate, challenge)
				}
			case d.Status == 401:
				if !strings.HasPrefix(d.WWWAuthenticate, challenge+`, error="invalid_token"`) {
					t.Errorf("challenge %q", d.WWWAuthenticate)
				}
				if d.Identity != nil || d.Detail == "" {
					t.Errorf("an invalid token has no identity (%v) and a detail (%q)", d.Identity, d.Detail)
				}
			case d.Status == 503:
				if d.WWWAuthenticate != "" {
					t.Errorf("503 has no challenge, got %q", d.WWWAuthenticate)
				}
			}
		})
	}
}

func TestValidTokenCarriesTheIdentity(t *testing.T) {
	e := engineFile(t, "a.yaml")
	d := decide(t, e, bearer(fix.tokens["valid"]))
	assertDecision(t, d, 200, "allowed")
	if d.Rule != -1 || d.RuleErrored {
		t.Errorf("no rules: rule %d errored %v", d.Rule, d.RuleErrored)
	}
	id := d.Identity
	if id == nil {
		t.Fatal("no identity")
	}
	if id.Provider != "okta" || id.Issuer != "https://idp.example.com/oauth2/default" || id.Subject != "alice@example.com" {
		t.Errorf("identity %+v", id)
	}
	groups, _ := id.Claims()["groups"].([]any)
	if len(groups) != 2 || groups[0] != "Everyone" || groups[1] != "AI-Users" {
		t.Errorf("claims.groups = %v", id.Claims()["groups"])
	}
	if id.Claims()["ver"] != float64(1) || id.Claims()["cid"] != "0oa1" {
		t.Errorf("claims %v", id.Claims())
	}
}

func TestPermissiveModePassesAnInvalidTokenWithTheDetail(t *testing.T) {
	d := decide(t, engineFile(t, "permissive.yaml"), bearer(fix.tokens["expired"]))
	assertDecision(t, d, 200, "allowed")
	if d.Identity != nil || !strings.Contains(d.Detail, "expired") {
		t.Errorf("identity %v, detail %q", d.Identity, d.Detail)
	}
}

func TestReasonNames(t *testing.T) {
	want := []string{"allowed", "missing_token", "multiple_tokens", "malformed_token", "token_too_large",
		"unsupported_algorithm", "unknown_issuer", "unknown_key", "invalid_signature", "invalid_type",
		"unknown_critical_header", "expired", "not_yet_valid", "issued_in_future", "lifetime_too_long",
		"invalid_audience", "invalid_claim", "keys_unavailable", "denied_by_rule", "required_rule_failed",
		"no_rule_allowed"}
	for code, name := range want {
		if got := Reason(code).String(); got != name {
			t.Errorf("Reason(%d) = %q, want %q", code, got, name)
		}
	}
	if ReasonNoRuleAllowed != 20 || ReasonExpired != 11 {
		t.Error("constants differ from the header")
	}
	if got := Reason(9999).String(); got != "reason_9999" {
		t.Errorf("unknown reason: %q", got)
	}
}
