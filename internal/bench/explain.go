package bench

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// BigTables are the tables a page query must never read with a sequential
// scan at scale (issue 10, point 4).
var BigTables = []string{"projects", "needs", "resources", "claims", "notifications", "units", "memberships", "audit_log"}

// Plan is what the plan of one statement uses.
type Plan struct {
	SQL string `json:"sql"`
	// SeqScans are the big tables read with a sequential scan.
	SeqScans []string `json:"seq_scans,omitempty"`
	// Indexes are the indexes the plan uses, as table.index.
	Indexes []string `json:"indexes,omitempty"`
	// Tables are the tables (big or not) the plan reads.
	Tables []string `json:"tables,omitempty"`
	Error  string   `json:"error,omitempty"`
}

// planNode is the part of a node of EXPLAIN (FORMAT JSON) we read.
type planNode struct {
	NodeType  string     `json:"Node Type"`
	Relation  string     `json:"Relation Name"`
	IndexName string     `json:"Index Name"`
	Plans     []planNode `json:"Plans"`
}

// ParsePlan reads the output of EXPLAIN (FORMAT JSON) and lists the big
// tables read with a sequential scan and the indexes used.
func ParsePlan(out []byte) (Plan, error) {
	var top []struct {
		Plan planNode `json:"Plan"`
	}
	if err := json.Unmarshal(out, &top); err != nil {
		return Plan{}, fmt.Errorf("bench: read plan: %w", err)
	}
	var p Plan
	var walk func(n planNode)
	walk = func(n planNode) {
		if n.Relation != "" && !slices.Contains(p.Tables, n.Relation) {
			p.Tables = append(p.Tables, n.Relation)
		}
		if n.NodeType == "Seq Scan" && slices.Contains(BigTables, n.Relation) && !slices.Contains(p.SeqScans, n.Relation) {
			p.SeqScans = append(p.SeqScans, n.Relation)
		}
		if n.IndexName != "" {
			name := n.IndexName
			if n.Relation != "" {
				name = n.Relation + "." + name
			}
			if !slices.Contains(p.Indexes, name) {
				p.Indexes = append(p.Indexes, name)
			}
		}
		for _, c := range n.Plans {
			walk(c)
		}
	}
	for _, t := range top {
		walk(t.Plan)
	}
	slices.Sort(p.Indexes)
	slices.Sort(p.SeqScans)
	slices.Sort(p.Tables)
	return p, nil
}

// Explainable tells the statements worth a plan: reads (SELECT or WITH).
func Explainable(st Statement) bool {
	s := strings.ToUpper(strings.TrimSpace(st.SQL))
	return strings.HasPrefix(s, "SELECT") || strings.HasPrefix(s, "WITH")
}

// Explain runs EXPLAIN (FORMAT JSON) on a statement with its arguments
// (Postgres plans it for those values, as it does the page's).
func Explain(ctx context.Context, db *sql.DB, st Statement) Plan {
	var out []byte
	if err := db.QueryRowContext(ctx, "EXPLAIN (FORMAT JSON) "+st.SQL, st.Args...).Scan(&out); err != nil {
		return Plan{SQL: st.SQL, Error: err.Error()}
	}
	p, err := ParsePlan(out)
	p.SQL = st.SQL
	if err != nil {
		p.Error = err.Error()
	}
	return p
}
