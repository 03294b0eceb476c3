package web

import (
	"net"
	"net/http"

	"github.com/labstack/echo/v4"
)

// clientIPExtractor decides which address is the client's (the login rate
// limit, login events, audit rows, sessions): the direct peer, unless the
// peer is one of the trusted proxies; then X-Forwarded-For (the nearest
// address that is not itself a trusted proxy) or, without it, X-Real-IP.
// Nothing is trusted by default: not loopback, not private networks (echo
// would trust those unless told otherwise), so a client cannot choose its
// address by sending a header.
func clientIPExtractor(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	xff, realIP := echo.ExtractIPFromXFFHeader(opts...), echo.ExtractIPFromRealIPHeader(opts...)
	return func(r *http.Request) string {
		if len(r.Header.Values(echo.HeaderXForwardedFor)) > 0 {
			return xff(r)
		}
		return realIP(r)
	}
}
