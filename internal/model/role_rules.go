package model

import "slices"

// AssignableRoles are the roles an administrator may grant by hand, each
// with the one domain kind it is held in.
var AssignableRoles = map[string]string{
	RoleSysadmin:          DomainSys,
	RoleSecadmin:          DomainSys,
	RoleAuditor:           DomainSys,
	RoleDistrictAdmin:     DomainDistrict,
	RoleDistrictReviewer:  DomainDistrict,
	RoleCityReviewer:      DomainSys,
	RoleAllianceSecretary: DomainAlliance,
	RoleUnitContact:       DomainUnit,
}

// RoleOrder is the order roles are listed in.
var RoleOrder = []string{RoleSysadmin, RoleSecadmin, RoleAuditor, RoleDistrictAdmin, RoleDistrictReviewer,
	RoleCityReviewer, RoleAllianceSecretary, RoleAllianceChair, RoleUnitContact}

// ThreeAdmins are the 三员: one person holds at most one of them.
var ThreeAdmins = []string{RoleSysadmin, RoleSecadmin, RoleAuditor}

// IsThreeAdmin reports one of the three administrator roles.
func IsThreeAdmin(role string) bool { return slices.Contains(ThreeAdmins, role) }
