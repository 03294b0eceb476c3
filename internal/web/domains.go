package web

import (
	"context"

	"tongxin/internal/model"
	"tongxin/internal/service"
)

// domainLabeler names domains for people: 全系统, 徐汇区, 凌云路街道区域化党建联盟,
// 成员单位 345 … It reads districts and alliances at most once per labeler.
func (s *Server) domainLabeler(ctx context.Context, loc string) func(domain string) (string, error) {
	var districts, alliances map[int64]string
	return func(domain string) (string, error) {
		kind, id, err := model.ParseDomain(domain)
		switch {
		case err != nil:
			return domain, nil
		case kind == model.DomainSys:
			return s.cat.T(loc, "profile.domain.sys"), nil
		case kind == model.DomainDistrict:
			if districts == nil {
				ds, err := service.NewRoles(s.deps()).Districts(ctx)
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
		case kind == model.DomainAlliance:
			if alliances == nil {
				as, err := service.NewAlliances(s.deps()).AllianceOptions(ctx)
				if err != nil {
					return "", err
				}
				alliances = make(map[int64]string, len(as))
				for _, a := range as {
					alliances[a.ID] = a.Name
				}
			}
			if name := alliances[id]; name != "" {
				return name, nil
			}
		}
		return s.cat.T(loc, "profile.domain."+kind, id), nil
	}
}
