package web

import (
	"context"

	"tongxin/internal/model"
)

// domainLabeler names domains for people: 全系统, 徐汇区, 联盟 12 …
// It reads the districts once per labeler.
func (s *Server) domainLabeler(ctx context.Context, loc string) func(domain string) (string, error) {
	var districts map[int64]string
	return func(domain string) (string, error) {
		kind, id, err := model.ParseDomain(domain)
		switch {
		case err != nil:
			return domain, nil
		case kind == model.DomainSys:
			return s.cat.T(loc, "profile.domain.sys"), nil
		case kind == model.DomainDistrict:
			if districts == nil {
				ds, err := s.db.Districts(ctx)
				if err != nil {
					return "", err
				}
				districts = make(map[int64]string, len(ds))
				for _, d := range ds {
					districts[d.ID] = d.Name
				}
			}
			if name := districts[id]; name != "" {
				return name, nil
			}
			return domain, nil
		}
		return s.cat.T(loc, "profile.domain."+kind, id), nil
	}
}
