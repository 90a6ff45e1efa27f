package config

import (
	"strings"
	"testing"
	"time"
)

func env(values map[string]string) func(string) (string, bool) {
	return func(name string) (string, bool) {
		value, ok := values[name]
		return value, ok
	}
}

func TestDefaults(t *testing.T) {
	cfg, err := Load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if cfg != Defaults() {
		t.Fatalf("got %+v, want the defaults %+v", cfg, Defaults())
	}
	if cfg.Port != 8080 || cfg.Host != "0.0.0.0" || cfg.JWTTTL != 900*time.Second || !cfg.MigrateOnStart {
		t.Fatalf("unexpected defaults: %+v", cfg)
	}
	if problems := cfg.StartupProblems(); len(problems) != 0 {
		t.Fatalf("development must start with the defaults: %v", problems)
	}
}

func TestEveryVariableIsRead(t *testing.T) {
	cfg, err := Load(env(map[string]string{
		"HOST": "127.0.0.1", "PORT": "9000", "APP_ENV": "Production", "DATABASE_URL": "postgresql://u:p@h:5432/d",
		"JWT_SECRET": strings.Repeat("s", 40), "JWT_TTL_SECONDS": "60", "LOG_LEVEL": "WARNING", "MIGRATE_ON_START": "false",
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{"127.0.0.1", 9000, "production", "postgresql://u:p@h:5432/d", strings.Repeat("s", 40), time.Minute, "warning", false}
	if cfg != want {
		t.Fatalf("got %+v, want %+v", cfg, want)
	}
}

func TestInvalidValuesAreAllReported(t *testing.T) {
	_, err := Load(env(map[string]string{"PORT": "70000", "APP_ENV": "staging", "JWT_TTL_SECONDS": "0", "LOG_LEVEL": "loud", "MIGRATE_ON_START": "maybe"}))
	if err == nil {
		t.Fatal("invalid values were accepted")
	}
	for _, name := range []string{"PORT", "APP_ENV", "JWT_TTL_SECONDS", "LOG_LEVEL", "MIGRATE_ON_START"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("%s is not reported in %q", name, err)
		}
	}
}

func TestProductionRefusesAWeakSecret(t *testing.T) {
	for name, secret := range map[string]*string{"unset": nil, "empty": ptr(""), "31 characters": ptr(strings.Repeat("x", 31))} {
		values := map[string]string{"APP_ENV": "production"}
		if secret != nil {
			values["JWT_SECRET"] = *secret
		}
		cfg, err := Load(env(values))
		if err != nil {
			t.Fatal(err)
		}
		if len(cfg.StartupProblems()) == 0 {
			t.Errorf("%s: production accepted a weak JWT_SECRET", name)
		}
	}
	cfg, _ := Load(env(map[string]string{"APP_ENV": "production", "JWT_SECRET": strings.Repeat("x", 32)}))
	if problems := cfg.StartupProblems(); len(problems) != 0 {
		t.Errorf("a 32-character secret was refused: %v", problems)
	}
}

func ptr(value string) *string { return &value }
