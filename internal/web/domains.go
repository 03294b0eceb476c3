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
		kind, _, err := model.ParseDomain(domain)
		switch {
		case err != nil:
		case kind == model.DomainDistrict && districts == nil:
			ds, err := service.NewRoles(s.deps()).Districts(ctx)
			if err != nil {
				return "", err
			}
			districts = districtNames(ds)
		case kind == model.DomainAlliance && alliances == nil:
			as, err := service.NewAlliances(s.deps()).AllianceOptions(ctx)
			if err != nil {
				return "", err
			}
			alliances = allianceNames(as)
		}
		return s.labelDomain(loc, domain, districts, alliances), nil
	}
}

func districtNames(ds []model.District) map[int64]string {
	m := make(map[int64]string, len(ds))
	for _, d := range ds {
		m[d.ID] = d.Name
	}
	return m
}

func allianceNames(as []model.Alliance) map[int64]string {
	m := make(map[int64]string, len(as))
	for _, a := range as {
		m[a.ID] = a.Name
	}
	return m
}

func (s *Server) labelDomain(loc, domain string, districts, alliances map[int64]string) string {
	kind, id, err := model.ParseDomain(domain)
	switch {
	case err != nil:
		return domain
	case kind == model.DomainSys:
		return s.cat.T(loc, "profile.domain.sys")
	case kind == model.DomainDistrict:
		if name := districts[id]; name != "" {
			return name
		}
		return domain
	case kind == model.DomainAlliance:
		if name := alliances[id]; name != "" {
			return name
		}
	}
	return s.cat.T(loc, "profile.domain."+kind, id)
}
