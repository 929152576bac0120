package claimcheck

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
)

// Option configures Middleware.
type Option func(*middleware)

// StripCredential removes the credential from allowed requests before they
// reach the next handler, so the upstream never sees the token: the header
// that carried it (Authorization by default), or just its cookie, or just
// its query parameter, as the decision's Credential says.
func StripCredential(strip bool) Option {
	return func(m *middleware) { m.strip = strip }
}

// WithAttributes supplies extra rule attributes for each request (for
// example "mcp.tool.name"), see Request.Attributes.
func WithAttributes(fn func(*http.Request) map[string]any) Option {
	return func(m *middleware) { m.attributes = fn }
}

// WithLogger sets where the middleware logs what went wrong with a request
// it refused (a decision's detail, an engine error). The default is
// slog.Default(); nil turns logging off.
func WithLogger(l *slog.Logger) Option {
	return func(m *middleware) { m.logger = l }
}

type middleware struct {
	engine     *Engine
	strip      bool
	attributes func(*http.Request) map[string]any
	logger     *slog.Logger
}

type identityKey struct{}

// IdentityFrom returns the identity the middleware put in the request
// context of an allowed request; false when the request carried no valid
// token (optional or permissive mode) or did not pass the middleware.
func IdentityFrom(ctx context.Context) (*Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(*Identity)
	return id, ok && id != nil
}

// Middleware protects a handler with engine: each request is authorized;
// a denied one gets the decision's status, its WWW-Authenticate header and
// the JSON body {"error": reason, "message": message}. An allowed one
// reaches the next handler with the identity in its context (IdentityFrom)
// and, with StripCredential(true), without its credential.
//
// When Authorize returns an error, the request is refused with the same
// body: a request the engine refuses to read (a method or path that is not
// valid UTF-8, CodeInvalidUTF8) is answered 400 "invalid_request"; a closed
// engine (ErrClosed) 503 "unavailable"; anything else (an attribute from
// WithAttributes that cannot be encoded, a bug caught inside the library)
// 500 "internal_error". The errors are matched with errors.Is, so wrapped
// ones count too. A panic of the engine's log
// function during the decision comes out of ServeHTTP (see
// Engine.SetLogger); net/http recovers it and drops the connection.
func Middleware(engine *Engine, opts ...Option) func(http.Handler) http.Handler {
	m := &middleware{engine: engine, logger: slog.Default()}
	for _, o := range opts {
		o(m)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			m.serve(next, w, r)
		})
	}
}

func (m *middleware) serve(next http.Handler, w http.ResponseWriter, r *http.Request) {
	req := RequestFromHTTP(r)
	if m.attributes != nil {
		req.Attributes = m.attributes(r)
	}
	d, err := m.engine.Authorize(req)
	if err != nil {
		status, reason := refusal(err)
		m.log(r, "claimcheck: request refused", "status", status, "error", err.Error())
		writeDenial(w, status, "", reason, http.StatusText(status))
		return
	}
	if !d.Allowed {
		if d.Detail != "" {
			m.log(r, "claimcheck: request denied", "status", d.Status, "reason", d.Reason.String(), "detail", d.Detail)
		}
		writeDenial(w, d.Status, d.WWWAuthenticate, d.Reason.String(), d.Message)
		return
	}
	if d.Identity != nil || (m.strip && d.Credential.Kind != CredentialNone) {
		ctx := r.Context()
		if d.Identity != nil {
			ctx = context.WithValue(ctx, identityKey{}, d.Identity)
		}
		// WithContext makes a copy that shares the header map and the URL
		// with the caller's request: stripCredential replaces, never edits.
		r = r.WithContext(ctx)
		if m.strip {
			stripCredential(r, d.Credential)
		}
	}
	next.ServeHTTP(w, r)
}

// refusal is the status and reason the middleware answers with when
// Authorize returns err.
func refusal(err error) (status int, reason string) {
	if errors.Is(err, ErrClosed) {
		return http.StatusServiceUnavailable, "unavailable"
	}
	if errors.Is(err, &Error{Code: CodeInvalidUTF8}) {
		return http.StatusBadRequest, "invalid_request"
	}
	return http.StatusInternalServerError, "internal_error"
}

func (m *middleware) log(r *http.Request, msg string, args ...any) {
	if m.logger == nil {
		return
	}
	args = append(args, "method", r.Method, "path", r.URL.Path)
	m.logger.WarnContext(r.Context(), msg, args...)
}

func writeDenial(w http.ResponseWriter, status int, challenge, reason, message string) {
	h := w.Header()
	if challenge != "" {
		h.Set("WWW-Authenticate", challenge)
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	}{reason, message})
}

// stripCredential removes the credential at source from r, replacing (not
// editing) r's header map and URL, which r shares with the request it was
// copied from: the header; the one cookie, keeping the others; the query
// parameter, keeping the others in their order.
func stripCredential(r *http.Request, source CredentialSource) {
	switch source.Kind {
	case CredentialHeader:
		if len(r.Header.Values(source.Name)) > 0 {
			r.Header = r.Header.Clone()
			r.Header.Del(source.Name)
		}
	case CredentialCookie:
		lines := r.Header.Values("Cookie")
		if len(lines) == 0 {
			return
		}
		var kept []string
		for _, line := range lines {
			var keep []string
			for _, part := range strings.Split(line, ";") {
				name, _, _ := strings.Cut(part, "=")
				if strings.TrimSpace(name) != source.Name && strings.TrimSpace(part) != "" {
					keep = append(keep, strings.TrimSpace(part))
				}
			}
			if len(keep) > 0 {
				kept = append(kept, strings.Join(keep, "; "))
			}
		}
		r.Header = r.Header.Clone()
		r.Header.Del("Cookie")
		for _, line := range kept {
			r.Header.Add("Cookie", line)
		}
	case CredentialQuery:
		u := *r.URL
		var keep []string
		for _, pair := range strings.Split(u.RawQuery, "&") {
			name, _, _ := strings.Cut(pair, "=")
			// Names compare decoded, as the engine read them.
			if decoded, err := url.QueryUnescape(name); pair == "" || (err == nil && decoded == source.Name) {
				continue
			}
			keep = append(keep, pair)
		}
		u.RawQuery = strings.Join(keep, "&")
		u.ForceQuery = false
		r.URL = &u
		if r.RequestURI != "" {
			r.RequestURI = u.RequestURI()
		}
	}
}
