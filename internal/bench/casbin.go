package bench

import (
	"testing"

	"tongxin/internal/authz"
)

// CheckTime returns the time of one uncached casbin check (one Enforce past
// the authorizer's decision cache), in microseconds, measured with
// testing.Benchmark on the given authorizer (the generated city's role
// assignments and the shared policy).
func CheckTime(az *authz.Authorizer, userID int64, domain, obj, act string) float64 {
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			az.EnforceUncached(userID, domain, obj, act)
		}
	})
	if r.N == 0 {
		return 0
	}
	return round(float64(r.NsPerOp())/1000, 2)
}
