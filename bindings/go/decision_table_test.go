package claimcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
)

// tableRow is one row of decision_table.json, which the c-fixtures
// example writes from tests/decision_table.yaml (the data the Rust, C and
// Python runners read too): the request ready to send and what the
// decision must be. A nil field is not checked.
type tableRow struct {
	Name            string      `json:"name"`
	Readme          string      `json:"readme"`
	Config          string      `json:"config"`
	Headers         [][2]string `json:"headers"`
	Path            string      `json:"path"`
	Status          int         `json:"status"`
	Reason          string      `json:"reason"`
	Challenge       string      `json:"challenge"`
	WWWAuthenticate *string     `json:"www_authenticate"`
	Identity        *bool       `json:"identity"`
	Subject         *string     `json:"subject"`
	Detail          *string     `json:"detail"`
	Rule            *int        `json:"rule"`
	RuleErrored     *bool       `json:"rule_errored"`
	Credential      *string     `json:"credential"`
}

// tableRows reads the rows from the fixtures folder.
func tableRows(t *testing.T) []tableRow {
	t.Helper()
	b, err := os.ReadFile(fix.path("decision_table.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Now  float64    `json:"now"`
		Rows []tableRow `json:"rows"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rows) == 0 || doc.Now != float64(fix.now.Unix()) {
		t.Fatalf("decision_table.json: %d rows, now %v (fixtures.txt: %v)", len(doc.Rows), doc.Now, fix.now.Unix())
	}
	return doc.Rows
}

// credentialName is a credential place as the data file writes it.
func credentialName(c CredentialSource) string {
	switch c.Kind {
	case CredentialHeader:
		return "header:" + c.Name
	case CredentialCookie:
		return "cookie:" + c.Name
	case CredentialQuery:
		return "query:" + c.Name
	default:
		return "none"
	}
}

// rowProblems says what is wrong with d as the answer to row.
func rowProblems(row tableRow, d Decision) []string {
	var wrong []string
	if d.Status != row.Status || d.Reason.String() != row.Reason || d.Allowed != (row.Status == 200) {
		wrong = append(wrong, fmt.Sprintf("got %d %s (allowed %v), want %d %s", d.Status, d.Reason, d.Allowed, row.Status, row.Reason))
	}
	want := ""
	if row.WWWAuthenticate != nil {
		want = *row.WWWAuthenticate
	}
	if d.WWWAuthenticate != want {
		wrong = append(wrong, fmt.Sprintf("WWW-Authenticate %q, want %q (%s)", d.WWWAuthenticate, want, row.Challenge))
	}
	if row.Identity != nil && (d.Identity != nil) != *row.Identity {
		wrong = append(wrong, fmt.Sprintf("identity %+v, want one: %v", d.Identity, *row.Identity))
	}
	if row.Subject != nil && (d.Identity == nil || d.Identity.Subject != *row.Subject) {
		wrong = append(wrong, fmt.Sprintf("identity %+v, want subject %q", d.Identity, *row.Subject))
	}
	if (row.Status == 400 || row.Status == 503 || row.Challenge == "invalid_token") && d.Detail == "" {
		wrong = append(wrong, "no detail for the host's logs")
	}
	if row.Detail != nil && !strings.Contains(d.Detail, *row.Detail) {
		wrong = append(wrong, fmt.Sprintf("detail %q does not contain %q", d.Detail, *row.Detail))
	}
	if row.Rule != nil && d.Rule != *row.Rule {
		wrong = append(wrong, fmt.Sprintf("rule %d, want %d", d.Rule, *row.Rule))
	}
	if row.RuleErrored != nil && d.RuleErrored != *row.RuleErrored {
		wrong = append(wrong, fmt.Sprintf("rule errored %v, want %v", d.RuleErrored, *row.RuleErrored))
	}
	if row.Credential != nil && credentialName(d.Credential) != *row.Credential {
		wrong = append(wrong, fmt.Sprintf("credential %s, want %s", credentialName(d.Credential), *row.Credential))
	}
	return wrong
}

// Every row of the decision table, at the pinned time, through the binding.
func TestDecisionTableRows(t *testing.T) {
	for _, row := range tableRows(t) {
		t.Run(row.Name, func(t *testing.T) {
			e := engineFile(t, row.Config)
			req := Request{Path: row.Path}
			for _, h := range row.Headers {
				req.Headers = append(req.Headers, Header{h[0], h[1]})
			}
			for _, problem := range rowProblems(row, decide(t, e, req)) {
				t.Error(problem)
			}
		})
	}
}

// The runner notices a decision that differs from its row.
func TestDecisionTableRunnerNoticesAWrongDecision(t *testing.T) {
	var row tableRow
	for _, r := range tableRows(t) {
		if r.Challenge == "invalid_token" && r.Credential == nil && r.Detail == nil {
			row = r
			break
		}
	}
	good := Decision{Status: 401, Detail: "why", WWWAuthenticate: *row.WWWAuthenticate, Rule: -1}
	for code := 0; code < 64; code++ {
		if Reason(code).String() == row.Reason {
			good.Reason = Reason(code)
		}
	}
	if p := rowProblems(row, good); len(p) != 0 {
		t.Fatalf("%s: a right decision fails: %v", row.Name, p)
	}
	for what, breakIt := range map[string]func(*Decision){
		"status":    func(d *Decision) { d.Status = 403 },
		"reason":    func(d *Decision) { d.Reason = ReasonDeniedByRule },
		"challenge": func(d *Decision) { d.WWWAuthenticate = challenge },
		"allowed":   func(d *Decision) { d.Allowed = true },
		"detail":    func(d *Decision) { d.Detail = "" },
	} {
		d := good
		breakIt(&d)
		if len(rowProblems(row, d)) == 0 {
			t.Errorf("a wrong %s passes", what)
		}
	}
}

const challenge = `Bearer realm="claimcheck"`

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
