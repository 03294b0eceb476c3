// Package config builds Tongxin's typed configuration: defaults, then an
// optional YAML file, then TONGXIN_* environment variables (each with a
// TONGXIN_*_FILE variant that reads the value from a file, for secrets).
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration. The yaml tags give both the file keys and
// the environment names: database.max_open_conns is TONGXIN_DATABASE_MAX_OPEN_CONNS.
type Config struct {
	Listen        string `yaml:"listen"`
	BaseURL       string `yaml:"base_url"`
	DefaultLocale string `yaml:"default_locale"`
	UploadDir     string `yaml:"upload_dir"`
	// Dev turns on text logs and template details useful on a workstation.
	Dev bool `yaml:"dev"`

	Database Database `yaml:"database"`
	HTTP     HTTP     `yaml:"http"`
	Session  Session  `yaml:"session"`
	Log      Log      `yaml:"log"`
	Security Security `yaml:"security"`
	Import   Import   `yaml:"import"`
	Uploads  Uploads  `yaml:"uploads"`
	SMTP     SMTP     `yaml:"smtp"`
	Metrics  Metrics  `yaml:"metrics"`
}

// SMTP configures the daily digest e-mail (每日摘要). Without host and from
// it is off, which is never an error: the digest page still works.
type SMTP struct {
	Host     string `yaml:"host"`
	Port     int    `yaml:"port"` // 0: 25
	Username string `yaml:"username"`
	Password string `yaml:"password"` // TONGXIN_SMTP_PASSWORD_FILE for a secret file
	From     string `yaml:"from"`     // e.g. 同心 <tongxin@example.gov.cn>
}

// Database configures the connection and the pool.
type Database struct {
	// URL is "sqlite:PATH" or a postgres:// URL.
	URL             string        `yaml:"url"`
	MaxOpenConns    int           `yaml:"max_open_conns"`
	MaxIdleConns    int           `yaml:"max_idle_conns"` // 0: as many as max_open_conns
	ConnMaxLifetime time.Duration `yaml:"conn_max_lifetime"`
	// MigrateOnStart applies pending migrations when serve starts.
	MigrateOnStart bool `yaml:"migrate_on_start"`
	// PrepareStmt turns on GORM's own prepared-statement cache (Postgres).
	// Off by default: pgx already caches prepared statements per connection,
	// and GORM's cache can deadlock when every pooled connection is in a
	// transaction and a new statement must be prepared (go-gorm/gorm#7465).
	PrepareStmt bool `yaml:"prepare_stmt"`
}

// HTTP configures the server.
type HTTP struct {
	ReadTimeout     time.Duration `yaml:"read_timeout"`
	WriteTimeout    time.Duration `yaml:"write_timeout"`
	IdleTimeout     time.Duration `yaml:"idle_timeout"`
	ShutdownTimeout time.Duration `yaml:"shutdown_timeout"`
	// BodyLimit is the largest request body in bytes (uploads have their own limit).
	BodyLimit int64 `yaml:"body_limit"`
	// TrustedProxies lists the reverse proxies (CIDRs or addresses, comma
	// separated) whose X-Forwarded-For / X-Real-IP name the client; empty:
	// none, the direct peer is the client.
	TrustedProxies string `yaml:"trusted_proxies"`
	// UploadTimeout is how long a request that carries files (attachments,
	// imports, any multipart form) may take to send its body; every other
	// request has ReadTimeout. A body too slow for it answers 408.
	UploadTimeout time.Duration `yaml:"upload_timeout"`
	// MaxInFlight is how many requests are answered at once (admission
	// control); 0 derives it from the pool: 4 × database.max_open_conns on
	// Postgres, 3 × on SQLite (its writes take turns), at least 8.
	MaxInFlight int `yaml:"max_in_flight"`
	// Queue is how many more requests may wait for a turn (0: 4 × the
	// in-flight limit), each at most QueueWait; the others get 503 with
	// Retry-After at once.
	Queue     int           `yaml:"queue"`
	QueueWait time.Duration `yaml:"queue_wait"`
}

// InFlight returns the admission limit: http.max_in_flight, or the one
// derived from the database pool.
func (c Config) InFlight() int {
	if c.HTTP.MaxInFlight > 0 {
		return c.HTTP.MaxInFlight
	}
	per := 4
	if kind, _, _ := ParseDatabaseURL(c.Database.URL); kind == SQLite {
		per = 3
	}
	return max(8, per*c.Database.MaxOpenConns)
}

// QueueLen returns how many requests may wait for admission.
func (c Config) QueueLen() int {
	if c.HTTP.Queue > 0 {
		return c.HTTP.Queue
	}
	return 4 * c.InFlight()
}

// Metrics configures GET /metrics. With a token, a scrape must send
// "Authorization: Bearer <token>"; with a listen address, the metrics are
// served there only (and the main address answers 404 for /metrics).
type Metrics struct {
	Listen string `yaml:"listen"` // e.g. 127.0.0.1:9090; empty: on the main address
	Token  string `yaml:"token"`  // TONGXIN_METRICS_TOKEN_FILE for a secret file
}

// Session configures login sessions.
type Session struct {
	IdleTimeout time.Duration `yaml:"idle_timeout"`
	Lifetime    time.Duration `yaml:"lifetime"`
}

// Log configures slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // json or text
}

// Security configures logins.
type Security struct {
	// PasswordProfile is "mlps3" (等保 level 3, the default) or "basic".
	PasswordProfile string        `yaml:"password_profile"`
	PasswordMaxAge  time.Duration `yaml:"password_max_age"` // 0: passwords never expire
	LockoutAttempts int           `yaml:"lockout_attempts"`
	LockoutWindow   time.Duration `yaml:"lockout_window"`
	LockoutDuration time.Duration `yaml:"lockout_duration"`
	// LoginRatePerIP is the number of login attempts an IP may make per minute.
	LoginRatePerIP int `yaml:"login_rate_per_ip"`
	// AuditMinAge is how old audit rows must be before `tongxin audit archive`
	// may remove them; never less than 180 days (网络安全法 第二十一条).
	AuditMinAge time.Duration `yaml:"audit_min_age"`
}

// Import limits spreadsheet imports (导入任务); a file over a limit is
// refused before any row is read.
type Import struct {
	MaxBytes int64 `yaml:"max_bytes"` // the largest file accepted
	MaxRows  int   `yaml:"max_rows"`  // the most data rows (header excluded) in one file

	// What reading a file may cost, checked while it streams (0 keeps the
	// built-in default, shown in Default).
	MaxUnzipped      int64         `yaml:"max_unzipped"`       // bytes inflated from an xlsx, all parts
	MaxPart          int64         `yaml:"max_part"`           // bytes inflated from one part of an xlsx
	MaxRatio         int64         `yaml:"max_ratio"`          // how much one part may expand
	MaxCell          int           `yaml:"max_cell"`           // characters in one cell
	MaxColumns       int           `yaml:"max_columns"`        // columns in one row
	MaxSheetRows     int           `yaml:"max_sheet_rows"`     // rows of the sheet, blank ones included
	MaxSharedStrings int           `yaml:"max_shared_strings"` // strings in an xlsx's shared-string table
	MaxSharedBytes   int64         `yaml:"max_shared_bytes"`   // their bytes in all
	ParseTime        time.Duration `yaml:"parse_time"`         // time spent reading one file

	// Heartbeat is how often the worker of a running job says it is alive;
	// a running job silent for StaleAfter is queued again.
	Heartbeat  time.Duration `yaml:"heartbeat"`
	StaleAfter time.Duration `yaml:"stale_after"`
}

// Uploads limits attachments (photos, PDF, xlsx, docx of projects); their
// type is checked by content.
type Uploads struct {
	MaxBytes int64 `yaml:"max_bytes"` // the largest file accepted (413 above)
}

// Default returns the configuration before any file or environment is read.
func Default() Config {
	return Config{
		Listen:        "127.0.0.1:8080",
		BaseURL:       "http://127.0.0.1:8080",
		DefaultLocale: "zh-CN",
		UploadDir:     "data/uploads",
		Database: Database{
			URL:             "sqlite:data/tongxin.db",
			MaxOpenConns:    10,
			ConnMaxLifetime: time.Hour,
			MigrateOnStart:  true,
			PrepareStmt:     false,
		},
		HTTP: HTTP{
			ReadTimeout:     15 * time.Second,
			WriteTimeout:    60 * time.Second,
			IdleTimeout:     120 * time.Second,
			ShutdownTimeout: 20 * time.Second,
			BodyLimit:       2 << 20,
			UploadTimeout:   10 * time.Minute,
			QueueWait:       2 * time.Second,
		},
		Session: Session{IdleTimeout: 30 * time.Minute, Lifetime: 12 * time.Hour},
		Log:     Log{Level: "info", Format: "json"},
		Security: Security{
			PasswordProfile: "mlps3",
			LockoutAttempts: 5,
			LockoutWindow:   15 * time.Minute,
			LockoutDuration: 15 * time.Minute,
			LoginRatePerIP:  30,
			AuditMinAge:     180 * 24 * time.Hour,
		},
		Import: Import{MaxBytes: 10 << 20, MaxRows: 50000,
			MaxUnzipped: 200 << 20, MaxPart: 150 << 20, MaxRatio: 200, MaxCell: 32767, MaxColumns: 200,
			MaxSheetRows: 200000, MaxSharedStrings: 1000000, MaxSharedBytes: 64 << 20, ParseTime: 10 * time.Second,
			Heartbeat: 5 * time.Second, StaleAfter: 30 * time.Second},
		Uploads: Uploads{MaxBytes: 20 << 20},
	}
}

// Load reads the file (when path is not empty, or configs/tongxin.yaml when
// it exists) and then the environment, over the defaults. It does not call
// Validate.
func Load(path string, env func(string) (string, bool)) (Config, error) {
	cfg := Default()
	explicit := path != ""
	if !explicit {
		path = "configs/tongxin.yaml"
	}
	if err := loadFile(&cfg, path, explicit); err != nil {
		return cfg, err
	}
	if err := loadEnv(&cfg, env); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// KeyError names the key that is wrong, for the one line printed at start-up.
type KeyError struct {
	Key string // yaml path, e.g. database.url
	Msg string
}

func (e *KeyError) Error() string {
	return fmt.Sprintf("config %s (%s): %s", e.Key, EnvName(e.Key), e.Msg)
}

// EnvName turns a key path into its environment variable name.
func EnvName(key string) string {
	return "TONGXIN_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// Validate checks every key and returns the first problem as a *KeyError.
func (c Config) Validate() error {
	if _, port, err := net.SplitHostPort(c.Listen); err != nil {
		return &KeyError{"listen", fmt.Sprintf("%q is not host:port", c.Listen)}
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return &KeyError{"listen", fmt.Sprintf("port %q is not a number from 0 to 65535", port)}
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &KeyError{"base_url", fmt.Sprintf("%q is not an http(s) URL", c.BaseURL)}
	}
	if c.DefaultLocale != "zh-CN" && c.DefaultLocale != "en" {
		return &KeyError{"default_locale", fmt.Sprintf("%q is not zh-CN or en", c.DefaultLocale)}
	}
	kind, target, err := ParseDatabaseURL(c.Database.URL)
	if err != nil {
		return &KeyError{"database.url", err.Error()}
	}
	if kind == SQLite {
		if err := checkWritableDir(filepath.Dir(target)); err != nil {
			return &KeyError{"database.url", err.Error()}
		}
	}
	if c.Database.MaxOpenConns < 1 {
		return &KeyError{"database.max_open_conns", "must be at least 1"}
	}
	if c.Database.MaxIdleConns < 0 || c.Database.MaxIdleConns > c.Database.MaxOpenConns {
		return &KeyError{"database.max_idle_conns", "must be between 0 (as many as max_open_conns) and max_open_conns"}
	}
	if _, err := c.HTTP.ProxyNets(); err != nil {
		return &KeyError{"http.trusted_proxies", err.Error()}
	}
	if c.HTTP.MaxInFlight < 0 {
		return &KeyError{"http.max_in_flight", "must be 0 (derived from the pool) or more"}
	}
	if c.HTTP.Queue < 0 {
		return &KeyError{"http.queue", "must be 0 (4 × the in-flight limit) or more"}
	}
	if c.HTTP.QueueWait < 0 {
		return &KeyError{"http.queue_wait", "must not be negative"}
	}
	if c.Metrics.Listen != "" {
		if _, _, err := net.SplitHostPort(c.Metrics.Listen); err != nil {
			return &KeyError{"metrics.listen", fmt.Sprintf("%q is not host:port", c.Metrics.Listen)}
		}
	}
	if c.HTTP.BodyLimit < 1024 {
		return &KeyError{"http.body_limit", "must be at least 1024 bytes"}
	}
	for key, d := range map[string]time.Duration{
		"http.read_timeout": c.HTTP.ReadTimeout, "http.write_timeout": c.HTTP.WriteTimeout, "http.upload_timeout": c.HTTP.UploadTimeout,
		"http.shutdown_timeout": c.HTTP.ShutdownTimeout, "session.idle_timeout": c.Session.IdleTimeout,
		"session.lifetime": c.Session.Lifetime, "security.lockout_window": c.Security.LockoutWindow,
		"security.lockout_duration": c.Security.LockoutDuration,
	} {
		if d <= 0 {
			return &KeyError{key, "must be a positive duration such as 30s or 15m"}
		}
	}
	if c.Session.IdleTimeout > c.Session.Lifetime {
		return &KeyError{"session.idle_timeout", "must not exceed session.lifetime"}
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		return &KeyError{"log.level", fmt.Sprintf("%q is not debug, info, warn or error", c.Log.Level)}
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		return &KeyError{"log.format", fmt.Sprintf("%q is not json or text", c.Log.Format)}
	}
	if c.Security.PasswordProfile != "mlps3" && c.Security.PasswordProfile != "basic" {
		return &KeyError{"security.password_profile", fmt.Sprintf("%q is not mlps3 or basic", c.Security.PasswordProfile)}
	}
	if c.Security.LockoutAttempts < 1 {
		return &KeyError{"security.lockout_attempts", "must be at least 1"}
	}
	if c.Security.LoginRatePerIP < 1 {
		return &KeyError{"security.login_rate_per_ip", "must be at least 1"}
	}
	if c.Security.AuditMinAge < 180*24*time.Hour {
		return &KeyError{"security.audit_min_age", "must be at least 4320h (180 days), the minimum the Cybersecurity Law asks"}
	}
	if c.UploadDir == "" {
		return &KeyError{"upload_dir", "must not be empty"}
	}
	if c.Import.MaxBytes < 1024 {
		return &KeyError{"import.max_bytes", "must be at least 1024 bytes"}
	}
	if c.Import.MaxRows < 1 {
		return &KeyError{"import.max_rows", "must be at least 1"}
	}
	if c.Import.MaxUnzipped < 0 || c.Import.MaxPart < 0 || c.Import.MaxRatio < 0 || c.Import.MaxCell < 0 ||
		c.Import.MaxColumns < 0 || c.Import.MaxSheetRows < 0 || c.Import.MaxSharedStrings < 0 ||
		c.Import.MaxSharedBytes < 0 || c.Import.ParseTime < 0 {
		return &KeyError{"import", "limits must not be negative"}
	}
	if c.Import.StaleAfter > 0 && c.Import.Heartbeat*3 > c.Import.StaleAfter {
		return &KeyError{"import.heartbeat", "must be at most a third of import.stale_after"}
	}
	if c.Uploads.MaxBytes < 1024 {
		return &KeyError{"uploads.max_bytes", "must be at least 1024 bytes"}
	}
	return nil
}

// Database kinds.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// ParseDatabaseURL returns the kind and, for SQLite, the file path; for
// Postgres, the URL itself.
func ParseDatabaseURL(raw string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(raw, "sqlite:"):
		p := strings.TrimPrefix(raw, "sqlite:")
		p = strings.TrimPrefix(p, "//")
		if p == "" {
			return "", "", errors.New(`"sqlite:" needs a file path, e.g. sqlite:data/tongxin.db`)
		}
		return SQLite, p, nil
	case strings.HasPrefix(raw, "postgres://"), strings.HasPrefix(raw, "postgresql://"):
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return "", "", fmt.Errorf("%q is not a valid postgres URL", redact(raw))
		}
		return Postgres, raw, nil
	default:
		scheme, _, _ := strings.Cut(raw, ":")
		return "", "", fmt.Errorf("unknown scheme %q: use sqlite:PATH or postgres://USER@HOST:PORT/DB", scheme)
	}
}

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func checkWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("cannot create directory %s: %v", dir, errors.Unwrap(err))
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("directory %s is not writable", dir)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// ProxyNets reads http.trusted_proxies: CIDRs or single addresses,
// separated by commas or spaces ("" trusts none).
func (h HTTP) ProxyNets() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, f := range strings.FieldsFunc(h.TrustedProxies, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if !strings.Contains(f, "/") {
			ip := net.ParseIP(f)
			if ip == nil {
				return nil, fmt.Errorf("%q is neither an address nor a CIDR such as 10.0.0.0/8", f)
			}
			bits := 128
			if ip.To4() != nil {
				ip, bits = ip.To4(), 32
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
			continue
		}
		_, n, err := net.ParseCIDR(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8", f)
		}
		out = append(out, n)
	}
	return out, nil
}
