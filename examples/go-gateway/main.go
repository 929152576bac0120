// Command go-gateway is a reverse proxy protected by claimcheck: every
// request is authorized by the engine before it reaches the upstream.
//
//	go-gateway -config claimcheck.yaml -listen 127.0.0.1:8080 -upstream http://127.0.0.1:9000
//
// Denied requests get the decision's status, WWW-Authenticate header and a
// JSON body; allowed ones reach the upstream without their Authorization
// header, with X-Claimcheck-Subject and X-Claimcheck-Issuer set from the
// verified token. SIGHUP reloads the config file; a config that does not
// load is logged and the running one keeps serving.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"syscall"
	"time"

	claimcheck "github.com/claimcheck/claimcheck/bindings/go"
)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "go-gateway:", err)
		os.Exit(1)
	}
}

// run parses the flags, loads the config and serves until ctx ends or a
// SIGINT/SIGTERM arrives.
func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("go-gateway", flag.ContinueOnError)
	configPath := fs.String("config", "claimcheck.yaml", "claimcheck config file (YAML or JSON)")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on")
	upstreamURL := fs.String("upstream", "", "URL of the upstream to proxy to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *upstreamURL == "" {
		return errors.New("-upstream is required")
	}
	upstream, err := url.Parse(*upstreamURL)
	if err != nil || upstream.Scheme == "" || upstream.Host == "" {
		return fmt.Errorf("-upstream %q is not an absolute URL", *upstreamURL)
	}
	engine, err := claimcheck.NewFromFile(*configPath)
	if err != nil {
		return err
	}
	defer engine.Close()
	logger := slog.Default()
	_ = engine.SetLogger(func(level claimcheck.LogLevel, msg string) {
		logger.Log(context.Background(), slogLevel(level), "claimcheck: "+msg)
	})
	for _, w := range warnings(engine) {
		logger.Warn("claimcheck: " + w)
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go reloadOn(ctx, hup, engine, *configPath, logger)

	srv := &http.Server{Addr: *listen, Handler: newGateway(engine, upstream, logger), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	logger.Info("go-gateway listening", "listen", *listen, "upstream", upstream.String(), "config", *configPath)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(shutdown)
	}
}

// newGateway is the proxy to upstream behind the claimcheck middleware.
func newGateway(engine *claimcheck.Engine, upstream *url.URL, logger *slog.Logger) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(upstream)
			pr.SetXForwarded()
			// Identity headers come only from the gateway: drop what the
			// client sent, then set them from the verified token.
			pr.Out.Header.Del("X-Claimcheck-Subject")
			pr.Out.Header.Del("X-Claimcheck-Issuer")
			if id, ok := claimcheck.IdentityFrom(pr.In.Context()); ok {
				pr.Out.Header.Set("X-Claimcheck-Subject", id.Subject)
				pr.Out.Header.Set("X-Claimcheck-Issuer", id.Issuer)
			}
		},
		ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	return claimcheck.Middleware(engine, claimcheck.StripCredential(true), claimcheck.WithLogger(logger))(proxy)
}

// reloadOn reloads the config file each time a signal arrives on sig, until
// ctx ends. A failed reload keeps the running config (the engine's rule)
// and is logged.
func reloadOn(ctx context.Context, sig <-chan os.Signal, engine *claimcheck.Engine, path string, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
			if err := engine.ReloadFile(path); err != nil {
				logger.Error("config reload failed; the running config stays", "config", path, "error", err)
				continue
			}
			logger.Info("config reloaded", "config", path)
			for _, w := range warnings(engine) {
				logger.Warn("claimcheck: " + w)
			}
		}
	}
}

func warnings(engine *claimcheck.Engine) []string {
	w, _ := engine.Warnings()
	return w
}

func slogLevel(l claimcheck.LogLevel) slog.Level {
	switch l {
	case claimcheck.LogDebug:
		return slog.LevelDebug
	case claimcheck.LogInfo:
		return slog.LevelInfo
	case claimcheck.LogWarn:
		return slog.LevelWarn
	}
	return slog.LevelError
}
