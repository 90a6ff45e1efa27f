package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"   // MySQL/MariaDB driver "mysql"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite" (pure Go, no cgo)
)

//go:embed migrations/*/*.sql
var migrations embed.FS

// All three drivers are always compiled in; DATABASE_URL's scheme picks one at run time.
type dialect struct {
	name       string // "sqlite", "postgres" or "mysql": also the migrations directory
	driver     string
	numbered   bool // $1, $2 placeholders instead of ?
	nativeTime bool // the driver stores time.Time; SQLite keeps fixed-width UTC text
}

var (
	sqliteDialect   = dialect{name: "sqlite", driver: "sqlite"}
	postgresDialect = dialect{name: "postgres", driver: "pgx", numbered: true, nativeTime: true}
	mysqlDialect    = dialect{name: "mysql", driver: "mysql", nativeTime: true}
)

// mysqlSQLMode is set on every MySQL connection: strict, and "quoted" names are identifiers
// (ANSI_QUOTES), so the queries are the same as PostgreSQL's and SQLite's.
const mysqlSQLMode = "'ANSI_QUOTES,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'"

// rebind turns the ? placeholders every query is written with into the dialect's own.
func (d dialect) rebind(query string) string {
	if !d.numbered {
		return query
	}
	var out strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			out.WriteString("$" + strconv.Itoa(n))
			continue
		}
		out.WriteRune(r)
	}
	return out.String()
}

// timestampLayout is fixed-width (microseconds, Z), so SQLite text sorts in time order.
const timestampLayout = "2006-01-02T15:04:05.000000Z07:00"

func (d dialect) timeArg(t time.Time) any {
	if d.nativeTime {
		return t.UTC()
	}
	return t.UTC().Format(timestampLayout)
}

// timestamp scans a column written by timeArg, whichever driver returns it.
type timestamp struct{ time.Time }

func (t *timestamp) Scan(value any) error {
	switch v := value.(type) {
	case time.Time:
		t.Time = v.UTC()
		return nil
	case string:
		return t.parse(v)
	case []byte:
		return t.parse(string(v))
	}
	return fmt.Errorf("cannot scan %T as a timestamp", value)
}

func (t *timestamp) parse(text string) error {
	parsed, err := time.Parse(time.RFC3339Nano, text)
	t.Time = parsed.UTC()
	return err
}

// Open connects to DATABASE_URL: sqlite:///<path> (relative or absolute),
// postgresql://user:password@host:port/dbname or mysql://user:password@host:port/dbname.
// It does not create tables; see Migrate.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	d, dsn, err := parseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if err := ensureDir(databaseURL); err != nil {
		return nil, err
	}
	db, err := sql.Open(d.driver, dsn)
	if err != nil {
		return nil, err
	}
	if d == sqliteDialect {
		// One connection: SQLite allows one writer, and the pragmas hold per connection.
		db.SetMaxOpenConns(1)
	} else {
		db.SetMaxOpenConns(20)
		db.SetConnMaxIdleTime(5 * time.Minute)
	}
	return &Store{db: db, dialect: d}, nil
}

func parseURL(databaseURL string) (dialect, string, error) {
	switch {
	case strings.HasPrefix(databaseURL, "sqlite:///"):
		file := strings.TrimPrefix(databaseURL, "sqlite:///")
		if file == "" {
			return dialect{}, "", errors.New("DATABASE_URL: sqlite:/// needs a file path")
		}
		pragmas := "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
		return sqliteDialect, "file:" + file + "?" + pragmas, nil
	case strings.HasPrefix(databaseURL, "postgresql://"), strings.HasPrefix(databaseURL, "postgres://"):
		dsn := databaseURL
		if !strings.Contains(dsn, "connect_timeout=") {
			dsn += map[bool]string{true: "&", false: "?"}[strings.Contains(dsn, "?")] + "connect_timeout=5"
		}
		return postgresDialect, dsn, nil
	case strings.HasPrefix(databaseURL, "mysql://"):
		dsn, err := mysqlDSN(databaseURL)
		return mysqlDialect, dsn, err
	}
	return dialect{}, "", errors.New("DATABASE_URL: use sqlite:///<path>, postgresql://user:password@host:port/dbname" +
		" or mysql://user:password@host:port/dbname")
}

// DriverDSN returns the database/sql driver name and data source name for DATABASE_URL.
func DriverDSN(databaseURL string) (driver, dsn string, err error) {
	d, dsn, err := parseURL(databaseURL)
	return d.driver, dsn, err
}

// mysqlDSN turns mysql://user:password@host:port/dbname into the driver's
// user:password@tcp(host:port)/dbname?... form: UTC times, utf8mb4, strict ANSI-quoted SQL.
// Query parameters of the URL (tls=true, ...) are passed on to the driver.
func mysqlDSN(databaseURL string) (string, error) {
	u, err := url.Parse(databaseURL)
	if err != nil {
		return "", fmt.Errorf("DATABASE_URL: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if u.Host == "" || name == "" || strings.Contains(name, "/") {
		return "", errors.New("DATABASE_URL: use mysql://user:password@host:port/dbname")
	}
	cfg := mysql.NewConfig()
	cfg.User = u.User.Username()
	cfg.Passwd, _ = u.User.Password()
	cfg.Net = "tcp"
	cfg.Addr = u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	cfg.DBName = name
	cfg.ParseTime = true
	cfg.Loc = time.UTC
	cfg.Timeout = 5 * time.Second
	cfg.Collation = "utf8mb4_unicode_ci"
	cfg.TLSConfig = "preferred" // TLS when the server offers it (RDS, the official image), like pgx's default
	cfg.Params = map[string]string{"time_zone": "'+00:00'", "sql_mode": mysqlSQLMode}
	dsn := cfg.FormatDSN()
	if u.RawQuery != "" {
		dsn += "&" + u.RawQuery
		if _, err := mysql.ParseDSN(dsn); err != nil {
			return "", fmt.Errorf("DATABASE_URL: %w", err)
		}
	}
	return dsn, nil
}

// ensureDir creates the parent directory of a SQLite file, so a fresh checkout starts.
func ensureDir(databaseURL string) error {
	file, ok := strings.CutPrefix(databaseURL, "sqlite:///")
	if !ok || file == ":memory:" {
		return nil
	}
	return os.MkdirAll(filepath.Dir(file), 0o755)
}

// Ping checks that the database answers (readiness).
func (s *Store) Ping(ctx context.Context) error {
	// SQLite opens its file lazily; reading the schema proves the file is usable.
	query := "SELECT 1"
	if s.dialect == sqliteDialect {
		query = "SELECT count(*) FROM sqlite_master"
	}
	var n int
	return s.db.QueryRowContext(ctx, query).Scan(&n)
}

// Close releases the connections.
func (s *Store) Close() error { return s.db.Close() }

// The locks Migrate holds on a server database, so that replicas which start together take turns
// (the Python stack takes the same ones): PostgreSQL's advisory lock, MySQL's named lock.
const (
	MigrationLockKey  = 7215300001
	MigrationLockName = "schema_migrations"
)

// Migrate applies the embedded migrations of the dialect that are not applied yet, in one
// transaction (PostgreSQL: under an advisory lock, MySQL: under a named lock, so concurrent
// starts do not race; MySQL commits each CREATE TABLE on its own).
func Migrate(ctx context.Context, databaseURL string) error {
	s, err := Open(ctx, databaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Migrate(ctx)
}

// Migrate applies the pending migrations on this store's database.
func (s *Store) Migrate(ctx context.Context) error {
	dir := path.Join("migrations", s.dialect.name)
	entries, err := fs.ReadDir(migrations, dir)
	if err != nil {
		return err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Name() < entries[j].Name() })

	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if s.dialect == postgresDialect {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", MigrationLockKey); err != nil {
			return err
		}
	}
	if s.dialect == mysqlDialect {
		var locked sql.NullInt64
		if err := tx.QueryRowContext(ctx, "SELECT GET_LOCK(?, 60)", MigrationLockName).Scan(&locked); err != nil {
			return err
		}
		if locked.Int64 != 1 {
			return errors.New("migrate: another process holds the " + MigrationLockName + " lock")
		}
		// Session locks outlive transactions: release it before the connection goes back to the pool.
		defer func() { _, _ = tx.ExecContext(context.WithoutCancel(ctx), "DO RELEASE_LOCK(?)", MigrationLockName) }()
	}
	if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version VARCHAR(255) PRIMARY KEY,
    applied_at VARCHAR(64) NOT NULL
)`); err != nil {
		return err
	}
	applied := map[string]bool{}
	rows, err := tx.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return err
	}
	for rows.Next() {
		var version string
		if err := rows.Scan(&version); err != nil {
			rows.Close()
			return err
		}
		applied[version] = true
	}
	if err := rows.Close(); err != nil {
		return err
	}
	for _, entry := range entries {
		version := strings.TrimSuffix(entry.Name(), ".sql")
		if applied[version] {
			continue
		}
		script, err := fs.ReadFile(migrations, path.Join(dir, entry.Name()))
		if err != nil {
			return err
		}
		for _, statement := range statements(string(script)) {
			if _, err := tx.ExecContext(ctx, statement); err != nil {
				return fmt.Errorf("migration %s: %w", version, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.dialect.rebind("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)"),
			version, time.Now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	if s.dialect == mysqlDialect {
		if _, err := tx.ExecContext(ctx, "DO RELEASE_LOCK('schema_migrations')"); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// statements splits a migration script on the semicolons that end a line; comments are dropped.
func statements(script string) []string {
	var out []string
	var current strings.Builder
	for _, line := range strings.Split(script, "\n") {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--") {
			continue
		}
		current.WriteString(line + "\n")
		if strings.HasSuffix(trimmed, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(current.String()), ";"))
			current.Reset()
		}
	}
	if rest := strings.TrimSpace(current.String()); rest != "" {
		out = append(out, rest)
	}
	return out
}
