package web

import (
	"net/http"
	"sort"
	"strings"

	"github.com/labstack/echo/v4"

	"tongxin/internal/authz"
)

// apiDoc describes one /api/v1 operation for the OpenAPI document. Every
// registered /api/v1 route must have one (a test walks the route table).
type apiDoc struct {
	Tag, Summary string
	// Body and Response name schemas in apiSchemas ("" for none); a list
	// response is written "list:<schema>".
	Body, Response string
	// BodyType is the body's media type; empty means application/json.
	BodyType string
	// Query lists the query parameters (name: description).
	Query map[string]string
	// ResponseType names the media types (comma-separated) of a file
	// answer (an export, a workbook) instead of a JSON Response.
	ResponseType string
}

// docFor answers a route's documentation: its apiDocs entry, or the
// generated one of a mirrored export (exports_api.go).
func docFor(key string) (apiDoc, bool) {
	if d, ok := apiDocs[key]; ok {
		return d, true
	}
	return exportDoc(key)
}

var listQuery = map[string]string{"limit": "page size, 1–200 (default 20)", "after": "cursor from the previous page's next", "sort": "sort key", "dir": "asc or desc"}

func withList(extra map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range listQuery {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// apiDocs documents the JSON API, keyed "METHOD /api/v1/path" in echo's form.
var apiDocs = map[string]apiDoc{
	"GET /api/v1/openapi.json": {Tag: "meta", Summary: "This document"},
	"GET /api/v1/me":           {Tag: "session", Summary: "The current user", Response: "Me"},

	"GET /api/v1/users":                     {Tag: "users", Summary: "List users", Response: "list:User", Query: withList(map[string]string{"q": "username or name contains", "status": "active | disabled", "role": "holds this role now", "domain": "in this domain: a code (district:310104, sys) or part of the name of a district, alliance or unit"})},
	"POST /api/v1/users":                    {Tag: "users", Summary: "Create a user; answers the one-time password once", Body: "UserInput", Response: "CreatedUser"},
	"GET /api/v1/users/:id":                 {Tag: "users", Summary: "One user", Response: "User"},
	"PATCH /api/v1/users/:id":               {Tag: "users", Summary: "Change name, phone, e-mail (carry version; stale answers 409)", Body: "UserInput", Response: "User"},
	"POST /api/v1/users/:id/disable":        {Tag: "users", Summary: "Disable (ends sessions and tokens at once); body {\"version\": n}, stale answers 409", Body: "VersionInput", Response: "User"},
	"POST /api/v1/users/:id/enable":         {Tag: "users", Summary: "Enable (body {\"version\": n})", Body: "VersionInput", Response: "User"},
	"POST /api/v1/users/:id/unlock":         {Tag: "users", Summary: "Clear a lockout (body {\"version\": n})", Body: "VersionInput", Response: "User"},
	"POST /api/v1/users/:id/reset-password": {Tag: "users", Summary: "Reset the password (body {\"version\": n}); answers the one-time password once", Body: "VersionInput", Response: "CreatedUser"},

	"GET /api/v1/audit-log": {Tag: "audit", Summary: "The audit log, newest first (audit admin only)", Response: "list:AuditEntry", Query: withList(map[string]string{
		"from": "from this day (YYYY-MM-DD, Asia/Shanghai) or this instant (RFC 3339)", "to": "up to and including this day, or before this instant",
		"username": "username contains", "action": "action code starts with, e.g. login. or user.create; g:<kind> for a kind of operation (g:project, g:security …); all or empty for every row", "object_kind": "object kind, e.g. user", "object_id": "object id"})},

	"GET /api/v1/role-assignments":             {Tag: "roles", Summary: "A user's role assignments", Response: "list:RoleAssignment", Query: map[string]string{"user_id": "the user (required)"}},
	"POST /api/v1/role-assignments":            {Tag: "roles", Summary: "Grant a role in a domain for a window", Body: "Grant", Response: "RoleAssignment"},
	"POST /api/v1/role-assignments/:id/revoke": {Tag: "roles", Summary: "End an assignment now", Response: "RoleAssignment"},
}

type schema = map[string]any

func obj(required []string, props map[string]schema) schema {
	s := schema{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

var (
	str      = schema{"type": "string"}
	integer  = schema{"type": "integer", "format": "int64"}
	boolean  = schema{"type": "boolean"}
	dateTime = schema{"type": "string", "format": "date-time"}
	nullTime = schema{"type": "string", "format": "date-time", "nullable": true}
)

// apiSchemas are the bodies and answers the API speaks.
var apiSchemas = map[string]schema{
	"Error": obj([]string{"error"}, map[string]schema{"error": obj([]string{"code", "message"}, map[string]schema{
		"code": str, "message": str, "fields": {"type": "object", "additionalProperties": str}, "request_id": str})}),
	"Me": obj(nil, map[string]schema{"id": integer, "username": str, "display_name": str, "must_change_password": boolean}),
	"User": obj(nil, map[string]schema{"id": integer, "username": str, "display_name": str, "phone": str, "email": str,
		"status": {"type": "string", "enum": []string{"active", "disabled", "locked"}}, "must_change_password": boolean,
		"locked_until": nullTime, "last_login_at": nullTime, "password_changed_at": nullTime, "version": integer,
		"created_at": dateTime, "updated_at": dateTime}),
	"UserInput": obj([]string{"display_name"}, map[string]schema{"username": str, "display_name": str, "phone": str, "email": str,
		"version": integer}),
	"CreatedUser":    obj(nil, map[string]schema{"user": {"$ref": "#/components/schemas/User"}, "one_time_password": str}),
	"RoleAssignment": obj(nil, map[string]schema{"id": integer, "user_id": integer, "role": str, "domain": str, "valid_from": dateTime, "valid_until": nullTime, "granted_by": {"type": "integer", "nullable": true}, "source": str, "created_at": dateTime}),
	"AuditEntry": obj(nil, map[string]schema{"id": integer, "created_at": dateTime, "user_id": {"type": "integer", "nullable": true},
		"username": str, "ip": str, "request_id": str, "action": str, "object_kind": str, "object_id": str, "domain": str,
		"changes": {"description": "JSON object: {field: [before, after]} or {field: value}; null when none", "nullable": true}}),
	"Grant": obj([]string{"user_id", "role", "domain"}, map[string]schema{"user_id": integer,
		"role":   {"type": "string", "enum": []string{"sysadmin", "secadmin", "auditor", "district_admin", "district_reviewer", "alliance_secretary", "unit_contact"}},
		"domain": {"type": "string", "example": "district:310104"}, "valid_from": dateTime, "valid_until": nullTime}),
}

func ref(name string) schema { return schema{"$ref": "#/components/schemas/" + name} }

// openAPI builds the document from the route table and apiDocs.
func (s *Server) openAPI() schema {
	paths := map[string]schema{}
	keys := make([]string, 0, len(s.perms))
	for k := range s.perms {
		if strings.Contains(k, " /api/v1/") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	errResp := schema{"description": "error", "content": schema{"application/json": schema{"schema": ref("Error")}}}
	for _, k := range keys {
		method, path, _ := strings.Cut(k, " ")
		doc, _ := docFor(k)
		op := schema{"summary": doc.Summary, "tags": []string{doc.Tag}}
		var params []schema
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				ps := integer
				if PathParamType(seg[1:]) == "string" {
					ps = str
				}
				params = append(params, schema{"name": seg[1:], "in": "path", "required": true, "schema": ps})
			}
		}
		qnames := make([]string, 0, len(doc.Query))
		for q := range doc.Query {
			qnames = append(qnames, q)
		}
		sort.Strings(qnames)
		for _, q := range qnames {
			params = append(params, schema{"name": q, "in": "query", "description": doc.Query[q], "schema": str})
		}
		if len(params) > 0 {
			op["parameters"] = params
		}
		if doc.Body != "" {
			mt := doc.BodyType
			if mt == "" {
				mt = "application/json"
			}
			op["requestBody"] = schema{"required": true, "content": schema{mt: schema{"schema": ref(doc.Body)}}}
		}
		ok := schema{"description": "success"}
		if r := doc.Response; r != "" {
			var sch schema
			if name, isList := strings.CutPrefix(r, "list:"); isList {
				sch = obj(nil, map[string]schema{"items": {"type": "array", "items": ref(name)}, "next": str, "total": integer, "total_capped": boolean})
			} else {
				sch = ref(r)
			}
			ok["content"] = schema{"application/json": schema{"schema": sch}}
		}
		if doc.ResponseType != "" {
			ok["content"] = binaryContent(doc.ResponseType)
		}
		code := "200"
		switch {
		case method == http.MethodPost && doc.Body != "" && !strings.Contains(path, "/:"):
			code = "201"
		case method == http.MethodDelete:
			code = "204"
		}
		responses := schema{code: ok, "400": errResp, "401": errResp, "403": errResp, "404": errResp}
		if p := s.perms[k]; p.Level == authz.LevelAction {
			op["x-permission"] = p.String()
		}
		if method != http.MethodGet {
			responses["409"], responses["422"] = errResp, errResp
		}
		op["responses"] = responses
		oaPath := path
		for _, seg := range strings.Split(path, "/") {
			if strings.HasPrefix(seg, ":") {
				oaPath = strings.Replace(oaPath, seg, "{"+seg[1:]+"}", 1)
			}
		}
		if paths[oaPath] == nil {
			paths[oaPath] = schema{}
		}
		paths[oaPath][strings.ToLower(method)] = op
	}
	return schema{
		"openapi": "3.0.3",
		"info": schema{"title": "Tongxin (同心) API", "version": s.opts.Version,
			"description": "Conventions: snake_case fields, RFC 3339 UTC times, money in fen, keyset paging (limit, after → next), errors as {error:{code,message,fields}}. Authenticate with the session cookie (and X-CSRF-Token on writes) or Authorization: Bearer <token>."},
		"servers":    []schema{{"url": "/"}},
		"paths":      paths,
		"components": schema{"schemas": apiSchemas, "securitySchemes": schema{"bearer": schema{"type": "http", "scheme": "bearer"}, "session": schema{"type": "apiKey", "in": "cookie", "name": "tongxin_session"}}},
		"security":   []schema{{"bearer": []string{}}, {"session": []string{}}},
	}
}

// serveOpenAPI is GET /api/v1/openapi.json.
func (s *Server) serveOpenAPI(c echo.Context) error {
	return c.JSON(http.StatusOK, s.openAPI())
}

// APIDocumented reports whether a route key has documentation (tests).
func APIDocumented(key string) bool {
	_, ok := docFor(key)
	return ok
}

// stringPathParams are the path parameters that are names, not ids: a
// dictionary's kind, an annual pack's section. Every other one is an id
// (pathID) and typed integer in the document.
var stringPathParams = map[string]bool{"kind": true, "section": true}

// PathParamType is the OpenAPI type of a path parameter.
func PathParamType(name string) string {
	if stringPathParams[name] {
		return "string"
	}
	return "integer"
}
