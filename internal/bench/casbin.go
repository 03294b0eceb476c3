package bench

import (
	"testing"

	"tongxin/internal/authz"
)

// CheckTime returns the time of one uncached casbin check (one Enforce:
// the authorizer keeps no decision cache), in microseconds, measured with
// testing.Benchmark on the given authorizer (the generated city's role
// assignments and the shared policy).
func CheckTime(az *authz.Authorizer, userID int64, domain, obj, act string) float64 {
	chain := []string{domain}
	before := az.Checks()
	az.Can(userID, chain, obj, act)
	per := az.Checks() - before // one per domain of the chain tried: 1 here
	r := testing.Benchmark(func(b *testing.B) {
		for b.Loop() {
			az.Can(userID, chain, obj, act)
		}
	})
	if r.N == 0 || per == 0 {
		return 0
	}
	return round(float64(r.NsPerOp())/float64(per)/1000, 2)
}
