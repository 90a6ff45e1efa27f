// Package config reads the service's settings from the environment (see docs/contract.md).
package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DevJWTSecret is the documented development-only default signing key.
const DevJWTSecret = "dev-only-insecure-jwt-secret-change-me"

// MinJWTSecretLength is the shortest signing key production accepts.
const MinJWTSecretLength = 32

// Config holds every knob of the service; each field comes from an upper-case environment variable.
type Config struct {
	Host           string // HOST: all interfaces by default, as a container needs
	Port           int    // PORT
	AppEnv         string // APP_ENV: development, test or production
	DatabaseURL    string // DATABASE_URL: sqlite:///<path> or postgresql://user:pw@host:port/db
	JWTSecret      string // JWT_SECRET
	JWTTTL         time.Duration
	LogLevel       string // LOG_LEVEL: debug, info, warning or error
	MigrateOnStart bool   // MIGRATE_ON_START
}

// Defaults are the values used when a variable is unset.
func Defaults() Config {
	return Config{
		Host:           "0.0.0.0",
		Port:           8080,
		AppEnv:         "development",
		DatabaseURL:    "sqlite:///./data/app.db",
		JWTSecret:      DevJWTSecret,
		JWTTTL:         900 * time.Second,
		LogLevel:       "info",
		MigrateOnStart: true,
	}
}

// Load reads the configuration through lookup (os.LookupEnv in production). It returns every
// problem found, so one run tells the operator everything to fix.
func Load(lookup func(string) (string, bool)) (Config, error) {
	cfg := Defaults()
	var problems []string
	get := func(name string) (string, bool) {
		value, ok := lookup(name)
		return strings.TrimSpace(value), ok
	}
	if value, ok := lookup("HOST"); ok && strings.TrimSpace(value) != "" {
		cfg.Host = strings.TrimSpace(value)
	}
	if value, ok := get("PORT"); ok && value != "" {
		port, err := strconv.Atoi(value)
		if err != nil || port < 1 || port > 65535 {
			problems = append(problems, fmt.Sprintf("PORT: %q is not a port number (1-65535)", value))
		} else {
			cfg.Port = port
		}
	}
	if value, ok := get("APP_ENV"); ok && value != "" {
		cfg.AppEnv = strings.ToLower(value)
		if !oneOf(cfg.AppEnv, "development", "test", "production") {
			problems = append(problems, fmt.Sprintf("APP_ENV: %q is not development, test or production", value))
		}
	}
	if value, ok := get("DATABASE_URL"); ok && value != "" {
		cfg.DatabaseURL = value
	}
	if value, ok := lookup("JWT_SECRET"); ok {
		cfg.JWTSecret = value // an empty secret is kept, so production can refuse it
	}
	if value, ok := get("JWT_TTL_SECONDS"); ok && value != "" {
		seconds, err := strconv.Atoi(value)
		if err != nil || seconds < 1 {
			problems = append(problems, fmt.Sprintf("JWT_TTL_SECONDS: %q is not a whole number >= 1", value))
		} else {
			cfg.JWTTTL = time.Duration(seconds) * time.Second
		}
	}
	if value, ok := get("LOG_LEVEL"); ok && value != "" {
		cfg.LogLevel = strings.ToLower(value)
		if !oneOf(cfg.LogLevel, "debug", "info", "warning", "error") {
			problems = append(problems, fmt.Sprintf("LOG_LEVEL: %q is not debug, info, warning or error", value))
		}
	}
	if value, ok := get("MIGRATE_ON_START"); ok && value != "" {
		migrate, err := parseBool(value)
		if err != nil {
			problems = append(problems, fmt.Sprintf("MIGRATE_ON_START: %q is not true or false", value))
		} else {
			cfg.MigrateOnStart = migrate
		}
	}
	if len(problems) > 0 {
		return cfg, &Error{Problems: problems}
	}
	return cfg, nil
}

// StartupProblems says why this configuration must not serve traffic; empty when it may.
func (c Config) StartupProblems() []string {
	var problems []string
	if c.AppEnv == "production" {
		switch {
		case c.JWTSecret == DevJWTSecret:
			problems = append(problems, "JWT_SECRET is unset or the development default")
		case len(c.JWTSecret) < MinJWTSecretLength:
			problems = append(problems, fmt.Sprintf("JWT_SECRET is shorter than %d characters", MinJWTSecretLength))
		}
	}
	return problems
}

// Error lists every invalid variable.
type Error struct {
	Problems []string
}

func (e *Error) Error() string {
	return "invalid configuration: " + strings.Join(e.Problems, "; ")
}

func oneOf(value string, choices ...string) bool {
	for _, choice := range choices {
		if value == choice {
			return true
		}
	}
	return false
}

func parseBool(value string) (bool, error) {
	switch strings.ToLower(value) {
	case "1", "true", "t", "yes", "y", "on":
		return true, nil
	case "0", "false", "f", "no", "n", "off":
		return false, nil
	}
	return false, fmt.Errorf("not a boolean: %q", value)
}
