// Command bare is the floor of the Go service: net/http with the service's server settings, and
// nothing else (no database, middleware or metrics). Serves on HOST and PORT.
package main

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
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

func main() {
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
