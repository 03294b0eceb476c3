package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"golang.org/x/time/rate"

	"tongxin/internal/authz"
	"tongxin/internal/model"
)

// routes lists every route with its middleware and its permission. A test
// walks echo's route table and fails on a route that is not declared here.
func (s *Server) routes() {
	e := s.echo
	e.Use(
		s.observe, // request id, log line, metrics, error handling
		middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true, LogErrorFunc: s.logPanic}),
		s.securityHeaders,
		s.admit, // a bounded number of requests at once (admission.go)
		// Spreadsheet uploads have their own, larger limit (import.max_bytes; imports.go).
		// Project attachments too (uploads.max_bytes; projects_api.go).
		middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: fmt.Sprintf("%dB", s.opts.BodyLimit),
			Skipper: func(c echo.Context) bool { return isUpload(c) || isAttachmentUpload(c) || isMeetingUpload(c) }}),
		s.uploadBodyLimit(),
		s.pageUploadBodyLimit(), // project pages that carry files (projects_api.go)
		// Meeting attachments (meeting_attachments.go).
		s.meetingUploadBodyLimit(),
		// /metrics compresses itself (promhttp); compressing twice garbles it.
		middleware.GzipWithConfig(middleware.GzipConfig{MinLength: 1024, Skipper: func(c echo.Context) bool { return c.Path() == "/metrics" }}),
		s.locale,
		s.sessionMiddleware(),
		s.csrfMiddleware(),
		s.inputGuard,  // NUL bytes and 32-bit ranges: 400 before any handler (inputguard.go)
		s.admitUpload, // uploads take their turn once their body is in (admission.go)
		s.loadUser,
		s.idempotency, // one-time form keys and Idempotency-Key (idempotency.go)
	)
	r := &router{s: s}

	// Operations and static files.
	r.add(http.MethodGet, "/healthz", s.healthz, authz.Public())
	r.add(http.MethodGet, "/readyz", s.readyz, authz.Public())
	r.add(http.MethodGet, "/metrics", s.serveMetrics, authz.Public())
	r.add(http.MethodGet, "/static/*", s.assets.Serve, authz.Public())
	r.add(http.MethodGet, "/favicon.ico", s.assets.Favicon, authz.Public())

	// Session.
	r.add(http.MethodGet, "/login", s.loginForm, authz.Public())
	r.add(http.MethodPost, "/login", s.login, authz.Public(), s.loginRateLimit())
	r.add(http.MethodPost, "/logout", s.logout, authz.User())
	r.add(http.MethodGet, "/locale/:lang", s.setLocale, authz.Public())
	r.add(http.MethodGet, "/profile/password", s.passwordForm, authz.User())
	r.add(http.MethodPost, "/profile/password", s.changePassword, authz.User())

	// Pages.
	r.add(http.MethodGet, "/", s.home, authz.User())

	// System administration: users and role assignments.
	r.add(http.MethodGet, "/admin/users", s.usersList, authz.Need("user", "read"))
	r.add(http.MethodGet, "/admin/users/export", s.usersExport, authz.Need("user", "export"))
	r.add(http.MethodGet, "/admin/users/new", s.userNew, authz.Need("user", "create"))
	r.add(http.MethodPost, "/admin/users", s.userCreate, authz.Need("user", "create"))
	r.add(http.MethodGet, "/admin/users/:id", s.userShow, authz.Need("user", "read"))
	r.add(http.MethodGet, "/admin/users/:id/edit", s.userEdit, authz.Need("user", "update"))
	r.add(http.MethodPost, "/admin/users/:id", s.userUpdate, authz.Need("user", "update"))
	r.add(http.MethodPost, "/admin/users/:id/disable", s.userSetEnabled(false), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/admin/users/:id/enable", s.userSetEnabled(true), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/admin/users/:id/unlock", s.userUnlock, authz.Need("user", "unlock"))
	r.add(http.MethodPost, "/admin/users/:id/reset-password", s.userResetPassword, authz.Need("user", "reset_password"))
	r.add(http.MethodPost, "/admin/users/:id/roles", s.roleGrant, authz.Need("role_assignment", "create"))
	r.add(http.MethodPost, "/admin/role-assignments/:id/revoke", s.roleRevoke, authz.Need("role_assignment", "revoke"))
	r.add(http.MethodGet, "/api/v1/users", s.apiUsersList, authz.Need("user", "read"))
	r.add(http.MethodPost, "/api/v1/users", s.apiUserCreate, authz.Need("user", "create"))
	r.add(http.MethodGet, "/api/v1/users/:id", s.apiUserGet, authz.Need("user", "read"))
	r.add(http.MethodPatch, "/api/v1/users/:id", s.apiUserUpdate, authz.Need("user", "update"))
	r.add(http.MethodPost, "/api/v1/users/:id/disable", s.apiUserAction("disable"), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/api/v1/users/:id/enable", s.apiUserAction("enable"), authz.Need("user", "disable"))
	r.add(http.MethodPost, "/api/v1/users/:id/unlock", s.apiUserAction("unlock"), authz.Need("user", "unlock"))
	r.add(http.MethodPost, "/api/v1/users/:id/reset-password", s.apiUserAction("reset-password"), authz.Need("user", "reset_password"))
	r.add(http.MethodGet, "/api/v1/role-assignments", s.apiRoleAssignmentsList, authz.Need("role_assignment", "read"))
	r.add(http.MethodPost, "/api/v1/role-assignments", s.apiRoleAssignmentCreate, authz.Need("role_assignment", "create"))
	r.add(http.MethodPost, "/api/v1/role-assignments/:id/revoke", s.apiRoleAssignmentRevoke, authz.Need("role_assignment", "revoke"))
	r.add(http.MethodGet, "/api/v1/role-domains", s.apiRoleDomains, authz.Need("role_assignment", "create"))

	// Security administration: login events and online sessions.
	r.add(http.MethodGet, "/admin/login-events", s.loginEventsList, authz.Need("login_event", "read"))
	r.add(http.MethodGet, "/admin/login-events/export", s.loginEventsExport, authz.Need("login_event", "export"))
	r.add(http.MethodGet, "/admin/sessions", s.sessionsList, authz.Need("session", "read"))
	r.add(http.MethodGet, "/admin/sessions/export", s.sessionsExport, authz.Need("session", "read"))
	r.add(http.MethodPost, "/admin/sessions/:id/revoke", s.sessionRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodPost, "/admin/sessions/user/:uid/revoke", s.userSessionsRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodGet, "/api/v1/login-events", s.apiLoginEvents, authz.Need("login_event", "read"))
	r.add(http.MethodGet, "/api/v1/sessions", s.apiSessions, authz.Need("session", "read"))
	r.add(http.MethodPost, "/api/v1/sessions/:id/revoke", s.apiSessionRevoke, authz.Need("session", "revoke"))
	r.add(http.MethodPost, "/api/v1/sessions/user/:uid/revoke", s.apiUserSessionsRevoke, authz.Need("session", "revoke"))

	// Audit log.
	r.add(http.MethodGet, "/admin/audit-log", s.auditLogList, authz.Need("audit_log", "read"))
	r.add(http.MethodGet, "/admin/audit-log/export", s.auditLogExport, authz.Need("audit_log", "export"))
	r.add(http.MethodGet, "/api/v1/audit-log", s.apiAuditLog, authz.Need("audit_log", "read"))

	// Profile and personal API tokens.
	r.add(http.MethodGet, "/profile", s.profile, authz.User())
	r.add(http.MethodPost, "/profile/tokens", s.profileCreateToken, authz.User())
	r.add(http.MethodPost, "/profile/tokens/:id/revoke", s.profileRevokeToken, authz.User())
	r.add(http.MethodGet, "/api/v1/tokens", s.apiTokens, authz.User())
	r.add(http.MethodPost, "/api/v1/tokens", s.apiCreateToken, authz.User())
	r.add(http.MethodGet, "/api/v1/tokens/:id", s.apiToken, authz.User())
	r.add(http.MethodDelete, "/api/v1/tokens/:id", s.apiRevokeToken, authz.User())

	// Reference data: dictionaries and member units.
	// Dictionaries are read by any logged-in user through the API (every form
	// offers their codes; they are not secret); the system admin keeps them.
	// Unit lists are scoped in SQL; the service checks each unit's chain.
	r.add(http.MethodGet, "/dictionary", s.dictionaryPage, authz.Need("dictionary", "read"))
	r.add(http.MethodPost, "/dictionary/:kind", s.dictionaryCreate, authz.Need("dictionary", "manage"))
	r.add(http.MethodGet, "/dictionary/:kind/:id/edit", s.dictionaryEdit, authz.Need("dictionary", "manage"))
	r.add(http.MethodPost, "/dictionary/:kind/:id", s.dictionaryUpdate, authz.Need("dictionary", "manage"))
	r.add(http.MethodPost, "/dictionary/:kind/:id/deactivate", s.dictionarySetActive(false), authz.Need("dictionary", "manage"))
	r.add(http.MethodPost, "/dictionary/:kind/:id/activate", s.dictionarySetActive(true), authz.Need("dictionary", "manage"))
	r.add(http.MethodGet, "/api/v1/dictionary/:kind", s.apiDictionary, authz.User())
	r.add(http.MethodPost, "/api/v1/dictionary/:kind", s.apiDictionaryCreate, authz.Need("dictionary", "manage"))
	r.add(http.MethodPatch, "/api/v1/dictionary/:kind/:id", s.apiDictionaryUpdate, authz.Need("dictionary", "manage"))
	r.add(http.MethodPost, "/api/v1/dictionary/:kind/:id/deactivate", s.apiDictionarySetActive(false), authz.Need("dictionary", "manage"))
	r.add(http.MethodPost, "/api/v1/dictionary/:kind/:id/activate", s.apiDictionarySetActive(true), authz.Need("dictionary", "manage"))
	r.add(http.MethodGet, "/units", s.unitsList, authz.Need("unit", "read"))
	r.add(http.MethodGet, "/units/export", s.unitsExport, authz.Need("unit", "read"))
	r.add(http.MethodGet, "/units/new", s.unitNew, authz.Need("unit", "create"))
	r.add(http.MethodPost, "/units", s.unitCreate, authz.Need("unit", "create"))
	r.add(http.MethodGet, "/units/:id", s.unitShow, authz.Need("unit", "read"))
	r.add(http.MethodGet, "/units/:id/edit", s.unitEdit, authz.Need("unit", "update"))
	r.add(http.MethodPost, "/units/:id", s.unitUpdate, authz.Need("unit", "update"))
	r.add(http.MethodPost, "/units/:id/deactivate", s.unitSetActive(false), authz.Need("unit", "manage"))
	r.add(http.MethodPost, "/units/:id/activate", s.unitSetActive(true), authz.Need("unit", "manage"))
	r.add(http.MethodGet, "/api/v1/units", s.apiUnitsList, authz.Need("unit", "read"))
	r.add(http.MethodPost, "/api/v1/units", s.apiUnitCreate, authz.Need("unit", "create"))
	r.add(http.MethodGet, "/api/v1/units/:id", s.apiUnitGet, authz.Need("unit", "read"))
	r.add(http.MethodPatch, "/api/v1/units/:id", s.apiUnitUpdate, authz.Need("unit", "update"))
	r.add(http.MethodPost, "/api/v1/units/:id/deactivate", s.apiUnitSetActive(false), authz.Need("unit", "manage"))
	r.add(http.MethodPost, "/api/v1/units/:id/activate", s.apiUnitSetActive(true), authz.Need("unit", "manage"))

	// Personal information: erasing a unit's contact or an account's personal
	// data on request (a page that asks to confirm, then the action).
	r.add(http.MethodGet, "/units/:id/erase-contact", s.unitEraseConfirm, authz.Need("unit", "erase"))
	r.add(http.MethodPost, "/units/:id/erase-contact", s.unitEraseContact, authz.Need("unit", "erase"))
	r.add(http.MethodPost, "/api/v1/units/:id/erase-contact", s.apiUnitEraseContact, authz.Need("unit", "erase"))
	r.add(http.MethodGet, "/admin/users/:id/erase", s.userEraseConfirm, authz.Need("user", "erase"))
	r.add(http.MethodPost, "/admin/users/:id/erase", s.userErase, authz.Need("user", "erase"))
	r.add(http.MethodPost, "/api/v1/users/:id/erase", s.apiUserErase, authz.Need("user", "erase"))

	// Reference data: streets, grids and service sites.
	// Lists are scoped in SQL by the caller's read domains. The districts and
	// a district's active streets are answered to any logged-in user: they
	// are public administrative divisions that every area's forms need.
	r.add(http.MethodGet, "/streets", s.streetsList, authz.Need("street", "read"))
	r.add(http.MethodGet, "/streets/export", s.streetsExport, authz.Need("street", "read"))
	r.add(http.MethodGet, "/streets/new", s.streetNew, authz.Need("street", "manage"))
	r.add(http.MethodPost, "/streets", s.streetCreate, authz.Need("street", "manage"))
	r.add(http.MethodGet, "/streets/:id", s.streetShow, authz.Need("street", "read"))
	r.add(http.MethodGet, "/streets/:id/edit", s.streetEdit, authz.Need("street", "manage"))
	r.add(http.MethodPost, "/streets/:id", s.streetUpdate, authz.Need("street", "manage"))
	r.add(http.MethodPost, "/streets/:id/deactivate", s.streetSetActive(false), authz.Need("street", "manage"))
	r.add(http.MethodPost, "/streets/:id/activate", s.streetSetActive(true), authz.Need("street", "manage"))
	r.add(http.MethodGet, "/grids", s.gridsList, authz.Need("grid", "read"))
	r.add(http.MethodGet, "/grids/export", s.gridsExport, authz.Need("grid", "read"))
	r.add(http.MethodGet, "/grids/new", s.gridNew, authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/grids", s.gridCreate, authz.Need("grid", "manage"))
	r.add(http.MethodGet, "/grids/:id", s.gridShow, authz.Need("grid", "read"))
	r.add(http.MethodGet, "/grids/:id/edit", s.gridEdit, authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/grids/:id", s.gridUpdate, authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/grids/:id/deactivate", s.gridSetActive(false), authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/grids/:id/activate", s.gridSetActive(true), authz.Need("grid", "manage"))
	r.add(http.MethodGet, "/service-sites", s.sitesList, authz.Need("service_site", "read"))
	r.add(http.MethodGet, "/service-sites/export", s.sitesExport, authz.Need("service_site", "read"))
	r.add(http.MethodGet, "/service-sites/new", s.siteNew, authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/service-sites", s.siteCreate, authz.Need("service_site", "manage"))
	r.add(http.MethodGet, "/service-sites/:id", s.siteShow, authz.Need("service_site", "read"))
	r.add(http.MethodGet, "/service-sites/:id/edit", s.siteEdit, authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/service-sites/:id", s.siteUpdate, authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/service-sites/:id/deactivate", s.siteSetActive(false), authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/service-sites/:id/activate", s.siteSetActive(true), authz.Need("service_site", "manage"))
	r.add(http.MethodGet, "/api/v1/districts", s.apiDistricts, authz.User())
	r.add(http.MethodGet, "/api/v1/districts/:id/streets", s.apiDistrictStreets, authz.User())
	r.add(http.MethodGet, "/api/v1/streets", s.apiStreetsList, authz.Need("street", "read"))
	r.add(http.MethodPost, "/api/v1/streets", s.apiStreetCreate, authz.Need("street", "manage"))
	r.add(http.MethodGet, "/api/v1/streets/:id", s.apiStreetGet, authz.Need("street", "read"))
	r.add(http.MethodPatch, "/api/v1/streets/:id", s.apiStreetUpdate, authz.Need("street", "manage"))
	r.add(http.MethodPost, "/api/v1/streets/:id/deactivate", s.apiStreetSetActive(false), authz.Need("street", "manage"))
	r.add(http.MethodPost, "/api/v1/streets/:id/activate", s.apiStreetSetActive(true), authz.Need("street", "manage"))
	r.add(http.MethodGet, "/api/v1/grids", s.apiGridsList, authz.Need("grid", "read"))
	r.add(http.MethodPost, "/api/v1/grids", s.apiGridCreate, authz.Need("grid", "manage"))
	r.add(http.MethodGet, "/api/v1/grids/:id", s.apiGridGet, authz.Need("grid", "read"))
	r.add(http.MethodPatch, "/api/v1/grids/:id", s.apiGridUpdate, authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/api/v1/grids/:id/deactivate", s.apiGridSetActive(false), authz.Need("grid", "manage"))
	r.add(http.MethodPost, "/api/v1/grids/:id/activate", s.apiGridSetActive(true), authz.Need("grid", "manage"))
	r.add(http.MethodGet, "/api/v1/service-sites", s.apiSitesList, authz.Need("service_site", "read"))
	r.add(http.MethodPost, "/api/v1/service-sites", s.apiSiteCreate, authz.Need("service_site", "manage"))
	r.add(http.MethodGet, "/api/v1/service-sites/:id", s.apiSiteGet, authz.Need("service_site", "read"))
	r.add(http.MethodPatch, "/api/v1/service-sites/:id", s.apiSiteUpdate, authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/api/v1/service-sites/:id/deactivate", s.apiSiteSetActive(false), authz.Need("service_site", "manage"))
	r.add(http.MethodPost, "/api/v1/service-sites/:id/activate", s.apiSiteSetActive(true), authz.Need("service_site", "manage"))

	// Alliances, memberships and committees.
	// Lists are scoped in SQL by the caller's alliance:read domains (districts
	// and alliances); committees are read as their alliance is. The service
	// checks each object's chain: creating and (de)activating an alliance is
	// alliance:manage on its district, editing alliance:update on its chain.
	r.add(http.MethodGet, "/alliances", s.alliancesList, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/alliances/export", s.alliancesExport, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/alliances/new", s.allianceNew, authz.Need("alliance", "manage"))
	r.add(http.MethodPost, "/alliances", s.allianceCreate, authz.Need("alliance", "manage"))
	r.add(http.MethodGet, "/alliances/:id", s.allianceShow, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/alliances/:id/edit", s.allianceEdit, authz.Need("alliance", "update"))
	r.add(http.MethodPost, "/alliances/:id", s.allianceUpdate, authz.Need("alliance", "update"))
	r.add(http.MethodPost, "/alliances/:id/deactivate", s.allianceSetActive(false), authz.Need("alliance", "manage"))
	r.add(http.MethodPost, "/alliances/:id/activate", s.allianceSetActive(true), authz.Need("alliance", "manage"))
	r.add(http.MethodPost, "/alliances/:id/members", s.allianceMemberAdd, authz.Need("membership", "manage"))
	r.add(http.MethodGet, "/alliances/:id/members/:mid/edit", s.allianceMemberEdit, authz.Need("membership", "manage"))
	r.add(http.MethodPost, "/alliances/:id/members/:mid", s.allianceMemberUpdate, authz.Need("membership", "manage"))
	r.add(http.MethodPost, "/alliances/:id/members/:mid/leave", s.allianceMemberLeave, authz.Need("membership", "manage"))
	r.add(http.MethodGet, "/committees", s.committeesList, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/committees/export", s.committeesExport, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/committees/new", s.committeeNew, authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees", s.committeeCreate, authz.Need("committee", "manage"))
	r.add(http.MethodGet, "/committees/:id", s.committeeShow, authz.Need("alliance", "read"))
	r.add(http.MethodGet, "/committees/:id/edit", s.committeeEdit, authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees/:id", s.committeeUpdate, authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees/:id/deactivate", s.committeeSetActive(false), authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees/:id/activate", s.committeeSetActive(true), authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees/:id/members", s.committeeMemberAdd, authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/committees/:id/members/:unit_id/remove", s.committeeMemberRemove, authz.Need("committee", "manage"))
	r.add(http.MethodGet, "/api/v1/alliances", s.apiAlliancesList, authz.Need("alliance", "read"))
	r.add(http.MethodPost, "/api/v1/alliances", s.apiAllianceCreate, authz.Need("alliance", "manage"))
	r.add(http.MethodGet, "/api/v1/alliances/:id", s.apiAllianceGet, authz.Need("alliance", "read"))
	r.add(http.MethodPatch, "/api/v1/alliances/:id", s.apiAllianceUpdate, authz.Need("alliance", "update"))
	r.add(http.MethodPost, "/api/v1/alliances/:id/deactivate", s.apiAllianceSetActive(false), authz.Need("alliance", "manage"))
	r.add(http.MethodPost, "/api/v1/alliances/:id/activate", s.apiAllianceSetActive(true), authz.Need("alliance", "manage"))
	r.add(http.MethodGet, "/api/v1/alliances/:id/members", s.apiAllianceMembers, authz.Need("alliance", "read"))
	r.add(http.MethodPost, "/api/v1/alliances/:id/members", s.apiAllianceMemberAdd, authz.Need("membership", "manage"))
	r.add(http.MethodGet, "/api/v1/alliances/:id/members/:mid", s.apiAllianceMember, authz.Need("alliance", "read"))
	r.add(http.MethodPatch, "/api/v1/alliances/:id/members/:mid", s.apiAllianceMemberUpdate, authz.Need("membership", "manage"))
	r.add(http.MethodPost, "/api/v1/alliances/:id/members/:mid/leave", s.apiAllianceMemberLeave, authz.Need("membership", "manage"))
	r.add(http.MethodGet, "/api/v1/committees", s.apiCommitteesList, authz.Need("alliance", "read"))
	r.add(http.MethodPost, "/api/v1/committees", s.apiCommitteeCreate, authz.Need("committee", "manage"))
	r.add(http.MethodGet, "/api/v1/committees/:id", s.apiCommitteeGet, authz.Need("alliance", "read"))
	r.add(http.MethodPatch, "/api/v1/committees/:id", s.apiCommitteeUpdate, authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/api/v1/committees/:id/deactivate", s.apiCommitteeSetActive(false), authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/api/v1/committees/:id/activate", s.apiCommitteeSetActive(true), authz.Need("committee", "manage"))
	r.add(http.MethodPost, "/api/v1/committees/:id/members/:unit_id", s.apiCommitteeMemberAdd, authz.Need("committee", "manage"))
	r.add(http.MethodDelete, "/api/v1/committees/:id/members/:unit_id", s.apiCommitteeMemberRemove, authz.Need("committee", "manage"))

	// The three lists: needs (需求清单) and resources (资源清单).
	// Reading follows each row's visibility (store.ListViewer, in SQL): a
	// need or resource the caller may not see answers 404 like a missing id.
	// Writing is need/resource update on the owner's chain (the unit's
	// contact, the alliance secretary); the service checks it per object and
	// answers 422 naming the status when the action is not allowed in it.
	r.add(http.MethodGet, "/needs", s.needsList, authz.Need("need", "read"))
	r.add(http.MethodGet, "/needs/export", s.needsExport, authz.Need("need", "read"))
	r.add(http.MethodGet, "/needs/new", s.needNew, authz.Need("need", "create"))
	r.add(http.MethodPost, "/needs", s.needCreate, authz.Need("need", "create"))
	r.add(http.MethodGet, "/needs/:id", s.needShow, authz.Need("need", "read"))
	r.add(http.MethodGet, "/needs/:id/edit", s.needEdit, authz.Need("need", "update"))
	r.add(http.MethodPost, "/needs/:id", s.needUpdate, authz.Need("need", "update"))
	r.add(http.MethodPost, "/needs/:id/publish", s.needPublish, authz.Need("need", "update"))
	r.add(http.MethodPost, "/needs/:id/close", s.needClose, authz.Need("need", "update"))
	r.add(http.MethodGet, "/resources", s.resourcesList, authz.Need("resource", "read"))
	r.add(http.MethodGet, "/resources/export", s.resourcesExport, authz.Need("resource", "read"))
	r.add(http.MethodGet, "/resources/new", s.resourceNew, authz.Need("resource", "create"))
	r.add(http.MethodPost, "/resources", s.resourceCreate, authz.Need("resource", "create"))
	r.add(http.MethodGet, "/resources/:id", s.resourceShow, authz.Need("resource", "read"))
	r.add(http.MethodGet, "/resources/:id/edit", s.resourceEdit, authz.Need("resource", "update"))
	r.add(http.MethodPost, "/resources/:id", s.resourceUpdate, authz.Need("resource", "update"))
	r.add(http.MethodPost, "/resources/:id/publish", s.resourcePublish, authz.Need("resource", "update"))
	r.add(http.MethodPost, "/resources/:id/withdraw", s.resourceWithdraw, authz.Need("resource", "update"))
	r.add(http.MethodGet, "/api/v1/needs", s.apiNeedsList, authz.Need("need", "read"))
	r.add(http.MethodPost, "/api/v1/needs", s.apiNeedCreate, authz.Need("need", "create"))
	r.add(http.MethodGet, "/api/v1/needs/:id", s.apiNeedGet, authz.Need("need", "read"))
	r.add(http.MethodPatch, "/api/v1/needs/:id", s.apiNeedUpdate, authz.Need("need", "update"))
	r.add(http.MethodPost, "/api/v1/needs/:id/publish", s.apiNeedAction(model.ListActionPublish), authz.Need("need", "update"))
	r.add(http.MethodPost, "/api/v1/needs/:id/close", s.apiNeedAction(model.ListActionClose), authz.Need("need", "update"))
	r.add(http.MethodGet, "/api/v1/resources", s.apiResourcesList, authz.Need("resource", "read"))
	r.add(http.MethodPost, "/api/v1/resources", s.apiResourceCreate, authz.Need("resource", "create"))
	r.add(http.MethodGet, "/api/v1/resources/:id", s.apiResourceGet, authz.Need("resource", "read"))
	r.add(http.MethodPatch, "/api/v1/resources/:id", s.apiResourceUpdate, authz.Need("resource", "update"))
	r.add(http.MethodPost, "/api/v1/resources/:id/publish", s.apiResourceAction(model.ListActionPublish), authz.Need("resource", "update"))
	r.add(http.MethodPost, "/api/v1/resources/:id/withdraw", s.apiResourceAction(model.ListActionWithdraw), authz.Need("resource", "update"))

	// Matching suggestions (匹配推荐) on a need's or a resource's page; whoever
	// sees the need or resource sees them (the service answers 404 otherwise).
	r.add(http.MethodGet, "/needs/:id/matches", s.needMatches, authz.Need("need", "read"))
	r.add(http.MethodGet, "/resources/:id/matches", s.resourceMatches, authz.Need("resource", "read"))
	r.add(http.MethodGet, "/api/v1/needs/:id/matches", s.apiNeedMatches, authz.Need("need", "read"))
	r.add(http.MethodGet, "/api/v1/resources/:id/matches", s.apiResourceMatches, authz.Need("resource", "read"))

	// Claims (认领) and the inbox (消息通知).
	// Lists are scoped in SQL by the caller's claim:read domains (the target's
	// district and alliance; a unit's own claims and the claims on its needs
	// and resources). The service checks each claim: decide on the target
	// owner's chain, withdraw for the claimant unit, create for the claimant
	// unit on a target that unit can see. The inbox is everyone's own.
	r.add(http.MethodGet, "/claims", s.claimsList, authz.Need("claim", "read"))
	r.add(http.MethodGet, "/claims/export", s.claimsExport, authz.Need("claim", "read"))
	r.add(http.MethodGet, "/claims/:id", s.claimShow, authz.Need("claim", "read"))
	r.add(http.MethodPost, "/claims/:id/accept", s.claimAction("accept"), authz.Need("claim", "decide"))
	r.add(http.MethodPost, "/claims/:id/reject", s.claimAction("reject"), authz.Need("claim", "decide"))
	r.add(http.MethodPost, "/claims/:id/withdraw", s.claimAction("withdraw"), authz.Need("claim", "withdraw"))
	r.add(http.MethodGet, "/needs/:id/claim", s.claimFormGet(model.TargetNeed), authz.Need("claim", "create"))
	r.add(http.MethodPost, "/needs/:id/claim", s.claimCreate(model.TargetNeed), authz.Need("claim", "create"))
	r.add(http.MethodGet, "/needs/:id/claims", s.claimsOfTarget(model.TargetNeed), authz.Need("claim", "read"))
	r.add(http.MethodGet, "/resources/:id/claim", s.claimFormGet(model.TargetResource), authz.Need("claim", "create"))
	r.add(http.MethodPost, "/resources/:id/claim", s.claimCreate(model.TargetResource), authz.Need("claim", "create"))
	r.add(http.MethodGet, "/resources/:id/claims", s.claimsOfTarget(model.TargetResource), authz.Need("claim", "read"))
	r.add(http.MethodGet, "/api/v1/claims", s.apiClaimsList, authz.Need("claim", "read"))
	r.add(http.MethodPost, "/api/v1/claims", s.apiClaimCreate, authz.Need("claim", "create"))
	r.add(http.MethodGet, "/api/v1/claims/:id", s.apiClaimGet, authz.Need("claim", "read"))
	r.add(http.MethodPost, "/api/v1/claims/:id/accept", s.apiClaimAction("accept"), authz.Need("claim", "decide"))
	r.add(http.MethodPost, "/api/v1/claims/:id/reject", s.apiClaimAction("reject"), authz.Need("claim", "decide"))
	r.add(http.MethodPost, "/api/v1/claims/:id/withdraw", s.apiClaimAction("withdraw"), authz.Need("claim", "withdraw"))
	r.add(http.MethodGet, "/inbox", s.inbox, authz.User())
	r.add(http.MethodPost, "/inbox/read-all", s.inboxMarkAllRead, authz.User())
	r.add(http.MethodGet, "/inbox/:id", s.inboxOpen, authz.User())
	r.add(http.MethodPost, "/inbox/:id/read", s.inboxMarkRead, authz.User())
	r.add(http.MethodGet, "/api/v1/notifications", s.apiNotifications, authz.User())
	r.add(http.MethodPost, "/api/v1/notifications/read-all", s.apiNotificationsReadAll, authz.User())
	r.add(http.MethodPost, "/api/v1/notifications/:id/read", s.apiNotificationRead, authz.User())

	// Imports.
	// Anyone logged in may open 导入任务 and their own jobs (the service
	// answers 404 for another's; the system admin sees all). Uploading needs
	// the import right of the kind uploaded (unit, need, resource or project
	// import), which the handler and the service check with the target
	// district or alliance: the route cannot name the kind, which is a field.
	r.add(http.MethodGet, "/imports", s.importsList, authz.User())
	r.add(http.MethodGet, "/imports/export", s.importsExport, authz.User())
	r.add(http.MethodGet, "/imports/new", s.importNew, authz.User())
	r.add(http.MethodPost, "/imports", s.importCreate, authz.User())
	r.add(http.MethodGet, "/imports/template/units.xlsx", s.importTemplate("units"), authz.Need("unit", "import"))
	r.add(http.MethodGet, "/imports/template/needs.xlsx", s.importTemplate("needs"), authz.Need("need", "import"))
	r.add(http.MethodGet, "/imports/template/resources.xlsx", s.importTemplate("resources"), authz.Need("resource", "import"))
	r.add(http.MethodGet, "/imports/template/projects.xlsx", s.importTemplate("projects"), authz.Need("project", "import"))
	r.add(http.MethodGet, "/imports/:id", s.importShow, authz.User())
	r.add(http.MethodGet, "/imports/:id/progress", s.importProgress, authz.User())
	r.add(http.MethodGet, "/imports/:id/errors.xlsx", s.importErrors, authz.User())
	r.add(http.MethodGet, "/api/v1/imports", s.apiImports, authz.User())
	r.add(http.MethodPost, "/api/v1/imports", s.apiImportCreate, authz.User())
	r.add(http.MethodGet, "/api/v1/imports/:id", s.apiImport, authz.User())
	r.add(http.MethodGet, "/api/v1/imports/:id/errors.xlsx", s.importErrors, authz.User())
	for _, kind := range []string{"units", "needs", "resources", "projects"} {
		r.add(http.MethodGet, "/api/v1/imports/template/"+kind+".xlsx", s.importTemplate(kind), authz.Need(kind[:len(kind)-1], "import"))
	}

	// Projects (pages).
	// The same services as the API: lists scoped in SQL by project:read, each
	// project checked on its chain and against model.ProjectTransitions. The
	// 立项草稿 button of a need's page is a fragment that answers nothing to
	// who may not draft; the library is read by everyone logged in.
	r.add(http.MethodGet, "/projects", s.projectsList, authz.Need("project", "read"))
	r.add(http.MethodGet, "/projects/export", s.projectsExport, authz.Need("project", "read"))
	r.add(http.MethodGet, "/projects/new", s.projectNew, authz.Need("project", "create"))
	r.add(http.MethodPost, "/projects", s.projectCreate, authz.Need("project", "create"))
	r.add(http.MethodGet, "/projects/:id", s.projectShow, authz.Need("project", "read"))
	r.add(http.MethodGet, "/projects/:id/edit", s.projectEdit, authz.Need("project", "update"))
	r.add(http.MethodPost, "/projects/:id", s.projectUpdate, authz.Need("project", "update"))
	for _, a := range model.ProjectActions {
		r.add(http.MethodPost, "/projects/:id/"+a, s.projectAction(a), authz.Need("project", a))
	}
	r.add(http.MethodPost, "/projects/:id/updates", s.projectUpdateCreate, authz.Need("project", "update_progress"))
	r.add(http.MethodPost, "/projects/:id/attachments", s.projectAttachmentCreate, authz.Need("project", "update_progress"))
	r.add(http.MethodGet, "/projects/:id/attachments/:aid", s.projectAttachmentDownload, authz.Need("project", "read"))
	r.add(http.MethodPost, "/projects/:id/nominate", s.projectNominate, authz.Need("case", "nominate"))
	r.add(http.MethodGet, "/needs/:id/project-draft", s.needProjectDraftButton, authz.Need("need", "read"))
	r.add(http.MethodPost, "/needs/:id/project-draft", s.needProjectDraft, authz.Need("project", "create"))
	r.add(http.MethodGet, "/reviews", s.reviewsList, authz.Need("project", "approve"))
	r.add(http.MethodPost, "/reviews/approve", s.reviewsApprove, authz.Need("project", "approve"))
	r.add(http.MethodGet, "/cases", s.casesList, authz.User())
	r.add(http.MethodGet, "/cases/:id", s.caseShow, authz.User())
	r.add(http.MethodPost, "/cases/:id/select", s.caseDecide(true), authz.Need("case", "select"))
	r.add(http.MethodPost, "/cases/:id/decline", s.caseDecide(false), authz.Need("case", "select"))

	// Projects (API).
	// Lists are scoped in SQL by the caller's project:read domains (districts,
	// alliances, and the units a contact speaks for). The service checks the
	// project's chain (its units, alliance, district) and the lifecycle table
	// (model.ProjectTransitions) for each action. Cases: the library is read
	// by everyone logged in; nominations where one nominates or selects.
	r.add(http.MethodGet, "/api/v1/projects", s.apiProjectsList, authz.Need("project", "read"))
	r.add(http.MethodPost, "/api/v1/projects", s.apiProjectCreate, authz.Need("project", "create"))
	r.add(http.MethodGet, "/api/v1/projects/:id", s.apiProjectGet, authz.Need("project", "read"))
	r.add(http.MethodPatch, "/api/v1/projects/:id", s.apiProjectUpdate, authz.Need("project", "update"))
	for _, a := range model.ProjectActions {
		r.add(http.MethodPost, "/api/v1/projects/:id/"+a, s.apiProjectAction(a), authz.Need("project", a))
	}
	r.add(http.MethodGet, "/api/v1/projects/:id/updates", s.apiProjectUpdates, authz.Need("project", "read"))
	r.add(http.MethodPost, "/api/v1/projects/:id/updates", s.apiProjectUpdateCreate, authz.Need("project", "update_progress"))
	r.add(http.MethodGet, "/api/v1/projects/:id/reviews", s.apiProjectReviews, authz.Need("project", "read"))
	r.add(http.MethodGet, "/api/v1/projects/:id/attachments", s.apiProjectAttachments, authz.Need("project", "read"))
	r.add(http.MethodPost, projectAttachmentPath, s.apiProjectAttachmentUpload, authz.Need("project", "update_progress"), s.attachmentBodyLimit())
	r.add(http.MethodGet, "/api/v1/projects/:id/attachments/:aid", s.apiProjectAttachment, authz.Need("project", "read"))
	r.add(http.MethodPost, "/api/v1/projects/:id/nominate", s.apiProjectNominate, authz.Need("case", "nominate"))
	r.add(http.MethodPost, "/api/v1/needs/:id/project-draft", s.apiNeedProjectDraft, authz.Need("project", "create"))
	r.add(http.MethodGet, "/api/v1/reviews", s.apiReviewQueue, authz.Need("project", "approve"))
	r.add(http.MethodPost, "/api/v1/reviews/approve", s.apiReviewBulkApprove, authz.Need("project", "approve"))
	r.add(http.MethodGet, "/api/v1/cases", s.apiCasesList, authz.User())
	r.add(http.MethodGet, "/api/v1/cases/:id", s.apiCaseGet, authz.User())
	r.add(http.MethodPost, "/api/v1/cases/:id/select", s.apiCaseDecide(true), authz.Need("case", "select"))
	r.add(http.MethodPost, "/api/v1/cases/:id/decline", s.apiCaseDecide(false), authz.Need("case", "select"))

	// Governance (联盟治理): the rotating chair (轮值) and meetings (会议).
	// Lists are scoped in SQL by the caller's rotation_term:read and
	// meeting:read domains (districts, alliances); the service checks each
	// object's alliance chain. The chair role (alliance_chair) is derived from
	// the terms and holds meeting and duty rights during its term only. The
	// calendar feed authenticates by its token alone (calendar_feeds).
	r.add(http.MethodGet, "/rotation-terms", s.rotationList, authz.Need("rotation_term", "read"))
	r.add(http.MethodGet, "/rotation-terms/export", s.rotationExport, authz.Need("rotation_term", "read"))
	r.add(http.MethodGet, "/rotation-terms/new", s.rotationNew, authz.Need("rotation_term", "manage"))
	r.add(http.MethodPost, "/rotation-terms", s.rotationCreate, authz.Need("rotation_term", "manage"))
	r.add(http.MethodGet, "/rotation-terms/plan", s.rotationPlanForm, authz.Need("rotation_term", "manage"))
	r.add(http.MethodPost, "/rotation-terms/plan", s.rotationPlan, authz.Need("rotation_term", "manage"))
	r.add(http.MethodGet, "/rotation-terms/:id", s.rotationShow, authz.Need("rotation_term", "read"))
	r.add(http.MethodPost, "/rotation-terms/:id/hand-over", s.rotationHandOver, authz.Need("rotation_term", "manage"))
	r.add(http.MethodPost, "/rotation-terms/:id/duties/:did", s.rotationDutyUpdate, authz.Need("rotation_duty", "update"))
	r.add(http.MethodGet, "/meetings", s.meetingsList, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/meetings/export", s.meetingsExport, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/meetings/new", s.meetingNew, authz.Need("meeting", "create"))
	r.add(http.MethodPost, "/meetings", s.meetingCreate, authz.Need("meeting", "create"))
	r.add(http.MethodGet, "/meetings/:id", s.meetingShow, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/meetings/:id/edit", s.meetingEdit, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id", s.meetingUpdate, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id/hold", s.meetingAct(model.MeetingActionHold), authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id/cancel", s.meetingAct(model.MeetingActionCancel), authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id/attendance", s.meetingAttendance, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id/review", s.annualReview, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/meetings/:id/annual/:section", s.annualSection, authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/meetings/:id/pack", s.annualPack, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/meetings/:id/pack.xlsx", s.annualPackXLSX, authz.Need("meeting", "read"))
	r.add(http.MethodPost, meetingUploadPath, s.meetingAttachmentCreate, authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/meetings/:id/attachments/:aid", s.meetingAttachmentDownload, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/calendar", s.calendarPage, authz.User())
	r.add(http.MethodPost, "/calendar/token", s.calendarToken, authz.User())
	r.add(http.MethodPost, "/api/v1/calendar/token", s.apiCalendarToken, authz.User())
	r.add(http.MethodGet, "/calendar/:token/meetings.ics", s.calendarFeed, authz.Public())
	r.add(http.MethodGet, "/api/v1/rotation-terms", s.apiRotationList, authz.Need("rotation_term", "read"))
	r.add(http.MethodPost, "/api/v1/rotation-terms", s.apiRotationCreate, authz.Need("rotation_term", "manage"))
	r.add(http.MethodPost, "/api/v1/rotation-terms/plan", s.apiRotationPlan(false), authz.Need("rotation_term", "manage"))
	r.add(http.MethodPost, "/api/v1/rotation-terms/plan/save", s.apiRotationPlan(true), authz.Need("rotation_term", "manage"))
	r.add(http.MethodGet, "/api/v1/rotation-terms/:id", s.apiRotationGet, authz.Need("rotation_term", "read"))
	r.add(http.MethodPost, "/api/v1/rotation-terms/:id/hand-over", s.apiRotationHandOver, authz.Need("rotation_term", "manage"))
	r.add(http.MethodGet, "/api/v1/meetings", s.apiMeetingsList, authz.Need("meeting", "read"))
	r.add(http.MethodPost, "/api/v1/meetings", s.apiMeetingCreate, authz.Need("meeting", "create"))
	r.add(http.MethodGet, "/api/v1/meetings/:id", s.apiMeetingGet, authz.Need("meeting", "read"))
	r.add(http.MethodPatch, "/api/v1/meetings/:id", s.apiMeetingUpdate, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/api/v1/meetings/:id/hold", s.apiMeetingAct(model.MeetingActionHold), authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/api/v1/meetings/:id/cancel", s.apiMeetingAct(model.MeetingActionCancel), authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/attendance", s.apiMeetingAttendanceGet, authz.Need("meeting", "read"))
	r.add(http.MethodPost, "/api/v1/meetings/:id/attendance", s.apiMeetingAttendanceSave, authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/attachments", s.apiMeetingAttachments, authz.Need("meeting", "read"))
	r.add(http.MethodPost, meetingAPIUploadPath, s.apiMeetingAttachmentUpload, authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/attachments/:aid", s.meetingAttachmentDownload, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/annual", s.apiAnnual, authz.Need("meeting", "read"))
	r.add(http.MethodPost, "/api/v1/meetings/:id/review", s.apiAnnualReview, authz.Need("meeting", "update"))
	r.add(http.MethodPost, "/api/v1/meetings/:id/annual/:section", s.apiAnnualSection, authz.Need("meeting", "update"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/pack", s.apiAnnualPack, authz.Need("meeting", "read"))
	r.add(http.MethodGet, "/api/v1/meetings/:id/pack.xlsx", s.annualPackXLSX, authz.Need("meeting", "read"))
	r.add(http.MethodPatch, "/api/v1/rotation-terms/:id/duties/:did", s.apiDutyUpdate, authz.Need("rotation_duty", "update"))

	// Reports (统计报表): the counter glossary's figures (internal/report) for
	// a scope and period. report:read on the scope's chain (the service
	// answers 404 outside it): district roles their district, secretaries
	// their alliance, city_reviewer the city; exports and the annual pack need
	// report:export. The glossary is read by everyone logged in. A unit's
	// contribution profile is unit_profile:read on the unit's chain.
	r.add(http.MethodGet, "/reports", s.reportsIndex, authz.Need("report", "read"))
	r.add(http.MethodGet, "/reports/export", s.reportsExport, authz.Need("report", "export"))
	r.add(http.MethodGet, "/reports/pack.xlsx", s.reportsPack, authz.Need("report", "export"))
	r.add(http.MethodGet, "/reports/counters", s.reportsCounters, authz.User())
	r.add(http.MethodGet, "/units/:id/profile", s.unitProfile, authz.Need("unit_profile", "read"))
	r.add(http.MethodGet, "/api/v1/units/:id/profile", s.apiUnitProfile, authz.Need("unit_profile", "read"))
	r.add(http.MethodGet, "/api/v1/reports/summary", s.apiReportsSummary, authz.Need("report", "read"))
	r.add(http.MethodGet, "/api/v1/reports/counters", s.apiReportsCounters, authz.User())
	r.add(http.MethodGet, "/api/v1/reports/pack.xlsx", s.reportsPack, authz.Need("report", "export"))
	// Search everywhere: each kind through its own list service (scoped as its list).
	r.add(http.MethodGet, "/search", s.search, authz.User())
	r.add(http.MethodGet, "/api/v1/search", s.apiSearch, authz.User())
	// The daily digest (每日摘要): everyone's own; mailed when smtp.* is set.
	r.add(http.MethodGet, "/digest", s.digest, authz.User())

	// JSON API.
	r.add(http.MethodGet, "/api/v1/openapi.json", s.serveOpenAPI, authz.Public())
	r.add(http.MethodGet, "/api/v1/me", s.apiMe, authz.User())
	// Every page export above, under /api/v1 with the same handler and permission.
	s.exportAPIRoutes(r)
}

// router registers routes together with their permission.
type router struct {
	s *Server
	// exports are the pages' export routes, mirrored under /api/v1 (exports_api.go).
	exports []pageExport
}

func (r *router) add(method, path string, h echo.HandlerFunc, p authz.Perm, mw ...echo.MiddlewareFunc) {
	r.s.perms[method+" "+path] = p
	mw = append([]echo.MiddlewareFunc{r.s.guard(p)}, mw...)
	r.s.echo.Add(method, path, h, mw...)
	r.noteExport(method, path, h, p)
}

// guard enforces a route's declared permission before its handler runs.
func (s *Server) guard(p authz.Perm) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		if p.Level == authz.LevelPublic {
			return next
		}
		return func(c echo.Context) error {
			u := CurrentUser(c)
			if u == nil {
				return model.ErrUnauthenticated
			}
			// A user who must change their password may do only that (or leave).
			if u.MustChangePassword && c.Path() != "/profile/password" && c.Path() != "/logout" {
				if IsAPI(c) {
					return model.Rule("password_change_required", "password.change_required")
				}
				return c.Redirect(http.StatusSeeOther, "/profile/password")
			}
			if p.Level == authz.LevelAction && !s.authz.CanAnywhere(u.ID, p.Object, p.Action) {
				return model.ErrForbidden
			}
			return next(c)
		}
	}
}

// loginRateLimit answers 429 to an IP that tries to log in too often.
func (s *Server) loginRateLimit() echo.MiddlewareFunc {
	perMinute := s.opts.LoginRatePerIP
	return middleware.RateLimiterWithConfig(middleware.RateLimiterConfig{
		Store: middleware.NewRateLimiterMemoryStoreWithConfig(middleware.RateLimiterMemoryStoreConfig{
			Rate: rate.Limit(float64(perMinute) / 60), Burst: perMinute, ExpiresIn: 10 * time.Minute,
		}),
		IdentifierExtractor: func(c echo.Context) (string, error) { return c.RealIP(), nil },
		ErrorHandler:        func(c echo.Context, err error) error { return model.ErrTooMany },
		DenyHandler:         func(c echo.Context, id string, err error) error { return model.ErrTooMany },
	})
}
