package main

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestUnknownCommandIsRefused(t *testing.T) {
	var out, errs bytes.Buffer
	if code := run([]string{"dance"}, &out, &errs); code != 2 || !strings.Contains(errs.String(), "usage") {
		t.Fatalf("got %d %q", code, errs.String())
	}
}

func TestServeRefusesAWeakSecretInProduction(t *testing.T) {
	t.Setenv("APP_ENV", "production")
	t.Setenv("JWT_SECRET", "short")
	t.Setenv("DATABASE_URL", "sqlite:///"+filepath.Join(t.TempDir(), "app.db"))
	var out bytes.Buffer
	if code := run(nil, &out, &out); code == 0 {
		t.Fatal("production started with a weak JWT_SECRET")
	}
	var line map[string]any
	if err := json.Unmarshal(bytes.TrimSpace(out.Bytes()), &line); err != nil || line["level"] != "critical" {
		t.Fatalf("the refusal is not one JSON log line: %q", out.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", "sqlite:///"+filepath.Join(t.TempDir(), "nested", "app.db"))
	var out bytes.Buffer
	if code := run([]string{"migrate"}, &out, &out); code != 0 {
		t.Fatalf("migrate exited %d: %s", code, out.String())
	}
}

func TestHealthcheckFailsWithoutAService(t *testing.T) {
	t.Setenv("PORT", "1")
	if code := run([]string{"healthcheck"}, &bytes.Buffer{}, &bytes.Buffer{}); code == 0 {
		t.Fatal("healthcheck passed with nothing listening")
	}
}
