package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

func loadFile(cfg *Config, path string, explicit bool) error {
	b, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return &KeyError{Key: "config", Msg: fmt.Sprintf("cannot read %s: %v", path, errors.Unwrap(err))}
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)                                              // a misspelt key is an error, not a silent default
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // io.EOF: an empty file
		return &KeyError{Key: "config", Msg: fmt.Sprintf("%s: %v", path, err)}
	}
	return nil
}

// loadEnv walks the struct and applies TONGXIN_<PATH> and TONGXIN_<PATH>_FILE.
func loadEnv(cfg *Config, env func(string) (string, bool)) error {
	if env == nil {
		env = os.LookupEnv
	}
	return walk(reflect.ValueOf(cfg).Elem(), "", func(key string, v reflect.Value) error {
		name := EnvName(key)
		val, ok := env(name)
		if file, fok := env(name + "_FILE"); fok && file != "" {
			b, err := os.ReadFile(file)
			if err != nil {
				return &KeyError{Key: key, Msg: fmt.Sprintf("cannot read %s_FILE %s", name, file)}
			}
			val, ok = strings.TrimRight(string(b), "\r\n"), true
		}
		if !ok {
			return nil
		}
		if err := set(v, val); err != nil {
			return &KeyError{Key: key, Msg: err.Error()}
		}
		return nil
	})
}

// Keys lists every configuration key, for documentation and tests.
func Keys() []string {
	var keys []string
	cfg := Default()
	_ = walk(reflect.ValueOf(&cfg).Elem(), "", func(key string, _ reflect.Value) error {
		keys = append(keys, key)
		return nil
	})
	return keys
}

func walk(v reflect.Value, prefix string, fn func(key string, v reflect.Value) error) error {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		key := tag
		if prefix != "" {
			key = prefix + "." + tag
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Struct {
			if err := walk(fv, key, fn); err != nil {
				return err
			}
			continue
		}
		if err := fn(key, fv); err != nil {
			return err
		}
	}
	return nil
}

var durationType = reflect.TypeOf(time.Duration(0))

func set(v reflect.Value, s string) error {
	s = strings.TrimSpace(s)
	switch {
	case v.Type() == durationType:
		d, err := time.ParseDuration(s)
		if err != nil {
			return fmt.Errorf("%q is not a duration such as 30s, 15m or 12h", s)
		}
		v.SetInt(int64(d))
	case v.Kind() == reflect.String:
		v.SetString(s)
	case v.Kind() == reflect.Bool:
		b, err := strconv.ParseBool(s)
		if err != nil {
			return fmt.Errorf("%q is not true or false", s)
		}
		v.SetBool(b)
	case v.Kind() == reflect.Int || v.Kind() == reflect.Int64:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a whole number", s)
		}
		v.SetInt(n)
	default:
		return fmt.Errorf("unsupported kind %s", v.Kind())
	}
	return nil
}
