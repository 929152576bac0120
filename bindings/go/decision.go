package claimcheck

/*
#include "bridge.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Reason is the stable code of a decision's reason (a CLAIMCHECK_REASON_*
// value). Codes are never reused; String gives the snake_case name.
type Reason uint32

// The reasons, mirroring CLAIMCHECK_REASON_*.
const (
	// ReasonAllowed: the request may go through.
	ReasonAllowed Reason = C.CLAIMCHECK_REASON_ALLOWED
	// ReasonMissingToken: no credential where tokenSource looks (401).
	ReasonMissingToken Reason = C.CLAIMCHECK_REASON_MISSING_TOKEN
	// ReasonMultipleTokens: more than one credential in one request (400).
	ReasonMultipleTokens Reason = C.CLAIMCHECK_REASON_MULTIPLE_TOKENS
	// ReasonMalformedToken: not a compact JWS with JSON header and claims (401).
	ReasonMalformedToken Reason = C.CLAIMCHECK_REASON_MALFORMED_TOKEN
	// ReasonTokenTooLarge: longer than limits.maxTokenSize (401).
	ReasonTokenTooLarge Reason = C.CLAIMCHECK_REASON_TOKEN_TOO_LARGE
	// ReasonUnsupportedAlgorithm: alg none, unknown, not allowed or not fitting the key (401).
	ReasonUnsupportedAlgorithm Reason = C.CLAIMCHECK_REASON_UNSUPPORTED_ALGORITHM
	// ReasonUnknownIssuer: no provider has the token's iss (401).
	ReasonUnknownIssuer Reason = C.CLAIMCHECK_REASON_UNKNOWN_ISSUER
	// ReasonUnknownKey: no single key matches the token's kid and alg (401).
	ReasonUnknownKey Reason = C.CLAIMCHECK_REASON_UNKNOWN_KEY
	// ReasonInvalidSignature: the signature does not verify (401).
	ReasonInvalidSignature Reason = C.CLAIMCHECK_REASON_INVALID_SIGNATURE
	// ReasonInvalidType: the header's typ is not accepted (401).
	ReasonInvalidType Reason = C.CLAIMCHECK_REASON_INVALID_TYPE
	// ReasonUnknownCriticalHeader: crit names an unsupported extension (401).
	ReasonUnknownCriticalHeader Reason = C.CLAIMCHECK_REASON_UNKNOWN_CRITICAL_HEADER
	// ReasonExpired: now >= exp + leeway (401).
	ReasonExpired Reason = C.CLAIMCHECK_REASON_EXPIRED
	// ReasonNotYetValid: now + leeway < nbf (401).
	ReasonNotYetValid Reason = C.CLAIMCHECK_REASON_NOT_YET_VALID
	// ReasonIssuedInFuture: iat is more than the leeway in the future (401).
	ReasonIssuedInFuture Reason = C.CLAIMCHECK_REASON_ISSUED_IN_FUTURE
	// ReasonLifetimeTooLong: exp - iat exceeds maxLifetime (401).
	ReasonLifetimeTooLong Reason = C.CLAIMCHECK_REASON_LIFETIME_TOO_LONG
	// ReasonInvalidAudience: aud names none of the provider's audiences (401).
	ReasonInvalidAudience Reason = C.CLAIMCHECK_REASON_INVALID_AUDIENCE
	// ReasonInvalidClaim: a required claim is missing or has the wrong type (401).
	ReasonInvalidClaim Reason = C.CLAIMCHECK_REASON_INVALID_CLAIM
	// ReasonKeysUnavailable: the provider's keys cannot be loaded right now (503).
	ReasonKeysUnavailable Reason = C.CLAIMCHECK_REASON_KEYS_UNAVAILABLE
	// ReasonDeniedByRule: a deny rule matched or errored (403, or 401 without a valid token).
	ReasonDeniedByRule Reason = C.CLAIMCHECK_REASON_DENIED_BY_RULE
	// ReasonRequiredRuleFailed: a require rule was false or errored (403, or 401).
	ReasonRequiredRuleFailed Reason = C.CLAIMCHECK_REASON_REQUIRED_RULE_FAILED
	// ReasonNoRuleAllowed: allow rules exist and none matched (403, or 401).
	ReasonNoRuleAllowed Reason = C.CLAIMCHECK_REASON_NO_RULE_ALLOWED
)

// String returns the reason's stable snake_case name ("expired", ...), or
// "reason_<n>" for a code this library does not know.
func (r Reason) String() string {
	if s, ok := goStringView(C.claimcheck_reason_name(C.claimcheck_reason(r))); ok {
		return s
	}
	return fmt.Sprintf("reason_%d", uint32(r))
}

// Identity is who a verified token says the caller is.
type Identity struct {
	// Provider is the config name of the provider whose key verified the token.
	Provider string
	// Issuer is the token's iss.
	Issuer string
	// Subject is the token's sub ("" when the token has none).
	Subject string
	// ClaimsJSON is every verified claim: the token's payload exactly as
	// it was signed (a JSON object).
	ClaimsJSON json.RawMessage

	claimsOnce sync.Once
	claims     map[string]any
}

// Claims returns the verified claims decoded with encoding/json (numbers
// are float64). They are decoded on the first call, so a host that never
// reads them never pays for it; later calls return the same map, which is
// shared: do not modify it.
func (id *Identity) Claims() map[string]any {
	id.claimsOnce.Do(func() {
		// The engine verified this JSON object; a decoding error cannot
		// happen short of memory corruption, and leaves the map empty.
		if err := json.Unmarshal(id.ClaimsJSON, &id.claims); err != nil || id.claims == nil {
			id.claims = map[string]any{}
		}
	})
	return id.claims
}

// Decision is the engine's answer for one request.
type Decision struct {
	// Allowed says whether the request may go through.
	Allowed bool
	// Status is the HTTP status to answer with: 200 when allowed, else
	// 400, 401, 403 or 503.
	Status int
	// Reason is the stable reason code.
	Reason Reason
	// Message is safe to show the client (never internal detail).
	Message string
	// Detail says what exactly went wrong, for logs, never for the client.
	Detail string
	// WWWAuthenticate is the WWW-Authenticate header value to send ("" when none).
	WWWAuthenticate string
	// Identity is the verified caller; nil without a valid token.
	Identity *Identity
	// Rule is the 0-based index in authorization.rules of the rule that
	// decided, -1 when no single rule decided.
	Rule int
	// RuleErrored says whether the deciding rule errored instead of
	// evaluating (an erroring deny or require denies).
	RuleErrored bool
	// Credential says where the request's one credential was, whatever
	// the outcome (Kind is CredentialNone without one, or with several):
	// what a gateway removes before forwarding (see StripCredential).
	Credential CredentialSource
}

// CredentialKind is where in a request a credential was.
type CredentialKind uint32

// The credential kinds, mirroring CLAIMCHECK_CREDENTIAL_*.
const (
	// CredentialNone: no credential, or more than one.
	CredentialNone CredentialKind = C.CLAIMCHECK_CREDENTIAL_NONE
	// CredentialHeader: a header (Name is in lower case).
	CredentialHeader CredentialKind = C.CLAIMCHECK_CREDENTIAL_HEADER
	// CredentialCookie: a cookie.
	CredentialCookie CredentialKind = C.CLAIMCHECK_CREDENTIAL_COOKIE
	// CredentialQuery: a query parameter.
	CredentialQuery CredentialKind = C.CLAIMCHECK_CREDENTIAL_QUERY
)

// CredentialSource is the place a request carried its credential.
type CredentialSource struct {
	// Kind is header, cookie or query parameter.
	Kind CredentialKind
	// Name is the header, cookie or parameter name from the config
	// ("authorization" by default).
	Name string
}

// Authorize decides one request at the current time. A denial is a
// decision, not an error; the error is for a request the library refuses
// (for example a method or path that is not valid UTF-8: an *Error with
// CodeInvalidUTF8) or an engine closed already (ErrClosed). A panic of the
// log function during the call is raised again here (see SetLogger).
func (e *Engine) Authorize(req Request) (Decision, error) {
	return e.authorize(&req, false, 0)
}

// AuthorizeAt is Authorize as if the time were now: every time check and
// the rules' now use it. For tests and for replaying recorded requests.
func (e *Engine) AuthorizeAt(req Request, now time.Time) (Decision, error) {
	return e.authorize(&req, true, float64(now.UnixNano())/1e9)
}

func (e *Engine) authorize(req *Request, at bool, now float64) (Decision, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return Decision{}, ErrClosed
	}
	a := arenaPool.Get().(*arena)
	defer arenaPool.Put(a)
	defer a.reset()
	if err := a.fill(req); err != nil {
		return Decision{}, err
	}
	m := a.mem
	out := m.out
	rc := C.claimcheck_go_authorize(e.ptr, m.req, C.bool(at), C.double(now), out, m.outBytes, C.size_t(m.outCap), C.uintptr_t(a.call))
	runtime.KeepAlive(e)
	if v, ok := takeCallPanic(a.call); ok {
		// The log function panicked during the call (see SetLogger).
		if rc == C.CLAIMCHECK_RESULT_OK && out.decision != nil {
			C.claimcheck_decision_free(out.decision)
			out.decision = nil
		}
		panic(v)
	}
	if rc != C.CLAIMCHECK_RESULT_OK {
		return Decision{}, resultError(rc)
	}
	d := Decision{
		Allowed:     bool(out.allowed),
		Status:      int(out.status),
		Reason:      Reason(out.reason),
		Rule:        int(out.rule),
		RuleErrored: bool(out.rule_errored),
	}
	// Message, challenge, provider and issuer repeat across requests: reuse
	// the Go string of the last time when the bytes are the same.
	if int(d.Reason) < len(messageCache) {
		d.Message, _ = internView(out.message, &messageCache[d.Reason])
	} else {
		d.Message, _ = goStringView(out.message)
	}
	d.Detail, _ = goStringView(out.detail)
	d.WWWAuthenticate, _ = internView(out.www_authenticate, &e.seen.challenge)
	if kind := CredentialKind(out.credential_kind); kind != CredentialNone {
		d.Credential.Kind = kind
		d.Credential.Name, _ = internView(out.credential_name, &e.seen.credential)
	}
	if provider, ok := internView(out.provider, &e.seen.provider); ok {
		id := &Identity{Provider: provider}
		id.Issuer, _ = internView(out.issuer, &e.seen.issuer)
		id.Subject, _ = goStringView(out.subject)
		if out.claims_json.ptr != nil {
			id.ClaimsJSON = C.GoBytes(unsafeView(out.claims_json), C.int(out.claims_json.len))
		}
		d.Identity = id
	}
	if out.decision != nil {
		// The strings did not fit the buffer: they were read from the
		// decision itself; free it, and grow the buffer for next time.
		C.claimcheck_decision_free(out.decision)
		out.decision = nil
		m.growOut(int(out.needed))
	}
	return d, nil
}

// messageCache holds the last client message seen per reason code (the
// messages are static texts, so after the first decision of each reason
// no message is allocated again).
var messageCache [32]atomic.Pointer[string]

// seenStrings holds an engine's last challenge, provider, issuer and
// credential name.
type seenStrings struct {
	challenge, provider, issuer, credential atomic.Pointer[string]
}

// internView is goStringView that returns the string in *last when the
// view holds the same bytes, and remembers a new one otherwise.
func internView(v C.claimcheck_str, last *atomic.Pointer[string]) (string, bool) {
	if v.ptr == nil {
		return "", false
	}
	if v.len == 0 {
		return "", true
	}
	// Compared in place: the view is not kept.
	bytes := unsafe.String((*byte)(unsafeView(v)), int(v.len))
	if p := last.Load(); p != nil && *p == bytes {
		return *p, true
	}
	s := strings.Clone(bytes)
	last.Store(&s)
	return s, true
}
