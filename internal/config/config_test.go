package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestLoadLayers(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tongxin.yaml")
	if err := os.WriteFile(file, []byte("listen: 127.0.0.1:9000\ndatabase:\n  max_open_conns: 7\nsession:\n  idle_timeout: 20m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "db-url")
	if err := os.WriteFile(secret, []byte("postgres://app@db:5432/tongxin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(file, envOf(map[string]string{
		"TONGXIN_LISTEN":            "0.0.0.0:8081", // env beats file
		"TONGXIN_DATABASE_URL_FILE": secret,         // *_FILE for secrets
		"TONGXIN_LOG_FORMAT":        "text",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "0.0.0.0:8081" {
		t.Errorf("listen = %q", cfg.Listen)
	}
	if cfg.Database.MaxOpenConns != 7 {
		t.Errorf("max_open_conns = %d, want the file's 7", cfg.Database.MaxOpenConns)
	}
	if cfg.Session.IdleTimeout != 20*time.Minute {
		t.Errorf("idle_timeout = %v", cfg.Session.IdleTimeout)
	}
	if cfg.Session.Lifetime != 12*time.Hour {
		t.Errorf("lifetime = %v, want the default", cfg.Session.Lifetime)
	}
	if cfg.Database.URL != "postgres://app@db:5432/tongxin" {
		t.Errorf("database url from file = %q", cfg.Database.URL)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

func TestLoadRefusesUnknownFileKeys(t *testing.T) {
	file := filepath.Join(t.TempDir(), "c.yaml")
	os.WriteFile(file, []byte("lisen: 1\n"), 0o600)
	if _, err := Load(file, envOf(nil)); err == nil || !strings.Contains(err.Error(), "lisen") {
		t.Fatalf("err = %v, want one naming the misspelt key", err)
	}
}

func TestValidateNamesTheKey(t *testing.T) {
	tests := []struct {
		env     map[string]string
		wantKey string
	}{
		{map[string]string{"TONGXIN_DATABASE_URL": "mysql://x"}, "database.url"},
		{map[string]string{"TONGXIN_DATABASE_URL": "sqlite:/proc/no/such/dir/x.db"}, "database.url"},
		{map[string]string{"TONGXIN_LISTEN": "127.0.0.1:99999"}, "listen"},
		{map[string]string{"TONGXIN_LISTEN": "nonsense"}, "listen"},
		{map[string]string{"TONGXIN_LOG_LEVEL": "loud"}, "log.level"},
		{map[string]string{"TONGXIN_BASE_URL": "ftp://x"}, "base_url"},
		{map[string]string{"TONGXIN_DATABASE_MAX_OPEN_CONNS": "0"}, "database.max_open_conns"},
		{map[string]string{"TONGXIN_SESSION_IDLE_TIMEOUT": "13h"}, "session.idle_timeout"},
		{map[string]string{"TONGXIN_DEFAULT_LOCALE": "fr"}, "default_locale"},
	}
	for _, tt := range tests {
		t.Run(tt.wantKey, func(t *testing.T) {
			cfg, err := Load("", envOf(tt.env))
			if err == nil {
				err = cfg.Validate()
			}
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != tt.wantKey {
				t.Fatalf("err = %v, want a KeyError on %s", err, tt.wantKey)
			}
			if !strings.Contains(err.Error(), EnvName(tt.wantKey)) {
				t.Errorf("message %q does not name %s", err, EnvName(tt.wantKey))
			}
		})
	}
}

func TestEnvParseErrorNamesTheKey(t *testing.T) {
	_, err := Load("", envOf(map[string]string{"TONGXIN_HTTP_READ_TIMEOUT": "soon"}))
	var ke *KeyError
	if !errors.As(err, &ke) || ke.Key != "http.read_timeout" {
		t.Fatalf("err = %v", err)
	}
}

func TestDefaultsAreValid(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Default().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestExampleConfigIsValid keeps configs/tongxin.example.yaml loadable: it
// names every key with its default.
func TestExampleConfigIsValid(t *testing.T) {
	cfg, err := Load("../../configs/tongxin.example.yaml", envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range Keys() {
		if !strings.Contains(string(mustRead(t, "../../configs/tongxin.example.yaml")), strings.Split(k, ".")[len(strings.Split(k, "."))-1]+":") {
			t.Errorf("the example lacks %s", k)
		}
	}
	if cfg != Default() {
		t.Errorf("the example differs from the defaults:\n example %+v\n default %+v", cfg, Default())
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
