package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"interloop/internal/version"
	"interloop/report/web"
)

func init() { commands = append(commands, newServeCmd) }

func newServeCmd() *cobra.Command {
	var storePath, addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve a read-only dashboard over the results store (live while a sweep runs)",
		Long: `Serve starts a read-only web dashboard over the results store: the
experiments, each experiment's report (the same figures and tables as
interloop report, reloading as new runs are stored, so it can follow a sweep
that is still running), a page per run (config, audit, curves, detectors) and
a JSON API under /api for scripts.

It binds 127.0.0.1:8080 by default and then answers only loopback host names.
--addr changes the address; any address that is not loopback exposes the
results to the network and prints a warning.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			st, err := openStore(cmd, storePath)
			if err != nil {
				return err
			}
			defer st.Close()
			loopback := loopbackAddr(addr)
			if !loopback {
				fmt.Fprintf(cmd.ErrOrStderr(), "warning: --addr %s is not a loopback address: anyone who can reach it can read every stored result\n", addr)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{
				Handler:           web.New(st, web.Options{Version: version.String(), AnyHost: !loopback}),
				ReadHeaderTimeout: 10 * time.Second,
				WriteTimeout:      60 * time.Second,
				IdleTimeout:       2 * time.Minute,
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			fmt.Fprintf(cmd.OutOrStdout(), "dashboard: http://%s/ (store %s; Ctrl-C to stop)\n", displayAddr(ln.Addr()), st.Name())
			errc := make(chan error, 1)
			go func() { errc <- srv.Serve(ln) }()
			select {
			case err := <-errc:
				return err
			case <-ctx.Done():
			}
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	storeFlag(cmd, &storePath)
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (host:port)")
	return cmd
}

// loopbackAddr reports whether a listen address binds only the loopback
// interface (an empty host binds every interface).
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host == "" {
		return false
	}
	return web.LoopbackHost(host)
}

func displayAddr(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok && t.IP.IsUnspecified() {
		return fmt.Sprintf("localhost:%d", t.Port)
	}
	return a.String()
}
