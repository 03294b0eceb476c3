package model

import (
	"fmt"
	"strconv"
	"strings"
)

// Domain kinds.
const (
	DomainSys      = "sys"
	DomainDistrict = "district"
	DomainAlliance = "alliance"
	DomainUnit     = "unit"
)

// ParseDomain splits "district:310104" into its kind and id; "sys" has id 0.
func ParseDomain(d string) (kind string, id int64, err error) {
	if d == DomainSys {
		return DomainSys, 0, nil
	}
	kind, rest, ok := strings.Cut(d, ":")
	if !ok {
		return "", 0, fmt.Errorf("domain %q: want sys or kind:id", d)
	}
	switch kind {
	case DomainDistrict, DomainAlliance, DomainUnit:
	default:
		return "", 0, fmt.Errorf("domain %q: unknown kind %q", d, kind)
	}
	id, err = strconv.ParseInt(rest, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, fmt.Errorf("domain %q: id must be a positive number", d)
	}
	return kind, id, nil
}

// DomainOf formats a domain.
func DomainOf(kind string, id int64) string {
	if kind == DomainSys {
		return DomainSys
	}
	return kind + ":" + strconv.FormatInt(id, 10)
}

// Scope is the set of domains in which a user may do an action on an object
// kind; list queries turn it into SQL (`district_id IN (…) OR alliance_id IN (…)`).
type Scope struct {
	// All: a city-wide grant (the sys domain); no filter.
	All       bool
	Districts []int64
	Alliances []int64
	Units     []int64
}

// Empty reports a scope that grants nothing.
func (s Scope) Empty() bool {
	return !s.All && len(s.Districts) == 0 && len(s.Alliances) == 0 && len(s.Units) == 0
}
