// Command ikdz-ferretdb runs FerretDB v1 with its SQLite backend as a local MongoDB-protocol store.
//
// It embeds github.com/FerretDB/FerretDB/ferretdb instead of building cmd/ferretdb, whose
// `go install` binary panics at start for lack of an embedded version file (FerretDB#2982).
//
// Two settings trade memory and power-loss durability for CPU (see deploy/README.md):
//   - the garbage collector runs at GOGC=400 unless GOGC is set: FerretDB allocates a lot per
//     command, and the default (100) spent about a fifth of its CPU collecting;
//   - SQLite's synchronous mode is NORMAL unless -synchronous says otherwise: with the WAL a
//     commit then survives a crash of this process but not of the OS (no fsync per commit), the
//     durability MongoDB gives an acknowledged write with its default write concern (journal
//     flushed every 100 ms). FULL syncs every commit.
package main

import (
	"context"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only with -pprof-listen
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "data", "directory for the SQLite databases")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	synchronous := flag.String("synchronous", "normal", "SQLite synchronous mode: normal or full")
	pprofListen := flag.String("pprof-listen", "", "serve Go's profiler (/debug/pprof) on this address; empty: off")
	flag.Parse()

	if *synchronous != "normal" && *synchronous != "full" {
		log.Fatalf("bad -synchronous %q: normal or full", *synchronous)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if *pprofListen != "" {
		go func() { log.Println(http.ListenAndServe(*pprofListen, nil)) }()
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		log.Fatalf("bad -log-level: %v", err)
	}
	if err := os.MkdirAll(*dataDir, 0o700); err != nil {
		log.Fatalf("cannot create data dir: %v", err)
	}

	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + *dataDir + "/?_pragma=synchronous(" + *synchronous + ")",
	})
	if err != nil {
		log.Fatal(err)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	if err := f.Run(ctx); err != nil && ctx.Err() == nil {
		log.Fatal(err)
	}
}
