// Package configs embeds the access model (casbin model and the one shared
// policy) so that the binary needs no file beside it.
package configs

import _ "embed"

// CasbinModel is the casbin model with domains.
//
//go:embed rbac_model.conf
var CasbinModel string

// Policy is the rule set every tenant shares: role, domain kind, object kind, action.
//
//go:embed policy.csv
var Policy string
