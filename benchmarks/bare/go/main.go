// Command bare is the floor of the Go service: net/http with the service's server settings, and
// nothing else (no store, middleware or metrics). Serves on HOST and PORT.
//
// Two floors for the list: a constant page (a hello-world), and the page the service's two queries
// read from the SQLite database at DATABASE_URL through its driver and connection setting (what
// any list must do).
package main

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the service's SQLite driver
)

type note struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	OwnerID     string `json:"owner_id"`
}

type page struct {
	Items  []note `json:"items"`
	Total  int    `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
}

// A list page as the service answers GET /api/v1/notes?limit=20 after 50 writes.
var notes = func() page {
	const stamp = "2026-01-01T00:00:00.000000Z"
	p := page{Total: 50, Limit: 20}
	for i := range 20 {
		p.Items = append(p.Items, note{
			ID: fmt.Sprintf("00000000-0000-4000-8000-%012d", i), Name: fmt.Sprintf("item %d", i),
			CreatedAt: stamp, UpdatedAt: stamp, OwnerID: "00000000-0000-4000-8000-999999999999",
		})
	}
	return p
}()

// writeJSON encodes on every request, as the service does: the floor keeps the encoding cost.
func writeJSON(w http.ResponseWriter, value any) {
	payload, err := json.Marshal(value)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(payload)
}

const (
	countQuery = `SELECT count(*) FROM "notes"`
	pageQuery  = `SELECT id, name, description, created_at, updated_at, owner_id FROM "notes" ORDER BY created_at, id LIMIT ? OFFSET ?`
)

func intParam(r *http.Request, name string, fallback int) int {
	if value, err := strconv.Atoi(r.URL.Query().Get(name)); err == nil {
		return value
	}
	return fallback
}

// notesFromDatabase answers a page as the service's store reads it; the times are kept as the
// service writes them (RFC 3339 text), so they go out as read.
func notesFromDatabase(db *sql.DB) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := page{Items: []note{}, Limit: intParam(r, "limit", 20), Offset: intParam(r, "offset", 0)}
		if err := db.QueryRowContext(r.Context(), countQuery).Scan(&p.Total); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		rows, err := db.QueryContext(r.Context(), pageQuery, p.Limit, p.Offset)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer rows.Close()
		for rows.Next() {
			var n note
			if err := rows.Scan(&n.ID, &n.Name, &n.Description, &n.CreatedAt, &n.UpdatedAt, &n.OwnerID); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			p.Items = append(p.Items, n)
		}
		if err := rows.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		writeJSON(w, p)
	}
}

func main() {
	file, ok := strings.CutPrefix(os.Getenv("DATABASE_URL"), "sqlite:///")
	if !ok {
		fmt.Fprintln(os.Stderr, "DATABASE_URL: bare reads SQLite only (sqlite:///<path>)")
		os.Exit(2)
	}
	db, err := sql.Open("sqlite", "file:"+file) // connects on the first query
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	db.SetMaxOpenConns(1) // as the service's store: SQLite allows one writer
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, map[string]any{"status": "ok", "checks": map[string]string{}})
	})
	mux.HandleFunc("GET /api/v1/notes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, notes)
	})
	mux.HandleFunc("GET /database/notes", notesFromDatabase(db))
	server := &http.Server{
		Addr:              net.JoinHostPort(os.Getenv("HOST"), os.Getenv("PORT")),
		Handler:           mux,
		ReadHeaderTimeout: 10 * time.Second, // as the service's http.Server
	}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
