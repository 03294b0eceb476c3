package app_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

const scalePassword = "Tongxin@2026"

func scaleHash(t *testing.T) string {
	t.Helper()
	h, err := argon2id.CreateHash(scalePassword, &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

var scaleEnd = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

func seedScale(t *testing.T, db *store.DB, scale float64, seed uint64) *app.ScaleResult {
	t.Helper()
	res, err := app.SeedScale(context.Background(), db, app.ScaleOptions{Scale: scale, Seed: seed, End: scaleEnd, PasswordHash: scaleHash(t)})
	if err != nil {
		t.Fatalf("seed --scale %v: %v", scale, err)
	}
	return res
}

// queryInt runs a query that answers one number.
func queryInt(t *testing.T, db *store.DB, q string) int64 {
	t.Helper()
	var n int64
	if err := db.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// TestSeedScaleKeepsTheInvariants generates a small city on each database and
// checks in SQL what the application relies on, then that the application
// works on it: a generated user logs in and the lists load, and new rows get
// fresh ids.
func TestSeedScaleKeepsTheInvariants(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		res := seedScale(t, db, 0.01, 7)
		for _, c := range res.Counts {
			if got := queryInt(t, db, "SELECT count(*) FROM "+c.Table); got != c.Rows || c.Rows == 0 {
				t.Errorf("%s: %d rows in the database, %d reported", c.Table, got, c.Rows)
			}
		}
		if n := queryInt(t, db, "SELECT count(*) FROM streets"); n != 16 {
			t.Errorf("streets at scale 0.01: %d, want one per district", n)
		}
		zero := map[string]string{
			"a need's accepted_quantity is the sum of its accepted claims": `SELECT count(*) FROM needs n WHERE accepted_quantity <>
				(SELECT COALESCE(sum(quantity), 0) FROM claims c WHERE c.target = 'need' AND c.need_id = n.id AND c.status = 'accepted')`,
			"a resource's accepted_quantity is the sum of its accepted claims": `SELECT count(*) FROM resources r WHERE accepted_quantity <>
				(SELECT COALESCE(sum(quantity), 0) FROM claims c WHERE c.target = 'resource' AND c.resource_id = r.id AND c.status = 'accepted')`,
			"accepted within quantity and capacity": `SELECT (SELECT count(*) FROM needs WHERE accepted_quantity > quantity OR accepted_quantity < 0)
				+ (SELECT count(*) FROM resources WHERE accepted_quantity > capacity OR accepted_quantity < 0)`,
			"need status agrees with its accepted quantity": `SELECT count(*) FROM needs WHERE
				(status = 'published' AND accepted_quantity <> 0) OR (status = 'partly_claimed' AND (accepted_quantity = 0 OR accepted_quantity >= quantity))
				OR (status = 'claimed' AND accepted_quantity <> quantity) OR (status = 'draft' AND (accepted_quantity <> 0 OR published_at IS NOT NULL))`,
			"resource status agrees with its accepted quantity": `SELECT count(*) FROM resources WHERE
				(status = 'available' AND accepted_quantity >= capacity) OR (status = 'exhausted' AND accepted_quantity <> capacity)
				OR (status = 'draft' AND accepted_quantity <> 0)`,
			"claims on drafts": `SELECT count(*) FROM claims c LEFT JOIN needs n ON c.target = 'need' AND n.id = c.need_id
				LEFT JOIN resources r ON c.target = 'resource' AND r.id = c.resource_id WHERE COALESCE(n.status, r.status) = 'draft'`,
			"a claim's alliance is its target's": `SELECT count(*) FROM claims c LEFT JOIN needs n ON c.target = 'need' AND n.id = c.need_id
				LEFT JOIN resources r ON c.target = 'resource' AND r.id = c.resource_id WHERE c.alliance_id <> COALESCE(n.alliance_id, r.alliance_id)
				OR c.district_id <> COALESCE(n.district_id, r.district_id)`,
			"decided claims have a decision time, others none": `SELECT count(*) FROM claims WHERE
				(status IN ('accepted', 'rejected')) <> (decided_at IS NOT NULL)`,
			"every membership's unit and alliance exist": `SELECT count(*) FROM memberships m LEFT JOIN units u ON u.id = m.unit_id
				LEFT JOIN alliances a ON a.id = m.alliance_id WHERE u.id IS NULL OR a.id IS NULL`,
			"a unit is a current member of an alliance at most once": `SELECT count(*) FROM (SELECT alliance_id, unit_id FROM memberships
				WHERE left_on IS NULL GROUP BY alliance_id, unit_id HAVING count(*) > 1) x`,
			"needs and resources are offered by current members of their alliance": `SELECT (SELECT count(*) FROM needs n WHERE NOT EXISTS
				(SELECT 1 FROM memberships m WHERE m.alliance_id = n.alliance_id AND m.unit_id = n.submitter_unit_id AND m.left_on IS NULL))
				+ (SELECT count(*) FROM resources r WHERE NOT EXISTS
				(SELECT 1 FROM memberships m WHERE m.alliance_id = r.alliance_id AND m.unit_id = r.provider_unit_id AND m.left_on IS NULL))`,
			"a need's district is its alliance's": `SELECT count(*) FROM needs n JOIN alliances a ON a.id = n.alliance_id WHERE n.district_id <> a.district_id`,
			"project codes are unique":            `SELECT count(code) - count(DISTINCT code) FROM projects`,
			"drafts have no code, others one":     `SELECT count(*) FROM projects WHERE (status = 'draft') <> (code IS NULL)`,
			"project codes read year-district-sequence": `SELECT count(*) FROM projects WHERE code IS NOT NULL AND code NOT LIKE
				CAST(year AS TEXT) || '-' || CAST(district_id AS TEXT) || '-%'`,
			"every project has its lead among its units": `SELECT count(*) FROM projects p WHERE NOT EXISTS
				(SELECT 1 FROM project_units pu WHERE pu.project_id = p.id AND pu.unit_id = p.lead_unit_id AND pu.role = 'lead')`,
			"project dates follow the status": `SELECT count(*) FROM projects WHERE
				(status <> 'draft') <> (submitted_at IS NOT NULL)
				OR (status IN ('approved', 'in_progress', 'completed', 'evaluated')) <> (approved_at IS NOT NULL)
				OR (status IN ('in_progress', 'completed', 'evaluated')) <> (started_at IS NOT NULL)
				OR (status IN ('completed', 'evaluated')) <> (completed_at IS NOT NULL)
				OR (status = 'evaluated') <> (evaluated_at IS NOT NULL AND score IS NOT NULL AND grade <> '')
				OR (status = 'cancelled') <> (cancelled_at IS NOT NULL)
				OR approved_at < submitted_at OR started_at < approved_at OR completed_at < started_at OR evaluated_at < completed_at`,
			"a project's review trail ends in its status": `SELECT count(*) FROM projects p WHERE status <> 'draft' AND status <>
				(SELECT to_status FROM project_reviews r WHERE r.project_id = p.id ORDER BY r.created_at DESC, r.id DESC LIMIT 1)`,
			"funding adds up to the budget": `SELECT count(*) FROM projects p WHERE budget_fen <>
				(SELECT COALESCE(sum(amount_fen), 0) FROM project_funding f WHERE f.project_id = p.id)`,
			"completed projects report 100 %": `SELECT count(*) FROM projects WHERE status IN ('completed', 'evaluated') AND progress_percent <> 100`,
			"code counters start after the codes": `SELECT count(*) FROM project_code_counters c WHERE next_seq <>
				1 + (SELECT count(*) FROM projects p WHERE p.code IS NOT NULL AND p.year = c.year AND p.district_id = c.district_id)`,
			"cases are of evaluated projects": `SELECT count(*) FROM cases c JOIN projects p ON p.id = c.project_id WHERE p.status <> 'evaluated'`,
			"every user holds one role":       `SELECT count(*) FROM users u WHERE (SELECT count(*) FROM role_assignments r WHERE r.user_id = u.id) <> 1`,
			"a street's grids and sites are in its district": `SELECT (SELECT count(*) FROM grids g JOIN streets s ON s.id = g.street_id WHERE g.district_id <> s.district_id)
				+ (SELECT count(*) FROM service_sites x JOIN streets s ON s.id = x.street_id WHERE x.district_id <> s.district_id)`,
		}
		for what, q := range zero {
			if n := queryInt(t, db, q); n != 0 {
				t.Errorf("%s: %d rows break it", what, n)
			}
		}
		for what, q := range map[string]string{
			"accepted claims":           "SELECT count(*) FROM claims WHERE status = 'accepted'",
			"partly claimed needs":      "SELECT count(*) FROM needs WHERE status = 'partly_claimed'",
			"units without credit code": "SELECT count(*) FROM units WHERE credit_code IS NULL",
			"units with credit code":    "SELECT count(*) FROM units WHERE credit_code IS NOT NULL",
			"evaluated or in progress":  "SELECT count(*) FROM projects WHERE status IN ('evaluated', 'in_progress')",
			"history memberships":       "SELECT count(*) FROM memberships WHERE left_on IS NOT NULL",
			"progress updates":          "SELECT count(*) FROM project_updates",
			"returned with a reason":    "SELECT count(*) FROM projects WHERE status = 'returned' AND return_reason <> ''",
		} {
			if n := queryInt(t, db, q); n == 0 {
				t.Errorf("no %s: the mix is missing a case", what)
			}
		}
		rows, err := db.SQL().Query("SELECT credit_code FROM units WHERE credit_code IS NOT NULL")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var code string
			if err := rows.Scan(&code); err != nil {
				t.Fatal(err)
			}
			if k := model.CheckCreditCode(code); k != "" {
				t.Errorf("credit code %s: %s", code, k)
			}
		}
		rows.Close()

		// A second run refuses; the data is still there once.
		if _, err := app.SeedScale(ctx, db, app.ScaleOptions{Scale: 0.01, Seed: 7, End: scaleEnd, PasswordHash: "x"}); !errors.Is(err, store.ErrHoldsData) {
			t.Fatalf("second run: %v, want ErrHoldsData", err)
		}

		// The sequences moved past the generated ids.
		maxUser := queryInt(t, db, "SELECT max(id) FROM users")
		u := testenv.CreateUser(t, db, "after.seed", "", "")
		if u.ID <= maxUser {
			t.Fatalf("a new user got id %d, generated ids end at %d", u.ID, maxUser)
		}

		// The application works on it as a generated user.
		srv := testenv.ServeDB(t, db)
		for _, l := range res.Logins {
			c := srv.Client(t)
			c.Login(l.Username, scalePassword)
			pages := map[string][]string{
				model.RoleSysadmin:          {"/", "/admin/users", "/units", "/streets", "/service-sites"},
				model.RoleDistrictReviewer:  {"/", "/units", "/alliances", "/grids"},
				model.RoleAllianceSecretary: {"/", "/alliances", "/units", "/committees"},
				model.RoleUnitContact:       {"/", "/units"},
			}[l.Role]
			if len(pages) == 0 {
				t.Fatalf("no pages to try for %s", l.Role)
			}
			for _, p := range pages {
				if r := c.Get(p); r.Status != http.StatusOK {
					t.Errorf("%s (%s) GET %s = %d", l.Username, l.Role, p, r.Status)
				}
			}
		}
	})
}

// firstRows renders the first rows of a table as text, for comparing runs.
func firstRows(t *testing.T, db *store.DB, q string) string {
	t.Helper()
	rows, err := db.SQL().Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		for _, v := range vals {
			if bs, ok := v.([]byte); ok {
				v = string(bs)
			}
			if tm, ok := v.(time.Time); ok {
				v = tm.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(&b, "%v|", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

var determinismQueries = []string{
	"SELECT id, name, code FROM streets ORDER BY id LIMIT 5",
	"SELECT id, name, credit_code, kind, district_id, street_id, address, contact_name FROM units ORDER BY id LIMIT 8",
	"SELECT id, name, kind, district_id FROM alliances ORDER BY id",
	"SELECT id, alliance_id, unit_id, rank, joined_on FROM memberships ORDER BY id LIMIT 8",
	"SELECT id, username, display_name FROM users ORDER BY id DESC LIMIT 5",
	"SELECT id, title, status, quantity, accepted_quantity, created_at FROM needs ORDER BY id LIMIT 8",
	"SELECT id, title, status, capacity, accepted_quantity FROM resources ORDER BY id LIMIT 8",
	"SELECT id, target, need_id, resource_id, claimant_unit_id, quantity, status, created_at FROM claims ORDER BY id LIMIT 8",
	"SELECT id, code, title, status, budget_fen, starts_on FROM projects ORDER BY id LIMIT 8",
	"SELECT id, user_id, kind, subject_id, params FROM notifications ORDER BY id LIMIT 5",
}

// TestSeedScaleIsDeterministic: the same scale and seed give the same row
// counts and the same rows; another seed gives another city.
func TestSeedScaleIsDeterministic(t *testing.T) {
	for _, dialect := range testenv.Dialects {
		t.Run(dialect, func(t *testing.T) {
			a, b, c := testenv.NewDB(t, dialect), testenv.NewDB(t, dialect), testenv.NewDB(t, dialect)
			ra, rb := seedScale(t, a, 0.01, 42), seedScale(t, b, 0.01, 42)
			seedScale(t, c, 0.01, 43)
			if fmt.Sprint(ra.Counts) != fmt.Sprint(rb.Counts) {
				t.Fatalf("counts differ:\n%v\n%v", ra.Counts, rb.Counts)
			}
			differs := 0
			for _, q := range determinismQueries {
				x, y, z := firstRows(t, a, q), firstRows(t, b, q), firstRows(t, c, q)
				if x == "" {
					t.Errorf("%s: no rows", q)
				}
				if x != y {
					t.Errorf("same seed, different rows for %s:\n%s\n%s", q, x, y)
				}
				if x != z {
					differs++
				}
			}
			if differs < len(determinismQueries)-1 {
				t.Errorf("another seed changed only %d of %d samples", differs, len(determinismQueries))
			}
		})
	}
}

// TestSeedScaleCommand runs `tongxin seed --scale` as an operator would:
// it prints the counts and the accounts to try, refuses a second run, and
// accepts --force beside the demo map.
func TestSeedScaleCommand(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	env := map[string]string{"TONGXIN_DATABASE_URL": "sqlite:" + filepath.Join(dir, "t.db"), "TONGXIN_LOG_LEVEL": "warn"}
	if code, _, errs := run(t, context.Background(), env, "seed", "--demo"); code != 0 {
		t.Fatalf("seed --demo: %s", errs)
	}
	code, _, errs := run(t, context.Background(), env, "seed", "--scale", "0.01")
	if code != 1 || !strings.Contains(errs, "already holds data") || !strings.Contains(errs, "--force") {
		t.Fatalf("scale over the demo map without --force: %d %q", code, errs)
	}
	code, out, errs := run(t, context.Background(), env, "seed", "--scale", "0.01", "--seed", "5", "--force")
	if code != 0 {
		t.Fatalf("seed --scale --force: %d %s", code, errs)
	}
	for _, want := range []string{"needs", "claims", "projects", "log in as (password " + app.DefaultDemoPassword + ")", "sys.admin", "reviewer1"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errs, "seed: claims") {
		t.Errorf("no progress lines on a non-terminal stderr: %q", errs)
	}
	code, _, errs = run(t, context.Background(), env, "seed", "--scale", "0.01", "--force")
	if code != 1 || !strings.Contains(errs, "generated city is there already") {
		t.Fatalf("a second generated city: %d %q", code, errs)
	}
	if code, _, _ := run(t, context.Background(), env, "seed", "--scale", "-1"); code == 0 {
		t.Fatal("a negative scale must be refused")
	}
}
