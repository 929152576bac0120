package claimcheck

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fixtures are the configs and signed tokens the C tests use, written by
// `cargo run -p claimcheck-ffi --example c-fixtures -- DIR` (see
// ffi/examples/c_fixtures.rs). scripts/test-go writes them once and passes
// the folder in CLAIMCHECK_FIXTURES; without it, TestMain runs cargo.
type fixtures struct {
	dir    string
	now    time.Time
	tokens map[string]string
	rows   []fixtureRow
	stress []stressRow
}

type fixtureRow struct {
	config, token string
	status        int
	reason        string
}

type stressRow struct {
	token            string
	statusA, statusB int
	reasonA, reasonB string
}

var fix *fixtures

func TestMain(m *testing.M) {
	dir := os.Getenv("CLAIMCHECK_FIXTURES")
	if dir == "" {
		tmp, err := os.MkdirTemp("", "claimcheck-go-fixtures")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		defer os.RemoveAll(tmp)
		root, _ := filepath.Abs("../..")
		cmd := exec.Command("cargo", "run", "--release", "-q", "-p", "claimcheck-ffi", "--example", "c-fixtures", "--", tmp)
		cmd.Dir = root
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if os.Getenv("CARGO_TARGET_DIR") == "" {
			cmd.Env = append(os.Environ(), "CARGO_TARGET_DIR="+filepath.Join(root, "target"))
		}
		if err := cmd.Run(); err != nil {
			fmt.Fprintln(os.Stderr, "writing the fixtures failed (set CLAIMCHECK_FIXTURES to a folder written by the c-fixtures example):", err)
			os.Exit(1)
		}
		dir = tmp
	}
	f, err := readFixtures(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fix = f
	os.Exit(m.Run())
}

func readFixtures(dir string) (*fixtures, error) {
	file, err := os.Open(filepath.Join(dir, "fixtures.txt"))
	if err != nil {
		return nil, err
	}
	defer file.Close()
	f := &fixtures{dir: dir, tokens: map[string]string{}}
	sc := bufio.NewScanner(file)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 {
			continue
		}
		switch fields[0] {
		case "now":
			secs, err := strconv.ParseFloat(fields[1], 64)
			if err != nil {
				return nil, err
			}
			f.now = time.Unix(int64(secs), 0)
		case "token":
			f.tokens[fields[1]] = fields[2]
		case "row":
			status, _ := strconv.Atoi(fields[3])
			f.rows = append(f.rows, fixtureRow{fields[1], fields[2], status, fields[4]})
		case "stress":
			a, _ := strconv.Atoi(fields[2])
			b, _ := strconv.Atoi(fields[4])
			f.stress = append(f.stress, stressRow{fields[1], a, b, fields[3], fields[5]})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(f.rows) == 0 || len(f.tokens) == 0 || f.now.IsZero() {
		return nil, fmt.Errorf("%s: no rows, tokens or time", file.Name())
	}
	return f, nil
}

// path is the full path of a fixture file.
func (f *fixtures) path(name string) string { return filepath.Join(f.dir, name) }

// config is the text of a fixture config.
func (f *fixtures) config(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(f.path(name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// engineFile loads a fixture config and closes it when the test ends.
func engineFile(t testing.TB, name string) *Engine {
	t.Helper()
	e, err := NewFromFile(fix.path(name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// engineText loads a config and closes it when the test ends.
func engineText(t testing.TB, config string) *Engine {
	t.Helper()
	e, err := New(config)
	if err != nil {
		t.Fatalf("%v\n%s", err, config)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// bearer is a request carrying token as a bearer credential.
func bearer(token string) Request {
	return Request{Method: "GET", Path: "/mcp", Headers: []Header{{"Authorization", "Bearer " + token}}}
}

// decide authorizes at the fixtures' pinned time and fails on an error.
func decide(t testing.TB, e *Engine, req Request) Decision {
	t.Helper()
	d, err := e.AuthorizeAt(req, fix.now)
	if err != nil {
		t.Fatalf("authorize: %v", err)
	}
	return d
}

func assertDecision(t testing.TB, d Decision, status int, reason string) {
	t.Helper()
	if d.Status != status || d.Reason.String() != reason || d.Allowed != (status == 200) {
		t.Fatalf("got %d %s (allowed %v, detail %q), want %d %s", d.Status, d.Reason, d.Allowed, d.Detail, status, reason)
	}
}
