package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"tongxin/internal/app"
	"tongxin/internal/testenv"
)

// The version guard: every route that edits an existing object or acts on
// it carries the object's version. Without it the answer is 400 naming the
// field, with a stale one 409, and in both cases nothing is written. The
// routes come from the router's own declarations (Server.Perms), so a new
// write route fails TestEveryEditCarriesItsVersion until it is given a
// fixture below or an entry, with its reason, in versionExempt.

// versionExempt lists the write routes that carry no version, and why.
var versionExempt = map[string]string{
	// Sign-in and one's own password (the current password is the guard).
	"POST /login":            "no object",
	"POST /logout":           "no object",
	"POST /profile/password": "one's own password; the current password guards it",
	// Creates: there is no version yet.
	"POST /admin/users":                              "create",
	"POST /api/v1/users":                             "create",
	"POST /admin/users/:id/roles":                    "creates a role assignment",
	"POST /api/v1/role-assignments":                  "create",
	"POST /profile/tokens":                           "create",
	"POST /api/v1/tokens":                            "create",
	"POST /dictionary/:kind":                         "create",
	"POST /api/v1/dictionary/:kind":                  "create",
	"POST /units":                                    "create",
	"POST /api/v1/units":                             "create",
	"POST /streets":                                  "create",
	"POST /api/v1/streets":                           "create",
	"POST /grids":                                    "create",
	"POST /api/v1/grids":                             "create",
	"POST /service-sites":                            "create",
	"POST /api/v1/service-sites":                     "create",
	"POST /alliances":                                "create",
	"POST /api/v1/alliances":                         "create",
	"POST /alliances/:id/members":                    "creates a membership",
	"POST /api/v1/alliances/:id/members":             "creates a membership",
	"POST /committees":                               "create",
	"POST /api/v1/committees":                        "create",
	"POST /needs":                                    "create",
	"POST /api/v1/needs":                             "create",
	"POST /resources":                                "create",
	"POST /api/v1/resources":                         "create",
	"POST /needs/:id/claim":                          "creates a claim",
	"POST /resources/:id/claim":                      "creates a claim",
	"POST /api/v1/claims":                            "create",
	"POST /projects":                                 "create",
	"POST /api/v1/projects":                          "create",
	"POST /needs/:id/project-draft":                  "creates a project",
	"POST /api/v1/needs/:id/project-draft":           "creates a project",
	"POST /projects/:id/updates":                     "creates a progress report",
	"POST /api/v1/projects/:id/updates":              "creates a progress report",
	"POST /projects/:id/nominate":                    "creates a case (a second nomination is refused)",
	"POST /api/v1/projects/:id/nominate":             "creates a case (a second nomination is refused)",
	"POST /rotation-terms":                           "create",
	"POST /api/v1/rotation-terms":                    "create",
	"POST /rotation-terms/plan":                      "creates terms",
	"POST /api/v1/rotation-terms/plan":               "a preview: writes nothing",
	"POST /api/v1/rotation-terms/plan/save":          "creates terms",
	"POST /meetings":                                 "create",
	"POST /api/v1/meetings":                          "create",
	"POST /calendar/token":                           "one's own feed token, made anew",
	"POST /api/v1/calendar/token":                    "one's own feed token, made anew",
	"POST /imports":                                  "upload: creates an import job",
	"POST /api/v1/imports":                           "upload: creates an import job",
	"POST /projects/:id/attachments":                 "upload: adds a file",
	"POST /api/v1/projects/:id/attachments":          "upload: adds a file",
	"POST /meetings/:id/attachments":                 "upload: adds a file",
	"POST /api/v1/meetings/:id/attachments":          "upload: adds a file",
	"POST /committees/:id/members":                   "adds a unit to the member set: adding twice changes nothing, no edit can be lost",
	"POST /api/v1/committees/:id/members/:unit_id":   "adds a unit to the member set (idempotent)",
	"POST /committees/:id/members/:unit_id/remove":   "removes a unit from the member set (idempotent)",
	"DELETE /api/v1/committees/:id/members/:unit_id": "removes a unit from the member set (idempotent)",
	// Ends without state to lose: a second revoke or read changes nothing.
	"POST /admin/role-assignments/:id/revoke":  "ends a grant; nothing to edit",
	"POST /api/v1/role-assignments/:id/revoke": "ends a grant; nothing to edit",
	"POST /admin/sessions/:id/revoke":          "ends a session",
	"POST /admin/sessions/user/:uid/revoke":    "ends sessions",
	"POST /api/v1/sessions/:id/revoke":         "ends a session",
	"POST /api/v1/sessions/user/:uid/revoke":   "ends sessions",
	"POST /profile/tokens/:id/revoke":          "ends one's own token",
	"DELETE /api/v1/tokens/:id":                "ends one's own token",
	"POST /inbox/read-all":                     "one's own read marks",
	"POST /inbox/:id/read":                     "one's own read mark",
	"POST /api/v1/notifications/read-all":      "one's own read marks",
	"POST /api/v1/notifications/:id/read":      "one's own read mark",
	"POST /reviews/approve":                    "bulk approval of 待审核 projects, which nobody can edit; each UPDATE is guarded by the version read",
	"POST /api/v1/reviews/approve":             "bulk approval (as POST /reviews/approve)",
}

// versionFixture makes a request of a route valid apart from its version.
type versionFixture struct {
	user string // the demo account that may do it
	// sel selects the object: its table's id and version, then the values of
	// the path's parameters in order.
	table, sel string
	// page is the page that draws the form (path parameters as in the
	// route); the form's fields are sent as a browser would. Empty for the API.
	page string
	set  map[string]string // fields typed into the form
	// keep is a text field of an edit form: a stale save must show the form
	// again with what was typed there (nothing lost).
	keep string
	json map[string]any // the API body besides version
}

// versionPrep makes the demo data hold an object in each state a route
// needs: something inactive to activate, a planned meeting, a nominated
// case, a disabled and a locked user.
var versionPrep = []string{
	"UPDATE streets SET status = 'inactive' WHERE id = (SELECT max(id) FROM streets)",
	"UPDATE grids SET status = 'inactive' WHERE id = (SELECT max(id) FROM grids)",
	"UPDATE service_sites SET status = 'inactive' WHERE id = (SELECT max(id) FROM service_sites)",
	"UPDATE units SET status = 'inactive' WHERE id = (SELECT max(id) FROM units)",
	"UPDATE committees SET status = 'inactive' WHERE id = (SELECT max(id) FROM committees)",
	"UPDATE dictionary_items SET active = FALSE WHERE id = (SELECT max(id) FROM dictionary_items WHERE kind = 'measure')",
	"INSERT INTO alliances (name, kind, level, district_id, description, status, version, created_at, updated_at) " +
		"SELECT name || '（停用）', kind, level, district_id, '', 'inactive', 1, created_at, updated_at FROM alliances WHERE id = 1",
	"UPDATE meetings SET status = 'planned' WHERE id = (SELECT max(id) FROM meetings WHERE kind = 'joint')",
	"UPDATE cases SET status = 'nominated', selected_by = NULL, selected_at = NULL",
	"UPDATE users SET status = 'disabled' WHERE username = 'v.disabled'",
	"UPDATE users SET locked_until = '2099-01-01 00:00:00', failed_attempts = 5 WHERE username = 'v.locked'",
}

const (
	selUser = "SELECT id, version, id FROM users WHERE username = 'auditor'"
	// The system admin resets ordinary accounts only (三员分立).
	selResetUser  = "SELECT id, version, id FROM users WHERE username = 'v.reset'"
	selDict       = "SELECT id, version, kind, id FROM dictionary_items WHERE kind = 'measure' AND active = TRUE ORDER BY id LIMIT 1"
	selDictOff    = "SELECT id, version, kind, id FROM dictionary_items WHERE active = FALSE ORDER BY id LIMIT 1"
	selMember     = "SELECT id, version, alliance_id, id FROM memberships WHERE left_on IS NULL ORDER BY id DESC LIMIT 1"
	selClaim      = "SELECT id, version, id FROM claims WHERE status = 'pending' ORDER BY id LIMIT 1"
	selOwnClaim   = "SELECT c.id, c.version, c.id FROM claims c JOIN role_assignments ra ON ra.domain = 'unit:' || c.claimant_unit_id JOIN users u ON u.id = ra.user_id WHERE u.username = 'unit' AND c.status = 'pending' ORDER BY c.id LIMIT 1"
	selCase       = "SELECT id, version, id FROM cases WHERE status = 'nominated' ORDER BY id LIMIT 1"
	selPlanned    = "SELECT id, version, id FROM meetings WHERE status = 'planned' ORDER BY id LIMIT 1"
	selHeld       = "SELECT id, version, id FROM meetings WHERE status = 'held' AND kind = 'joint' ORDER BY id LIMIT 1"
	selAnnual     = "SELECT id, version, id FROM meetings WHERE kind = 'annual' ORDER BY id LIMIT 1"
	selActiveTerm = "SELECT id, version, id FROM rotation_terms WHERE status = 'active' ORDER BY id LIMIT 1"
	selOpenDuty   = "SELECT d.id, d.version, d.term_id, d.id FROM rotation_duties d JOIN rotation_terms t ON t.id = d.term_id WHERE t.status = 'active' AND d.done_on IS NULL AND d.kind = 'brief' ORDER BY d.id LIMIT 1"
)

func selStatus(table, status string) string {
	return "SELECT id, version, id FROM " + table + " WHERE status = '" + status + "' ORDER BY id LIMIT 1"
}

func selProject(status string) string { return selStatus("projects", status) }

func selNeed(status string) string {
	return "SELECT id, version, id FROM needs WHERE status = '" + status + "' ORDER BY id LIMIT 1"
}

// versionFixtures: one per guarded route, keyed "METHOD path".
var versionFixtures = map[string]versionFixture{
	// Users (the system administrator; unlock is the security administrator's).
	"POST /admin/users/:id":                        {user: "admin", table: "users", sel: selUser, page: "/admin/users/:id/edit", keep: "display_name"},
	"POST /admin/users/:id/disable":                {user: "admin", table: "users", sel: selUser, page: "/admin/users/:id"},
	"POST /admin/users/:id/enable":                 {user: "admin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.disabled'", page: "/admin/users/:id"},
	"POST /admin/users/:id/erase":                  {user: "admin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.disabled'", page: "/admin/users/:id/erase"},
	"POST /api/v1/users/:id/erase":                 {user: "admin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.disabled'"},
	"POST /units/:id/erase-contact":                {user: "admin", table: "units", sel: selStatus("units", "active"), page: "/units/:id/erase-contact"},
	"POST /api/v1/units/:id/erase-contact":         {user: "admin", table: "units", sel: selStatus("units", "active")},
	"POST /admin/users/:id/unlock":                 {user: "secadmin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.locked'", page: "/admin/users/:id"},
	"POST /admin/users/:id/reset-password":         {user: "admin", table: "users", sel: selResetUser, page: "/admin/users/:id"},
	"PATCH /api/v1/users/:id":                      {user: "admin", table: "users", sel: selUser, json: map[string]any{"display_name": "改名"}},
	"POST /api/v1/users/:id/disable":               {user: "admin", table: "users", sel: selUser},
	"POST /api/v1/users/:id/enable":                {user: "admin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.disabled'"},
	"POST /api/v1/users/:id/unlock":                {user: "secadmin", table: "users", sel: "SELECT id, version, id FROM users WHERE username = 'v.locked'"},
	"POST /api/v1/users/:id/reset-password":        {user: "admin", table: "users", sel: selResetUser},
	"POST /dictionary/:kind/:id":                   {user: "admin", table: "dictionary_items", sel: selDict, page: "/dictionary/:kind/:id/edit", keep: "label_zh"},
	"POST /dictionary/:kind/:id/deactivate":        {user: "admin", table: "dictionary_items", sel: selDict, page: "/dictionary?kind=:kind"},
	"POST /dictionary/:kind/:id/activate":          {user: "admin", table: "dictionary_items", sel: selDictOff, page: "/dictionary?kind=:kind"},
	"PATCH /api/v1/dictionary/:kind/:id":           {user: "admin", table: "dictionary_items", sel: selDict, json: map[string]any{"label_zh": "改名"}},
	"POST /api/v1/dictionary/:kind/:id/deactivate": {user: "admin", table: "dictionary_items", sel: selDict},
	"POST /api/v1/dictionary/:kind/:id/activate":   {user: "admin", table: "dictionary_items", sel: selDictOff},
	// Reference data and organisations (the system administrator).
	"POST /units/:id":                               {user: "admin", table: "units", sel: selStatus("units", "active"), page: "/units/:id/edit", keep: "address"},
	"POST /units/:id/deactivate":                    {user: "admin", table: "units", sel: selStatus("units", "active"), page: "/units/:id"},
	"POST /units/:id/activate":                      {user: "admin", table: "units", sel: selStatus("units", "inactive"), page: "/units/:id"},
	"PATCH /api/v1/units/:id":                       {user: "admin", table: "units", sel: selStatus("units", "active"), json: map[string]any{"address": "新地址"}},
	"POST /api/v1/units/:id/deactivate":             {user: "admin", table: "units", sel: selStatus("units", "active")},
	"POST /api/v1/units/:id/activate":               {user: "admin", table: "units", sel: selStatus("units", "inactive")},
	"POST /streets/:id":                             {user: "admin", table: "streets", sel: selStatus("streets", "active"), page: "/streets/:id/edit", keep: "name"},
	"POST /streets/:id/deactivate":                  {user: "admin", table: "streets", sel: selStatus("streets", "active"), page: "/streets"},
	"POST /streets/:id/activate":                    {user: "admin", table: "streets", sel: selStatus("streets", "inactive"), page: "/streets"},
	"PATCH /api/v1/streets/:id":                     {user: "admin", table: "streets", sel: selStatus("streets", "active"), json: map[string]any{"name": "改名街道"}},
	"POST /api/v1/streets/:id/deactivate":           {user: "admin", table: "streets", sel: selStatus("streets", "active")},
	"POST /api/v1/streets/:id/activate":             {user: "admin", table: "streets", sel: selStatus("streets", "inactive")},
	"POST /grids/:id":                               {user: "admin", table: "grids", sel: selStatus("grids", "active"), page: "/grids/:id/edit", keep: "name"},
	"POST /grids/:id/deactivate":                    {user: "admin", table: "grids", sel: selStatus("grids", "active"), page: "/grids"},
	"POST /grids/:id/activate":                      {user: "admin", table: "grids", sel: selStatus("grids", "inactive"), page: "/grids"},
	"PATCH /api/v1/grids/:id":                       {user: "admin", table: "grids", sel: selStatus("grids", "active"), json: map[string]any{"name": "改名网格"}},
	"POST /api/v1/grids/:id/deactivate":             {user: "admin", table: "grids", sel: selStatus("grids", "active")},
	"POST /api/v1/grids/:id/activate":               {user: "admin", table: "grids", sel: selStatus("grids", "inactive")},
	"POST /service-sites/:id":                       {user: "admin", table: "service_sites", sel: selStatus("service_sites", "active"), page: "/service-sites/:id/edit", keep: "address"},
	"POST /service-sites/:id/deactivate":            {user: "admin", table: "service_sites", sel: selStatus("service_sites", "active"), page: "/service-sites/:id"},
	"POST /service-sites/:id/activate":              {user: "admin", table: "service_sites", sel: selStatus("service_sites", "inactive"), page: "/service-sites/:id"},
	"PATCH /api/v1/service-sites/:id":               {user: "admin", table: "service_sites", sel: selStatus("service_sites", "active"), json: map[string]any{"address": "新地址"}},
	"POST /api/v1/service-sites/:id/deactivate":     {user: "admin", table: "service_sites", sel: selStatus("service_sites", "active")},
	"POST /api/v1/service-sites/:id/activate":       {user: "admin", table: "service_sites", sel: selStatus("service_sites", "inactive")},
	"POST /alliances/:id":                           {user: "admin", table: "alliances", sel: selStatus("alliances", "active"), page: "/alliances/:id/edit", keep: "description"},
	"POST /alliances/:id/deactivate":                {user: "admin", table: "alliances", sel: selStatus("alliances", "active"), page: "/alliances/:id"},
	"POST /alliances/:id/activate":                  {user: "admin", table: "alliances", sel: selStatus("alliances", "inactive"), page: "/alliances/:id"},
	"PATCH /api/v1/alliances/:id":                   {user: "admin", table: "alliances", sel: selStatus("alliances", "active"), json: map[string]any{"description": "新简介"}},
	"POST /api/v1/alliances/:id/deactivate":         {user: "admin", table: "alliances", sel: selStatus("alliances", "active")},
	"POST /api/v1/alliances/:id/activate":           {user: "admin", table: "alliances", sel: selStatus("alliances", "inactive")},
	"POST /alliances/:id/members/:mid":              {user: "secretary", table: "memberships", sel: selMember, page: "/alliances/:id/members/:mid/edit"},
	"POST /alliances/:id/members/:mid/leave":        {user: "secretary", table: "memberships", sel: selMember, page: "/alliances/:id/members/:mid/edit"},
	"PATCH /api/v1/alliances/:id/members/:mid":      {user: "secretary", table: "memberships", sel: selMember, json: map[string]any{"rank": "council"}},
	"POST /api/v1/alliances/:id/members/:mid/leave": {user: "secretary", table: "memberships", sel: selMember, json: map[string]any{"left_on": "2026-01-01"}},
	"POST /committees/:id":                          {user: "secretary", table: "committees", sel: selStatus("committees", "active"), page: "/committees/:id/edit", keep: "theme"},
	"POST /committees/:id/deactivate":               {user: "secretary", table: "committees", sel: selStatus("committees", "active"), page: "/committees/:id"},
	"POST /committees/:id/activate":                 {user: "secretary", table: "committees", sel: selStatus("committees", "inactive"), page: "/committees/:id"},
	"PATCH /api/v1/committees/:id":                  {user: "secretary", table: "committees", sel: selStatus("committees", "active"), json: map[string]any{"theme": "新主题"}},
	"POST /api/v1/committees/:id/deactivate":        {user: "secretary", table: "committees", sel: selStatus("committees", "active")},
	"POST /api/v1/committees/:id/activate":          {user: "secretary", table: "committees", sel: selStatus("committees", "inactive")},
	// Needs, resources and claims (the alliance secretary; withdrawing a claim is the claimant unit's).
	"POST /needs/:id":                     {user: "secretary", table: "needs", sel: selNeed("published"), page: "/needs/:id/edit", keep: "title"},
	"POST /needs/:id/publish":             {user: "secretary", table: "needs", sel: selNeed("draft"), page: "/needs/:id"},
	"POST /needs/:id/close":               {user: "secretary", table: "needs", sel: selNeed("published"), page: "/needs/:id", set: map[string]string{"reason": "已解决"}},
	"PATCH /api/v1/needs/:id":             {user: "secretary", table: "needs", sel: selNeed("published"), json: map[string]any{"description": "改"}},
	"POST /api/v1/needs/:id/publish":      {user: "secretary", table: "needs", sel: selNeed("draft")},
	"POST /api/v1/needs/:id/close":        {user: "secretary", table: "needs", sel: selNeed("published"), json: map[string]any{"reason": "已解决"}},
	"POST /resources/:id":                 {user: "secretary", table: "resources", sel: selStatus("resources", "available"), page: "/resources/:id/edit", keep: "title"},
	"POST /resources/:id/publish":         {user: "secretary", table: "resources", sel: selStatus("resources", "draft"), page: "/resources/:id"},
	"POST /resources/:id/withdraw":        {user: "secretary", table: "resources", sel: selStatus("resources", "available"), page: "/resources/:id", set: map[string]string{"reason": "暂停"}},
	"PATCH /api/v1/resources/:id":         {user: "secretary", table: "resources", sel: selStatus("resources", "available"), json: map[string]any{"description": "改"}},
	"POST /api/v1/resources/:id/publish":  {user: "secretary", table: "resources", sel: selStatus("resources", "draft")},
	"POST /api/v1/resources/:id/withdraw": {user: "secretary", table: "resources", sel: selStatus("resources", "available"), json: map[string]any{"reason": "暂停"}},
	"POST /claims/:id/accept":             {user: "secretary", table: "claims", sel: selClaim, page: "/claims/:id"},
	"POST /claims/:id/reject":             {user: "secretary", table: "claims", sel: selClaim, page: "/claims/:id", set: map[string]string{"reason": "时间冲突"}},
	"POST /claims/:id/withdraw":           {user: "unit", table: "claims", sel: selOwnClaim, page: "/claims/:id"},
	"POST /api/v1/claims/:id/accept":      {user: "secretary", table: "claims", sel: selClaim},
	"POST /api/v1/claims/:id/reject":      {user: "secretary", table: "claims", sel: selClaim, json: map[string]any{"reason": "时间冲突"}},
	"POST /api/v1/claims/:id/withdraw":    {user: "unit", table: "claims", sel: selOwnClaim},
	// Projects and cases (the secretary runs them, the district reviewer decides).
	"POST /projects/:id":                 {user: "secretary", table: "projects", sel: selProject("draft"), page: "/projects/:id/edit", keep: "title"},
	"POST /projects/:id/submit":          {user: "secretary", table: "projects", sel: selProject("draft"), page: "/projects/:id"},
	"POST /projects/:id/approve":         {user: "reviewer", table: "projects", sel: selProject("submitted"), page: "/projects/:id"},
	"POST /projects/:id/return":          {user: "reviewer", table: "projects", sel: selProject("submitted"), page: "/projects/:id", set: map[string]string{"reason": "请补充材料"}},
	"POST /projects/:id/start":           {user: "secretary", table: "projects", sel: selProject("approved"), page: "/projects/:id"},
	"POST /projects/:id/complete":        {user: "secretary", table: "projects", sel: selProject("in_progress"), page: "/projects/:id", set: map[string]string{"closing_report": "已完成全部内容"}},
	"POST /projects/:id/evaluate":        {user: "reviewer", table: "projects", sel: selProject("completed"), page: "/projects/:id", set: map[string]string{"score": "92", "grade": "excellent", "comment": "好"}},
	"POST /projects/:id/cancel":          {user: "reviewer", table: "projects", sel: selProject("approved"), page: "/projects/:id", set: map[string]string{"reason": "不再需要"}},
	"PATCH /api/v1/projects/:id":         {user: "secretary", table: "projects", sel: selProject("draft"), json: map[string]any{"summary": "改"}},
	"POST /api/v1/projects/:id/submit":   {user: "secretary", table: "projects", sel: selProject("draft")},
	"POST /api/v1/projects/:id/approve":  {user: "reviewer", table: "projects", sel: selProject("submitted")},
	"POST /api/v1/projects/:id/return":   {user: "reviewer", table: "projects", sel: selProject("submitted"), json: map[string]any{"reason": "请补充材料"}},
	"POST /api/v1/projects/:id/start":    {user: "secretary", table: "projects", sel: selProject("approved")},
	"POST /api/v1/projects/:id/complete": {user: "secretary", table: "projects", sel: selProject("in_progress"), json: map[string]any{"closing_report": "已完成全部内容"}},
	"POST /api/v1/projects/:id/evaluate": {user: "reviewer", table: "projects", sel: selProject("completed"), json: map[string]any{"score": 92, "grade": "excellent", "comment": "好"}},
	"POST /api/v1/projects/:id/cancel":   {user: "reviewer", table: "projects", sel: selProject("approved"), json: map[string]any{"reason": "不再需要"}},
	"POST /cases/:id/select":             {user: "reviewer", table: "cases", sel: selCase, page: "/cases/:id", set: map[string]string{"level": "best"}},
	"POST /cases/:id/decline":            {user: "reviewer", table: "cases", sel: selCase, page: "/cases/:id"},
	"POST /api/v1/cases/:id/select":      {user: "reviewer", table: "cases", sel: selCase, json: map[string]any{"level": "best"}},
	"POST /api/v1/cases/:id/decline":     {user: "reviewer", table: "cases", sel: selCase},
	// Governance (the alliance secretary).
	"POST /rotation-terms/:id/hand-over":           {user: "secretary", table: "rotation_terms", sel: selActiveTerm, page: "/rotation-terms/:id", set: map[string]string{"handover_note": "交接"}},
	"POST /rotation-terms/:id/duties/:did":         {user: "secretary", table: "rotation_duties", sel: selOpenDuty, page: "/rotation-terms/:id", set: map[string]string{"document": "简报"}},
	"POST /api/v1/rotation-terms/:id/hand-over":    {user: "secretary", table: "rotation_terms", sel: selActiveTerm, json: map[string]any{"handover_note": "交接"}},
	"POST /meetings/:id":                           {user: "secretary", table: "meetings", sel: selHeld, page: "/meetings/:id/edit", keep: "title"},
	"POST /meetings/:id/hold":                      {user: "secretary", table: "meetings", sel: selPlanned, page: "/meetings/:id"},
	"POST /meetings/:id/cancel":                    {user: "secretary", table: "meetings", sel: selPlanned, page: "/meetings/:id", set: map[string]string{"reason": "改期"}},
	"POST /meetings/:id/attendance":                {user: "secretary", table: "meetings", sel: selHeld, page: "/meetings/:id"},
	"POST /meetings/:id/review":                    {user: "secretary", table: "meetings", sel: selAnnual, page: "/meetings/:id"},
	"POST /meetings/:id/annual/:section":           {user: "secretary", table: "meetings", sel: "SELECT id, version, id, 'letters' FROM meetings WHERE kind = 'annual' ORDER BY id LIMIT 1", page: "/meetings/:id"},
	"PATCH /api/v1/meetings/:id":                   {user: "secretary", table: "meetings", sel: selHeld, json: map[string]any{"minutes": "纪要"}},
	"POST /api/v1/meetings/:id/hold":               {user: "secretary", table: "meetings", sel: selPlanned},
	"POST /api/v1/meetings/:id/cancel":             {user: "secretary", table: "meetings", sel: selPlanned, json: map[string]any{"reason": "改期"}},
	"POST /api/v1/meetings/:id/attendance":         {user: "secretary", table: "meetings", sel: selHeld, json: map[string]any{"attendance": []any{}}},
	"POST /api/v1/meetings/:id/review":             {user: "secretary", table: "meetings", sel: selAnnual},
	"POST /api/v1/meetings/:id/annual/:section":    {user: "secretary", table: "meetings", sel: "SELECT id, version, id, 'projects' FROM meetings WHERE kind = 'annual' ORDER BY id LIMIT 1", json: map[string]any{"ids": []any{}}},
	"PATCH /api/v1/rotation-terms/:id/duties/:did": {user: "secretary", table: "rotation_duties", sel: selOpenDuty, json: map[string]any{"document": "简报"}},
}

// TestVersionRoutesAreClassified: every write route is either guarded (has
// a fixture) or exempt with its reason, never both, and no entry names a
// route that does not exist.
func TestVersionRoutesAreClassified(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	perms := srv.App.Web.Perms()
	for key := range perms {
		if !versionWriteRoute(key) {
			continue
		}
		_, fixed := versionFixtures[key]
		_, exempt := versionExempt[key]
		switch {
		case fixed && exempt:
			t.Errorf("%s is both guarded and exempt", key)
		case !fixed && !exempt:
			t.Errorf("%s changes data but is neither given a version fixture nor exempted (version_test.go)", key)
		}
	}
	for _, m := range []map[string]bool{keysOf(versionFixtures), keysOf(versionExempt)} {
		for key := range m {
			if _, ok := perms[key]; !ok {
				t.Errorf("%s is classified but no such route is declared", key)
			}
		}
	}
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[k] = true
	}
	return out
}

// versionWriteRoute reports a route that writes: a POST, PATCH, PUT or
// DELETE of the pages or the JSON API.
func versionWriteRoute(key string) bool {
	method, _, _ := strings.Cut(key, " ")
	return method == http.MethodPost || method == http.MethodPatch || method == http.MethodPut || method == http.MethodDelete
}

// TestEveryEditCarriesItsVersion sends every guarded route, as a user
// allowed to do it, without the version (400 naming the field) and with a
// stale one (409), and checks that nothing was written: the object's
// version and updated_at and the audit log stay as they were. A page's
// request is the form the page draws, which must carry the stored version.
func TestEveryEditCarriesItsVersion(t *testing.T) {
	for _, d := range testenv.Dialects {
		t.Run(d, func(t *testing.T) {
			srv := testenv.NewServer(t, d)
			ctx := context.Background()
			if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
				t.Fatal(err)
			}
			testenv.CreateUser(t, srv.DB, "v.disabled", "", "")
			testenv.CreateUser(t, srv.DB, "v.locked", "", "")
			testenv.CreateUser(t, srv.DB, "v.reset", "", "")
			for _, q := range versionPrep {
				if _, err := srv.DB.SQL().Exec(q); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if err := srv.App.Authz.Reload(ctx); err != nil {
				t.Fatal(err)
			}
			clients := map[string]*testenv.Client{}
			keys := make([]string, 0, len(versionFixtures))
			for k := range versionFixtures {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, key := range keys {
				f := versionFixtures[key]
				t.Run(strings.NewReplacer("/", "_", " ", "_", ":", "").Replace(key), func(t *testing.T) {
					c := clients[f.user]
					if c == nil {
						c = srv.Client(t)
						c.Login(f.user, testenv.Password)
						clients[f.user] = c
					}
					versionCheckRoute(t, srv, c, key, f)
				})
			}
		})
	}
}

var routeParam = regexp.MustCompile(`:[a-z_]+`)

// versionKeepMark is what a stale edit types into its keep field.
const versionKeepMark = "版本校验填写的内容"

func versionCheckRoute(t *testing.T, srv *testenv.Server, c *testenv.Client, key string, f versionFixture) {
	db := srv.DB.SQL()
	rows, err := db.Query(f.sel)
	if err != nil {
		t.Fatalf("fixture %s: %v", f.sel, err)
	}
	var vals []string
	if rows.Next() {
		cols, _ := rows.Columns()
		raw := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range raw {
			ptrs[i] = &raw[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range raw {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			vals = append(vals, fmt.Sprint(v))
		}
	}
	rows.Close()
	if len(vals) < 2 {
		t.Fatalf("the demo data has no object for %s (%s)", key, f.sel)
	}
	id, version := vals[0], vals[1]
	fill := func(p string) string {
		i := 2
		return routeParam.ReplaceAllStringFunc(p, func(string) string {
			if i >= len(vals) {
				t.Fatalf("%s: the fixture selects too few path values", key)
			}
			i++
			return vals[i-1]
		})
	}
	method, route, _ := strings.Cut(key, " ")
	path := fill(route)
	type snap struct {
		Version   int
		UpdatedAt string
		Audit     int64
	}
	snapshot := func() snap {
		var s snap
		row := db.QueryRow("SELECT version, CAST(updated_at AS TEXT) FROM " + f.table + " WHERE id = " + id)
		if err := row.Scan(&s.Version, &s.UpdatedAt); err != nil {
			t.Fatalf("read %s %s: %v", f.table, id, err)
		}
		if err := db.QueryRow("SELECT count(*) FROM audit_log").Scan(&s.Audit); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := snapshot()
	stored, _ := strconv.Atoi(version)
	if before.Version != stored || stored < 1 {
		t.Fatalf("%s %s: version %d", f.table, id, before.Version)
	}

	// The request as the client sends it, with the version set or left out.
	var send func(v string) *testenv.Response
	if f.page != "" {
		page := fill(f.page)
		res := c.Get(page)
		if res.Status != http.StatusOK {
			t.Fatalf("GET %s: %d", page, res.Status)
		}
		form := res.Doc(t).Find("form").FilterFunction(func(_ int, s *goquery.Selection) bool {
			action, _ := s.Attr("action")
			return action == path && strings.EqualFold(s.AttrOr("method", "get"), "post")
		}).First()
		if form.Length() == 0 {
			t.Fatalf("%s draws no form posting to %s", page, path)
		}
		fields := url.Values{}
		form.Find("input[name], select[name], textarea[name]").Each(func(_ int, s *goquery.Selection) {
			name := s.AttrOr("name", "")
			switch {
			case goquery.NodeName(s) == "select":
				opt := s.Find("option[selected]").First()
				if opt.Length() == 0 {
					opt = s.Find("option").First()
				}
				fields.Add(name, opt.AttrOr("value", opt.Text()))
			case goquery.NodeName(s) == "textarea":
				fields.Add(name, s.Text())
			case s.AttrOr("type", "") == "checkbox" || s.AttrOr("type", "") == "radio":
				if _, on := s.Attr("checked"); on {
					fields.Add(name, s.AttrOr("value", "on"))
				}
			case s.AttrOr("type", "") == "submit" || s.AttrOr("type", "") == "file":
			default:
				fields.Add(name, s.AttrOr("value", ""))
			}
		})
		if got := fields.Get("version"); got != version {
			t.Fatalf("the form of %s posting to %s carries version %q, the stored one is %s", page, path, got, version)
		}
		for k, v := range f.set {
			fields.Set(k, v)
		}
		if f.keep != "" {
			fields.Set(f.keep, versionKeepMark)
		}
		send = func(v string) *testenv.Response {
			fields.Del("version")
			if v != "" {
				fields.Set("version", v)
			}
			req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(fields.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-CSRF-Token", c.CSRFCookie())
			return c.Do(req)
		}
	} else {
		send = func(v string) *testenv.Response {
			body := map[string]any{}
			for k, x := range f.json {
				body[k] = x
			}
			if v != "" {
				n, _ := strconv.Atoi(v)
				body["version"] = n
			}
			b, _ := json.Marshal(body)
			req, _ := http.NewRequest(method, c.URL(path), strings.NewReader(string(b)))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-CSRF-Token", c.CSRFCookie())
			return c.Do(req)
		}
	}

	res := send("")
	if res.Status != http.StatusBadRequest {
		t.Errorf("%s without version: %d, want 400; %.400s", key, res.Status, res.Body)
	} else if !strings.Contains(res.Body, "缺少版本号") && !strings.Contains(res.Body, "version is missing") {
		t.Errorf("%s without version: the 400 does not name the version: %.400s", key, res.Body)
	}
	if after := snapshot(); after != before {
		t.Errorf("%s without version wrote: %+v → %+v", key, before, after)
	}
	res = send(strconv.Itoa(stored + 1))
	if res.Status != http.StatusConflict {
		t.Errorf("%s with a stale version: %d, want 409; %.400s", key, res.Status, res.Body)
	} else if f.keep != "" && !strings.Contains(res.Body, versionKeepMark) {
		t.Errorf("%s with a stale version: the form shown again lost what was typed in %s", key, f.keep)
	}
	if after := snapshot(); after != before {
		t.Errorf("%s with a stale version wrote: %+v → %+v", key, before, after)
	}
}

// versionOf reads the stored version of a row, as a form field value (tests
// that post forms or bodies by hand send it as a page would).
func versionOf(t testing.TB, srv *testenv.Server, table string, id int64) string {
	t.Helper()
	var v int
	if err := srv.DB.SQL().QueryRow(fmt.Sprintf("SELECT version FROM %s WHERE id = %d", table, id)).Scan(&v); err != nil {
		t.Fatalf("version of %s %d: %v", table, id, err)
	}
	return strconv.Itoa(v)
}

// withVersion adds the stored version of a row to a JSON object body ("" is {}).
func withVersion(t testing.TB, srv *testenv.Server, table string, id int64, body string) string {
	t.Helper()
	body = strings.TrimSpace(body)
	if body == "" || body == "{}" {
		return `{"version":` + versionOf(t, srv, table, id) + `}`
	}
	return `{"version":` + versionOf(t, srv, table, id) + `,` + strings.TrimPrefix(body, "{")
}
