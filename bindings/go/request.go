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
// Header, cookie and query names and values that are not valid UTF-8 are
// read lossily (invalid bytes become U+FFFD, so a token among them never
// verifies); every other string (method, path, host, source address,
// attribute names and string values) must be valid UTF-8, or Authorize
// returns an *Error with CodeInvalidUTF8.
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
// pair and attribute arrays, a byte buffer the request's strings are
// copied into, and the decision summary with a buffer for its strings. It
// is pooled, so a request normally allocates no C memory. Copying the
// strings (one memmove each) is cheaper than pinning them for C, and it
// leaves no Go pointer in C memory at all. The C side keeps nothing after
// the call (claimcheck_request's contract).
type arena struct {
	mem *arenaMem
	// call is the id of the calls made with this arena (see log.go): one
	// arena serves one call at a time, so the id is that call's alone.
	call uintptr
	// used is how many bytes of mem.bytes this call has filled.
	used int
	// overflow is set when the request outgrew the bytes counted for it
	// (its header map changed while being read).
	overflow bool
	// headers and attrs are the request's maps read once (a map walk costs
	// more than the slice walks after it).
	headers []headerValues
	attrs   []attribute
}

type headerValues struct {
	name   string
	values []string
}

type attribute struct {
	name  string
	value any
	// json is the encoded value when it is not a string or raw JSON.
	json []byte
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
	bytes    *C.char
	bytesCap int
	// outBytes receives the decision's strings.
	outBytes *C.char
	outCap   int
}

func (m *arenaMem) free() {
	C.free(unsafe.Pointer(m.req))
	C.free(unsafe.Pointer(m.out))
	C.free(unsafe.Pointer(m.pairs))
	C.free(unsafe.Pointer(m.attrs))
	C.free(unsafe.Pointer(m.bytes))
	C.free(unsafe.Pointer(m.outBytes))
}

// initialOutBytes holds the strings of a typical decision (message,
// challenge, identity and a few hundred bytes of claims); larger ones grow
// the buffer.
const initialOutBytes = 4096

var arenaPool = sync.Pool{New: func() any {
	m := &arenaMem{
		req:      (*C.claimcheck_request)(C.calloc(1, C.sizeof_claimcheck_request)),
		out:      (*C.claimcheck_go_decision)(C.calloc(1, C.sizeof_claimcheck_go_decision)),
		outBytes: (*C.char)(C.malloc(initialOutBytes)),
		outCap:   initialOutBytes,
	}
	// The request struct is growable: its size tells the library which
	// fields this binding's header has. Set once; fill never touches it.
	m.req.size = C.sizeof_claimcheck_request
	a := &arena{mem: m, call: newCallID()}
	runtime.AddCleanup(a, func(m *arenaMem) { m.free() }, m)
	return a
}}

// view copies s into the arena's C bytes and returns a view of the copy.
func (a *arena) view(s string) C.claimcheck_str {
	if len(s) == 0 {
		return C.claimcheck_str{}
	}
	if a.used+len(s) > a.mem.bytesCap {
		a.overflow = true
		return C.claimcheck_str{}
	}
	dst := unsafe.Add(unsafe.Pointer(a.mem.bytes), a.used)
	copy(unsafe.Slice((*byte)(dst), len(s)), s)
	a.used += len(s)
	return C.claimcheck_str{ptr: (*C.char)(dst), len: C.size_t(len(s))}
}

// viewBytes is view for a byte slice.
func (a *arena) viewBytes(b []byte) C.claimcheck_str {
	return a.view(unsafe.String(unsafe.SliceData(b), len(b)))
}

// growBytes makes room for n bytes of request strings (contents are not kept).
func (m *arenaMem) growBytes(n int) { growBuffer(&m.bytes, &m.bytesCap, n, 1024) }

// growOut makes room for n bytes of decision strings.
func (m *arenaMem) growOut(n int) { growBuffer(&m.outBytes, &m.outCap, n, initialOutBytes) }

// growBuffer replaces *buf (of *capacity bytes) with one of at least n
// bytes, doubling, when it is too small. The contents are not kept.
func growBuffer(buf **C.char, capacity *int, n, least int) {
	if n <= *capacity {
		return
	}
	c := max(n, 2**capacity, least)
	C.free(unsafe.Pointer(*buf))
	*buf = (*C.char)(C.malloc(C.size_t(c)))
	*capacity = c
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

// fill writes req into the arena's C request, copying its strings.
func (a *arena) fill(req *Request) error {
	m := a.mem
	// Read the maps once, counting the pairs and the bytes, so the buffers
	// are sized before anything is copied.
	size := len(req.Method) + len(req.Path) + len(req.Host) + len(req.SourceAddress)
	headers := len(req.Headers)
	size += pairBytes(req.Headers) + pairBytes(req.Cookies) + pairBytes(req.Query)
	for name, vs := range req.HTTPHeader {
		a.headers = append(a.headers, headerValues{name, vs})
		headers += len(vs)
		size += len(name)
		for _, v := range vs {
			size += len(v)
		}
	}
	for name, v := range req.Attributes {
		attr := attribute{name: name, value: v}
		switch v := v.(type) {
		case string:
			size += len(v)
		case json.RawMessage:
			size += len(v)
		default:
			b, err := json.Marshal(v)
			if err != nil {
				return &Error{Code: CodeInvalidJSON, Message: "attribute `" + name + "`: " + err.Error(), Rule: -1, Line: -1, Column: -1, cause: err}
			}
			attr.json = b
			size += len(b)
		}
		size += len(name)
		a.attrs = append(a.attrs, attr)
	}
	m.growBytes(size)
	cookies, query := len(req.Cookies), len(req.Query)
	// Non-nil empty Cookies/Query still need a non-NULL pointer: reserve
	// one slot, so the pointer exists.
	m.growPairs(headers + cookies + query + 1)
	pairs := unsafe.Slice(m.pairs, m.pairsCap)

	r := m.req
	r.method = a.view(req.Method)
	r.path = a.view(req.Path)
	r.host = a.view(req.Host)
	r.source_address = a.view(req.SourceAddress)

	i := a.putPairs(pairs, 0, req.Headers)
	for _, h := range a.headers {
		cname := a.view(h.name)
		for _, v := range h.values {
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
		i = a.putPairs(pairs, i, req.Cookies)
	}
	r.query, r.query_len = nil, 0
	if req.Query != nil {
		r.query, r.query_len = &pairs[i], C.size_t(query)
		a.putPairs(pairs, i, req.Query)
	}

	r.attributes, r.attributes_len = nil, 0
	if n := len(a.attrs); n > 0 {
		m.growAttrs(n)
		attrs := unsafe.Slice(m.attrs, m.attrsCap)
		for j, at := range a.attrs {
			attr := C.claimcheck_attribute{name: a.view(at.name)}
			switch v := at.value.(type) {
			case string:
				attr.value, attr.kind = a.view(v), C.CLAIMCHECK_ATTRIBUTE_STRING
			case json.RawMessage:
				attr.value, attr.kind = a.viewBytes(v), C.CLAIMCHECK_ATTRIBUTE_JSON
			default:
				attr.value, attr.kind = a.viewBytes(at.json), C.CLAIMCHECK_ATTRIBUTE_JSON
			}
			attrs[j] = attr
		}
		r.attributes, r.attributes_len = &attrs[0], C.size_t(n)
	}
	if a.overflow {
		// Cannot happen: every string was counted above. A guard, so a
		// miscount can never write past the buffer.
		return &Error{Code: CodeInvalidArgument, Message: "internal error: the request's strings outgrew their buffer", Rule: -1, Line: -1, Column: -1}
	}
	return nil
}

// pairBytes is the bytes of hs's names and values.
func pairBytes(hs []Header) int {
	n := 0
	for _, h := range hs {
		n += len(h.Name) + len(h.Value)
	}
	return n
}

// putPairs writes hs into pairs from index i, copying the strings, and
// returns the index after them.
func (a *arena) putPairs(pairs []C.claimcheck_pair, i int, hs []Header) int {
	for _, h := range hs {
		pairs[i] = C.claimcheck_pair{name: a.view(h.Name), value: a.view(h.Value)}
		i++
	}
	return i
}

// reset readies the arena for the next call. The C memory holds only
// pointers into itself, so the old views need no clearing.
func (a *arena) reset() {
	a.used = 0
	a.overflow = false
	// Drop the references to the request's strings and values.
	clear(a.headers)
	a.headers = a.headers[:0]
	clear(a.attrs)
	a.attrs = a.attrs[:0]
}
