package claimcheck

/*
#include <stdlib.h>
#include "bridge.h"
*/
import "C"

import (
	"encoding/json"
	"net"
	"net/http"
	"runtime"
	"sync"
	"unsafe"
)

// Header is one name/value pair: a header, a cookie or a query parameter.
type Header struct {
	// Name is the header, cookie or parameter name (headers: compared
	// case-insensitively).
	Name string
	// Value is its value.
	Value string
}

// Request describes one HTTP request to authorize. Every field is optional.
// Strings must be valid UTF-8 (an invalid one makes Authorize return an
// *Error with CodeInvalidUTF8).
type Request struct {
	// Method is the HTTP method, for example "GET".
	Method string
	// Path is the request path, optionally with its query string.
	Path string
	// Host is the Host (or :authority) of the request.
	Host string
	// SourceAddress is the peer address, for example "203.0.113.7".
	SourceAddress string
	// Headers are header pairs as received; a name may repeat.
	Headers []Header
	// HTTPHeader holds more headers, as net/http keeps them; they are sent
	// after Headers. RequestFromHTTP fills it (no copy of the map).
	HTTPHeader http.Header
	// Cookies are cookies parsed by the host. nil means "not parsed": the
	// engine reads the Cookie headers. Non-nil, even empty, means "these
	// are all of them".
	Cookies []Header
	// Query holds query parameters parsed and decoded by the host. nil
	// means "not parsed": the engine reads the query string of Path.
	// Non-nil, even empty, means "these are all of them".
	Query []Header
	// Attributes are extra values for rules under dotted names such as
	// "mcp.tool.name" (the first segment is the CEL variable). A string is
	// passed as a CEL string; json.RawMessage as JSON text; anything else
	// is encoded with encoding/json.
	Attributes map[string]any
}

// RequestFromHTTP describes r for Authorize: method, path with query,
// host, the peer address (RemoteAddr without the port) and the headers
// (r.Header itself, not a copy). Cookies and query are left to the engine.
func RequestFromHTTP(r *http.Request) Request {
	path := r.RequestURI
	if path == "" || path == "*" || path[0] != '/' {
		path = r.URL.RequestURI()
	}
	source := r.RemoteAddr
	if host, _, err := net.SplitHostPort(source); err == nil {
		source = host
	}
	return Request{Method: r.Method, Path: path, Host: r.Host, SourceAddress: source, HTTPHeader: r.Header}
}

// arena is the C memory one authorize call uses: the request struct, the
// pair and attribute arrays and the decision summary. It is pooled, so a
// request normally allocates no C memory. The strings are not copied: the
// arrays point into the Go strings, which are pinned (runtime.Pinner) for
// the call, as the cgo rules require for a Go pointer stored in C memory.
// The C side keeps nothing after the call (claimcheck_request's contract).
type arena struct {
	mem    *arenaMem
	pinner runtime.Pinner
	// json holds attribute values encoded for this call (pinned too).
	json [][]byte
}

// arenaMem is the C side of an arena, freed by a cleanup when the pool
// drops the arena.
type arenaMem struct {
	req      *C.claimcheck_request
	out      *C.claimcheck_go_decision
	pairs    *C.claimcheck_pair
	pairsCap int
	attrs    *C.claimcheck_attribute
	attrsCap int
}

func (m *arenaMem) free() {
	C.free(unsafe.Pointer(m.req))
	C.free(unsafe.Pointer(m.out))
	C.free(unsafe.Pointer(m.pairs))
	C.free(unsafe.Pointer(m.attrs))
}

var arenaPool = sync.Pool{New: func() any {
	m := &arenaMem{
		req: (*C.claimcheck_request)(C.calloc(1, C.sizeof_claimcheck_request)),
		out: (*C.claimcheck_go_decision)(C.calloc(1, C.sizeof_claimcheck_go_decision)),
	}
	a := &arena{mem: m}
	runtime.AddCleanup(a, func(m *arenaMem) { m.free() }, m)
	return a
}}

// view pins the bytes of s and returns a view of them for C.
func (a *arena) view(s string) C.claimcheck_str {
	if len(s) == 0 {
		return C.claimcheck_str{}
	}
	p := unsafe.StringData(s)
	a.pinner.Pin(p)
	return C.claimcheck_str{ptr: (*C.char)(unsafe.Pointer(p)), len: C.size_t(len(s))}
}

// viewBytes is view for a byte slice.
func (a *arena) viewBytes(b []byte) C.claimcheck_str {
	if len(b) == 0 {
		return C.claimcheck_str{}
	}
	p := unsafe.SliceData(b)
	a.pinner.Pin(p)
	return C.claimcheck_str{ptr: (*C.char)(unsafe.Pointer(p)), len: C.size_t(len(b))}
}

// growPairs makes room for n pairs (contents are not kept).
func (m *arenaMem) growPairs(n int) {
	if n <= m.pairsCap {
		return
	}
	c := max(n, 2*m.pairsCap, 16)
	C.free(unsafe.Pointer(m.pairs))
	m.pairs = (*C.claimcheck_pair)(C.calloc(C.size_t(c), C.sizeof_claimcheck_pair))
	m.pairsCap = c
}

// growAttrs makes room for n attributes (contents are not kept).
func (m *arenaMem) growAttrs(n int) {
	if n <= m.attrsCap {
		return
	}
	c := max(n, 2*m.attrsCap, 8)
	C.free(unsafe.Pointer(m.attrs))
	m.attrs = (*C.claimcheck_attribute)(C.calloc(C.size_t(c), C.sizeof_claimcheck_attribute))
	m.attrsCap = c
}

// fill writes req into the arena's C request.
func (a *arena) fill(req *Request) error {
	m := a.mem
	headers := len(req.Headers)
	for _, vs := range req.HTTPHeader {
		headers += len(vs)
	}
	cookies, query := len(req.Cookies), len(req.Query)
	// Non-nil empty Cookies/Query still need a non-NULL pointer: reserve
	// one slot, so the pointer exists.
	total := headers + cookies + query + 1
	m.growPairs(total)
	pairs := unsafe.Slice(m.pairs, m.pairsCap)

	r := m.req
	r.method = a.view(req.Method)
	r.path = a.view(req.Path)
	r.host = a.view(req.Host)
	r.source_address = a.view(req.SourceAddress)

	i := 0
	for _, h := range req.Headers {
		pairs[i] = C.claimcheck_pair{name: a.view(h.Name), value: a.view(h.Value)}
		i++
	}
	for name, vs := range req.HTTPHeader {
		cname := a.view(name)
		for _, v := range vs {
			pairs[i] = C.claimcheck_pair{name: cname, value: a.view(v)}
			i++
		}
	}
	r.headers, r.headers_len = nil, 0
	if i > 0 {
		r.headers, r.headers_len = &pairs[0], C.size_t(i)
	}
	r.cookies, r.cookies_len = nil, 0
	if req.Cookies != nil {
		r.cookies, r.cookies_len = &pairs[i], C.size_t(cookies)
		for _, c := range req.Cookies {
			pairs[i] = C.claimcheck_pair{name: a.view(c.Name), value: a.view(c.Value)}
			i++
		}
	}
	r.query, r.query_len = nil, 0
	if req.Query != nil {
		r.query, r.query_len = &pairs[i], C.size_t(query)
		for _, q := range req.Query {
			pairs[i] = C.claimcheck_pair{name: a.view(q.Name), value: a.view(q.Value)}
			i++
		}
	}

	r.attributes, r.attributes_len = nil, 0
	if n := len(req.Attributes); n > 0 {
		m.growAttrs(n)
		attrs := unsafe.Slice(m.attrs, m.attrsCap)
		j := 0
		for name, v := range req.Attributes {
			attr := C.claimcheck_attribute{name: a.view(name)}
			switch v := v.(type) {
			case string:
				attr.value, attr.kind = a.view(v), C.CLAIMCHECK_ATTRIBUTE_STRING
			case json.RawMessage:
				attr.value, attr.kind = a.viewBytes(v), C.CLAIMCHECK_ATTRIBUTE_JSON
			default:
				b, err := json.Marshal(v)
				if err != nil {
					return &Error{Code: CodeInvalidJSON, Message: "attribute `" + name + "`: " + err.Error(), Rule: -1, Line: -1, Column: -1}
				}
				a.json = append(a.json, b)
				attr.value, attr.kind = a.viewBytes(b), C.CLAIMCHECK_ATTRIBUTE_JSON
			}
			attrs[j] = attr
			j++
		}
		r.attributes, r.attributes_len = &attrs[0], C.size_t(j)
	}
	return nil
}

// reset unpins everything and clears the views, so the pooled C memory
// holds no pointer into Go memory between calls.
func (a *arena) reset() {
	m := a.mem
	r := m.req
	// The whole arrays, not just the counts: a failed fill may have
	// written more than the request says.
	if m.pairs != nil {
		clear(unsafe.Slice(m.pairs, m.pairsCap))
	}
	if m.attrs != nil {
		clear(unsafe.Slice(m.attrs, m.attrsCap))
	}
	*r = C.claimcheck_request{}
	*m.out = C.claimcheck_go_decision{}
	clear(a.json)
	a.json = a.json[:0]
	a.pinner.Unpin()
}
