package service_test

import (
	"testing"

	"tongxin/internal/testenv"
)

// TestMain drops the Postgres test databases when the package's tests end.
func TestMain(m *testing.M) { testenv.Main(m) }
