package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
)

// The scale generator (`tongxin seed --scale N [--seed S]`) fills an empty
// database with a deterministic, Shanghai-like city for benchmarks and
// load tests. Scale 1 is one year of the whole city (DESIGN.md, "Scale and
// quality targets"); the reference data (streets, grids, sites, units,
// alliances, users) grows with the scale up to 1 and then stays, while the
// yearly activity (needs, resources, claims, projects, notifications) grows
// with the scale and spreads over ceil(N) years: scale 10 is ten years.
// The same scale and seed give the same rows (ids included) on either
// database.

// ScaleOptions configure SeedScale.
type ScaleOptions struct {
	Scale float64
	Seed  uint64
	// End is the generated city's present: its last day of activity
	// (default: today). Two runs with the same End give the same rows.
	End time.Time
	// PasswordHash is every generated user's password hash, computed once
	// by the caller (one argon2id per user would take hours).
	PasswordHash string
	// Force generates into a database that already holds data, such as the
	// demo map: ids follow the largest ones present, alliance names that
	// would collide are told apart, and codes and usernames have forms the
	// demo map does not use. A second generated city is refused.
	Force bool
	// Progress, when set, is told the table being written and the rows
	// written of all tables so far, out of total.
	Progress func(table string, done, total int64)
}

// ScaleCount is the number of rows generated into one table.
type ScaleCount struct {
	Table string
	Rows  int64
}

// ScaleLogin is a generated account worth trying first.
type ScaleLogin struct {
	Username, Role, Domain string
}

// ScaleResult is what SeedScale wrote.
type ScaleResult struct {
	Counts []ScaleCount
	Logins []ScaleLogin
	Years  []int
}

// Rows is the total of rows written.
func (r *ScaleResult) Rows() int64 {
	var n int64
	for _, c := range r.Counts {
		n += c.Rows
	}
	return n
}

// scaleTables are the tables the generator writes, in the order it writes
// them (every reference points to a table before it).
var scaleTables = []string{"streets", "grids", "units", "service_sites", "alliances", "memberships", "committees",
	"committee_members", "users", "role_assignments", "needs", "resources", "claims", "projects", "project_units",
	"project_needs", "project_resources", "project_sites", "project_funding", "project_reviews", "project_updates", "cases",
	"project_code_counters", "notifications", "audit_log"}

// dataTables are the tables whose rows mean "this database holds data".
var dataTables = []string{"streets", "units", "alliances", "users", "needs", "resources", "projects"}

// SeedScale generates the city and writes it in one transaction.
func SeedScale(ctx context.Context, db *store.DB, o ScaleOptions) (*ScaleResult, error) {
	if o.Scale <= 0 || o.Scale > 100 || math.IsNaN(o.Scale) {
		return nil, fmt.Errorf("scale %v: give a number above 0 and at most 100 (1 = one year of a city)", o.Scale)
	}
	if o.PasswordHash == "" {
		return nil, fmt.Errorf("scale: no password hash")
	}
	if o.End.IsZero() {
		o.End = db.Now()
	}
	var held []string
	for _, t := range dataTables {
		n, err := db.CountRows(ctx, t)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			held = append(held, fmt.Sprintf("%d %s", n, t))
		}
	}
	if len(held) > 0 && !o.Force {
		return nil, fmt.Errorf("%w (%s): generate into an empty database, or pass --force to add the generated city beside it",
			store.ErrHoldsData, strings.Join(held, ", "))
	}
	// A second generated city would collide with the first on codes and
	// usernames: say so instead of failing on a unique index.
	if _, err := db.UserByUsername(ctx, "sys.admin"); err == nil {
		return nil, fmt.Errorf("%w: a generated city is there already (user sys.admin); generate into an empty database", store.ErrHoldsData)
	} else if !errors.Is(err, model.ErrNotFound) {
		return nil, err
	}
	g := newScaleGen(o)
	for _, t := range scaleTables {
		id, err := db.MaxID(ctx, t)
		if err != nil {
			return nil, err
		}
		g.base[t] = id
	}
	if o.Force {
		names, err := db.AllianceNames(ctx)
		if err != nil {
			return nil, err
		}
		g.takenAlliance = names
		// Codes already handed out (seed --demo, the app): the generated
		// projects are numbered after them.
		if g.codesTaken, err = db.ProjectCodesTaken(ctx); err != nil {
			return nil, err
		}
	}
	g.build()
	if err := g.write(ctx, db); err != nil {
		return nil, err
	}
	if err := db.ResetSequences(ctx, scaleTables...); err != nil {
		return nil, err
	}
	if err := db.AnalyzeTables(ctx, scaleTables...); err != nil {
		return nil, err
	}
	// Running instances reload the access model (the new role assignments).
	if err := db.Notify(ctx, "tongxin_authz", "seed"); err != nil {
		return nil, err
	}
	return g.result(), nil
}

// Generated rows, held compactly until they are written. Indexes point into
// the generator's slices; an id is base[table] + index + 1.
type (
	sStreet struct {
		district   int
		name, code string
	}
	sGrid struct {
		street     int
		name, code string
	}
	sUnit struct {
		district, street int // street -1: none
		name, kind       string
		code             *string
		created          time.Time
	}
	sSite struct {
		street, grid, manager int // grid, manager -1: none
		kind, name            string
	}
	sAlliance struct {
		district, street        int
		name, kind, level, desc string
		founded                 time.Time
	}
	sMember struct {
		alliance, unit int
		rank           string
		joined         time.Time
		left, letter   *time.Time
	}
	sCommittee struct {
		alliance, convenor int
		name, theme        string
	}
	sPair struct {
		a, b int
		role string
	}
	sUser struct {
		username, display, role, domain string
		created                         time.Time
	}
	sNeed struct {
		alliance, unit, street, grid, creator int
		category, kind, measure               string
		status, visibility, title             string
		qty, accepted                         int64
		benef                                 int
		created                               time.Time
		published, wanted                     *time.Time
	}
	sResource struct {
		alliance, unit, site, street, creator int
		kind, category, measure               string
		status, visibility, title             string
		capacity, accepted                    int64
		created, from, until                  time.Time
		published                             *time.Time
	}
	sClaim struct {
		need, resource             int // -1: none; target says which counts
		target                     string
		claimant, creator, decider int
		qty                        int64
		status, reason             string
		created                    time.Time
		decided                    *time.Time
	}
	sProject struct {
		alliance, committee, lead, creator int
		category, status, title, code      string
		year                               int
		created, starts, ends, updated     time.Time
		budget                             int64
		benef                              int
		// The lifecycle (00010): when each step happened.
		submitted, approved, started, completed, evaluated, cancelled *time.Time
		reviewDue                                                     *time.Time
		score, progress                                               int
		grade, closing, cancelReason, evalComment, returnReason       string
	}
	sReview struct {
		project, actor   int
		action, from, to string
		comment          string
		score            int // 0: none
		grade            string
		at               time.Time
	}
	sUpdate struct {
		project, creator, percent, benef, hours int
		spent                                   int64
		text                                    string
		on                                      time.Time
	}
	sFunding struct {
		project int
		source  string
		amount  int64
	}
	sCase struct {
		project, nominator, selector int
		status, level, writeUp       string
		nominated                    time.Time
		selected                     *time.Time
	}
	sCounter struct {
		district int64
		year     int
		next     int
	}
	sNote struct {
		user, actor, claim int
		kind               string
		created            time.Time
		read               bool
	}
)

type scaleGen struct {
	o             ScaleOptions
	base          map[string]int64
	takenAlliance map[int64]map[string]bool
	// codesTaken is the last code number of each (district, year) already
	// in the database (--force); replaceCounters the counter rows the load
	// writes again.
	codesTaken      map[[2]int64]int64
	replaceCounters [][2]int64
	end             time.Time // the last day
	start           time.Time // the first day of activity
	years           []int

	streets    []sStreet
	grids      []sGrid
	gridsOf    [][]int // by street
	units      []sUnit
	unitsOf    [][]int // by district
	sites      []sSite
	sitesOf    [][]int // by street
	alliances  []sAlliance
	members    []sMember
	membersOf  [][]int // unit indexes by alliance (current members)
	committees []sCommittee
	committeeM []sPair
	commOf     [][]int // committee indexes by alliance
	users      []sUser
	contacts   [][]int // user indexes by unit
	secretary  [][]int // user indexes by alliance
	needs      []sNeed
	needsOf    [][]int // by alliance
	resources  []sResource
	resOf      [][]int // by alliance
	claims     []sClaim
	projects   []sProject
	projUnits  []sPair
	projNeeds  []sPair
	projRes    []sPair
	projSites  []sPair
	reviews    []sReview
	updates    []sUpdate
	funding    []sFunding
	cases      []sCase
	counters   []sCounter
	reviewers  [][]int // user indexes by district
	notes      []sNote
	logins     []ScaleLogin
}

func newScaleGen(o ScaleOptions) *scaleGen {
	end := time.Date(o.End.Year(), o.End.Month(), o.End.Day(), 0, 0, 0, 0, time.UTC)
	n := max(1, int(math.Ceil(o.Scale)))
	g := &scaleGen{o: o, base: map[string]int64{}, end: end}
	first := end.Year() - n + 1
	for y := first; y <= end.Year(); y++ {
		g.years = append(g.years, y)
	}
	g.start = time.Date(first, 1, 1, 0, 0, 0, 0, time.UTC)
	return g
}

// rng returns the random stream of one part of the city: the parts do not
// shift each other, so a change in one leaves the others as they were.
func (g *scaleGen) rng(part string) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(part))
	return rand.New(rand.NewPCG(g.o.Seed, h.Sum64()))
}

func (g *scaleGen) id(table string, i int) int64 { return g.base[table] + int64(i) + 1 }

// ref scales reference data (up to scale 1); act scales yearly activity.
func (g *scaleGen) ref(n int) int { return max(1, int(math.Round(float64(n)*min(g.o.Scale, 1)))) }
func (g *scaleGen) act(n int) int { return max(1, int(math.Round(float64(n)*g.o.Scale))) }

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// at returns a moment on a working day's office hours (Shanghai) between
// from and to (days), in UTC.
func at(r *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours() / 24)
	d := from.AddDate(0, 0, r.IntN(max(days, 1)))
	d = time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
	return d.Add(time.Duration(r.IntN(10*3600)) * time.Second) // 08:00–18:00 CST is 00:00–10:00 UTC
}

func day(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }

func ptr[T any](v T) *T { return &v }

func (g *scaleGen) personName(r *rand.Rand) string { return pick(r, surnames) + pick(r, givenNames) }

func streetShort(s string) string {
	for _, suf := range []string{"街道", "镇", "乡", "新区", "工业区"} {
		if strings.HasSuffix(s, suf) && len([]rune(s)) > len([]rune(suf))+1 {
			return strings.TrimSuffix(s, suf)
		}
	}
	return s
}

func (g *scaleGen) build() {
	g.buildGeography()
	g.buildUnits()
	g.buildSites()
	g.buildAlliances()
	g.buildUsers()
	g.buildLists()
	g.buildProjects()
	g.buildNotifications()
}

func (g *scaleGen) buildGeography() {
	r := g.rng("geography")
	total := 0
	for _, d := range scaleDistricts {
		total += len(d.streets)
	}
	for di, d := range scaleDistricts {
		n := min(len(d.streets), g.ref(len(d.streets)))
		for i := 0; i < n; i++ {
			// 12-digit codes (district + 3-digit township + 000), as the
			// statistical division codes of townships read.
			g.streets = append(g.streets, sStreet{district: di, name: d.streets[i], code: fmt.Sprintf("%d%03d000", d.id, i+1)})
		}
	}
	g.gridsOf = make([][]int, len(g.streets))
	want := g.ref(5000)
	for si, s := range g.streets {
		n := max(1, want/len(g.streets))
		if si < want%len(g.streets) {
			n++
		}
		short := streetShort(s.name)
		for k := 1; k <= n; k++ {
			name := fmt.Sprintf("%s第%d网格", short, k)
			if r.IntN(3) == 0 {
				name = fmt.Sprintf("%s%s网格", short, pick(r, commPrefixes)+pick(r, communities))
				name = fmt.Sprintf("%s（%d）", name, k)
			}
			g.gridsOf[si] = append(g.gridsOf[si], len(g.grids))
			g.grids = append(g.grids, sGrid{street: si, name: name, code: fmt.Sprintf("%s%03d", s.code, k)})
		}
	}
}

// streetsOf returns the street indexes of each district.
func (g *scaleGen) streetsOf() [][]int {
	out := make([][]int, len(scaleDistricts))
	for si, s := range g.streets {
		out[s.district] = append(out[s.district], si)
	}
	return out
}

func (g *scaleGen) creditCode(r *rand.Rand, head string, district int64, seen map[string]bool) *string {
	const chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	for {
		var b strings.Builder
		// MA + a digit 2–9 (never "MA1", which the demo map uses) + 6 characters.
		fmt.Fprintf(&b, "%s%dMA%d", head, district, 2+r.IntN(8))
		for range 6 {
			b.WriteByte(chars[r.IntN(len(chars))])
		}
		first := b.String()
		code := first + string(model.CreditCodeCheckChar(first))
		if !seen[code] {
			seen[code] = true
			return &code
		}
	}
}

func (g *scaleGen) buildUnits() {
	r := g.rng("units")
	total := g.ref(20000)
	g.unitsOf = make([][]int, len(scaleDistricts))
	seenCode := map[string]bool{}
	seenName := map[string]bool{}
	kinds := []struct {
		kind   string
		weight int
	}{{"gov", 6}, {"soe", 10}, {"private", 30}, {"school", 9}, {"hospital", 5}, {"social_org", 10}, {"residents", 18}, {"institution", 5}, {"building", 5}, {"other", 2}}
	sum := 0
	for _, k := range kinds {
		sum += k.weight
	}
	for i := 0; i < total; i++ {
		si := r.IntN(len(g.streets)) // districts weigh by their streets
		s := g.streets[si]
		d := scaleDistricts[s.district]
		w := r.IntN(sum)
		kind := kinds[0].kind
		for _, k := range kinds {
			if w < k.weight {
				kind = k.kind
				break
			}
			w -= k.weight
		}
		name := g.unitName(r, kind, d, s.name)
		for try := 0; seenName[name] && try < 5; try++ {
			name = g.unitName(r, kind, d, s.name)
		}
		if base := name; seenName[base] {
			for n := 2; seenName[name]; n++ {
				name = fmt.Sprintf("%s（%s）", base, streetShort(s.name))
				if n > 2 {
					name = fmt.Sprintf("%s（%s%d）", base, streetShort(s.name), n-1)
				}
			}
		}
		seenName[name] = true
		var code *string
		switch kind {
		case "residents":
		case "gov":
			code = g.creditCode(r, "11", d.id, seenCode)
		case "school", "hospital", "institution":
			code = g.creditCode(r, "12", d.id, seenCode)
		case "social_org":
			code = g.creditCode(r, "52", d.id, seenCode)
		default:
			if r.IntN(20) > 0 { // a few enterprises have not given theirs
				code = g.creditCode(r, "91", d.id, seenCode)
			}
		}
		street := si
		if r.IntN(10) == 0 {
			street = -1
		}
		g.unitsOf[s.district] = append(g.unitsOf[s.district], len(g.units))
		g.units = append(g.units, sUnit{district: s.district, street: street, name: name, kind: kind, code: code,
			created: at(r, g.start.AddDate(-3, 0, 0), g.start)})
	}
}

func (g *scaleGen) unitName(r *rand.Rand, kind string, d scaleDistrict, street string) string {
	short := streetShort(street)
	switch kind {
	case "gov":
		if r.IntN(2) == 0 {
			return d.name + pick(r, bureaus)
		}
		if strings.HasSuffix(street, "镇") || strings.HasSuffix(street, "乡") {
			return d.name + street + "人民政府"
		}
		return d.name + street + "办事处"
	case "soe":
		switch r.IntN(3) {
		case 0:
			return pick(r, banks) + "上海" + d.short + pick(r, []string{"支行", "分理处", "营业部"})
		case 1:
			return "上海" + pick(r, brandWords) + "（集团）有限公司"
		}
		return "上海" + d.short + pick(r, brandWords) + pick(r, []string{"投资发展有限公司", "城市建设有限公司", "资产经营有限公司"})
	case "school":
		f := pick(r, schoolsFmt)
		if strings.Count(f, "%s") == 2 {
			return fmt.Sprintf(f, "上海市"+d.short+"区", pick(r, numerals))
		}
		return fmt.Sprintf(f, "上海市"+pick(r, []string{d.short + "区", short}))
	case "hospital":
		f := pick(r, hospitalsFmt)
		if strings.HasPrefix(f, "%s社区") {
			return fmt.Sprintf(f, d.name+short)
		}
		return fmt.Sprintf(f, "上海市"+d.name)
	case "residents":
		if strings.HasSuffix(street, "镇") || strings.HasSuffix(street, "乡") {
			if r.IntN(2) == 0 {
				return street + pick(r, commPrefixes) + "村党总支"
			}
		}
		return short + pick(r, []string{"街道", ""}) + pick(r, commPrefixes) + pick(r, communities) + pick(r, []string{"居民区党总支", "居民区党支部"})
	case "social_org":
		return d.name + pick(r, []string{short, ""}) + pick(r, socialOrgs)
	case "institution":
		if r.IntN(2) == 0 {
			return "上海市" + d.name + pick(r, institutions)
		}
		return short + pick(r, []string{"社区文化活动中心", "社区事务受理服务中心", "社区党群服务中心"})
	case "building":
		return pick(r, brandWords) + pick(r, buildings)
	case "other":
		return d.name + short + pick(r, []string{"个体劳动者协会", "商会", "业主委员会联合会"})
	}
	// private
	return "上海" + pick(r, brandWords) + pick(r, industries) + pick(r, []string{"有限公司", "有限公司", "股份有限公司"})
}

func (g *scaleGen) buildSites() {
	r := g.rng("sites")
	n := g.ref(20000)
	g.sitesOf = make([][]int, len(g.streets))
	unitsOnStreet := make([][]int, len(g.streets))
	for ui, u := range g.units {
		if u.street >= 0 {
			unitsOnStreet[u.street] = append(unitsOnStreet[u.street], ui)
		}
	}
	for i := 0; i < n; i++ {
		si := i % len(g.streets)
		if i >= len(g.streets) {
			si = r.IntN(len(g.streets))
		}
		s := g.streets[si]
		short := streetShort(s.name)
		grid := -1
		if len(g.gridsOf[si]) > 0 && r.IntN(5) > 0 {
			grid = pick(r, g.gridsOf[si])
		}
		kind := pick(r, siteKinds)
		var name string
		switch kind {
		case "community_center":
			name = s.name + "社区党群服务中心"
			if len(g.sitesOf[si]) > 0 {
				name = fmt.Sprintf("%s%s党群服务分中心", short, pick(r, commPrefixes))
			}
		case "building_station":
			name = pick(r, brandWords) + pick(r, buildings) + "楼宇党建服务站"
		case "park_station":
			name = short + pick(r, brandWords) + "园区党群服务站"
		case "riverside_post":
			name = short + pick(r, []string{"滨江", "滨河", "绿道"}) + fmt.Sprintf("驿站%d号", 1+r.IntN(30))
		case "neighbourhood":
			name = pick(r, commPrefixes) + pick(r, communities) + "居民区党群服务站"
		default:
			name = short + pick(r, []string{"党员志愿服务站", "新就业群体暖心驿站", "户外职工爱心接力站"})
		}
		manager := -1
		if len(unitsOnStreet[si]) > 0 && r.IntN(3) > 0 {
			manager = pick(r, unitsOnStreet[si])
		}
		g.sitesOf[si] = append(g.sitesOf[si], len(g.sites))
		g.sites = append(g.sites, sSite{street: si, grid: grid, manager: manager, kind: kind, name: name})
	}
}

func (g *scaleGen) allianceName(d int, name string) string {
	id := scaleDistricts[d].id
	taken := g.takenAlliance[id]
	if taken == nil {
		taken = map[string]bool{}
		if g.takenAlliance == nil {
			g.takenAlliance = map[int64]map[string]bool{}
		}
		g.takenAlliance[id] = taken
	}
	out := name
	for n := 2; taken[out]; n++ {
		out = fmt.Sprintf("%s（%s）", name, numerals[(n-2)%len(numerals)])
		if n > 12 {
			out = fmt.Sprintf("%s（%d）", name, n)
		}
	}
	taken[out] = true
	return out
}

func (g *scaleGen) buildAlliances() {
	r := g.rng("alliances")
	byDistrict := g.streetsOf()
	// The candidates of a whole city: one district alliance per district,
	// one per street, and ~70 building, riverside, industry, adjacent and
	// area alliances; a smaller scale takes a sample of them.
	var cands []sAlliance
	for di, d := range scaleDistricts {
		cands = append(cands, sAlliance{district: di, street: -1, name: d.name + "区域化党建联盟", kind: "regional", level: model.LevelDistrict,
			desc: "由区委组织部牵头，驻区单位、“两新”组织和社区党组织共同参与，统筹全区党建资源。"})
	}
	for si, s := range g.streets {
		cands = append(cands, sAlliance{district: s.district, street: si, name: s.name + "区域化党建联盟", kind: "regional", level: model.LevelStreet,
			desc: "街镇党（工）委牵头，辖区单位共驻共建，推动“三张清单”落实。"})
	}
	extra := []struct{ kind, format string }{{"building", "%s楼宇党建联盟"}, {"riverside", "%s滨江党建联盟"}, {"industry", "%s行业党建联盟"},
		{"adjacent", "%s毗邻党建联盟"}, {"area_joint", "%s片区党建联席会议"}}
	// 300 at scale 1: 16 district, 217 street and 67 other alliances.
	for extras := 0; extras < 300-len(scaleDistricts)-217; extras++ {
		e := pick(r, extra)
		di := r.IntN(len(scaleDistricts))
		if len(byDistrict[di]) == 0 {
			continue // no street of this district at this scale
		}
		si := pick(r, byDistrict[di])
		var place string
		switch e.kind {
		case "building":
			place = pick(r, brandWords) + pick(r, []string{"商圈", "商务区", "楼宇群"})
		case "industry":
			place = scaleDistricts[di].short + pick(r, []string{"金融", "物流", "教育", "卫生健康", "物业", "律师", "文旅", "快递"})
		case "adjacent":
			o := pick(r, byDistrict[di])
			place = streetShort(g.streets[si].name) + streetShort(g.streets[o].name)
			if o == si {
				place = streetShort(g.streets[si].name) + "跨区"
			}
		default:
			place = streetShort(g.streets[si].name)
		}
		cands = append(cands, sAlliance{district: di, street: si, name: fmt.Sprintf(e.format, place), kind: e.kind, level: model.LevelStreet,
			desc: "围绕共同议题组建，成员单位轮值牵头，定期召开联席会议。"})
	}
	want := min(len(cands), max(3, g.ref(300)))
	chosen := cands
	if want < len(cands) {
		perm := r.Perm(len(cands))[:want]
		sortInts(perm)
		chosen = make([]sAlliance, want)
		for i, p := range perm {
			chosen[i] = cands[p]
		}
	}
	for _, a := range chosen {
		a.name = g.allianceName(a.district, a.name)
		a.founded = day(at(r, g.start.AddDate(-8, 0, 0), g.start.AddDate(0, -1, 0)))
		g.alliances = append(g.alliances, a)
	}

	// Memberships: every unit joins an alliance of its district (its
	// street's when there is one), a fifth of them a second one.
	byDistrictA := make([][]int, len(scaleDistricts))
	byStreetA := map[int][]int{}
	for ai, a := range g.alliances {
		byDistrictA[a.district] = append(byDistrictA[a.district], ai)
		if a.street >= 0 {
			byStreetA[a.street] = append(byStreetA[a.street], ai)
		}
	}
	g.membersOf = make([][]int, len(g.alliances))
	for ui, u := range g.units {
		options := byDistrictA[u.district]
		if len(options) == 0 {
			continue // no alliance in this district at this scale
		}
		first := pick(r, options)
		if u.street >= 0 && len(byStreetA[u.street]) > 0 && r.IntN(4) > 0 {
			first = pick(r, byStreetA[u.street])
		}
		g.join(r, first, ui)
		if r.IntN(5) == 0 && len(options) > 1 {
			if second := pick(r, options); second != first {
				g.join(r, second, ui)
			}
		}
	}
	// Committees: three to five per alliance, with a convenor and members.
	g.commOf = make([][]int, len(g.alliances))
	for ai := range g.alliances {
		mem := g.membersOf[ai]
		if len(mem) == 0 {
			continue
		}
		themes := r.Perm(len(committeeThemes))[:3+r.IntN(3)]
		for _, t := range themes {
			ci := len(g.committees)
			g.commOf[ai] = append(g.commOf[ai], ci)
			g.committees = append(g.committees, sCommittee{alliance: ai, convenor: pick(r, mem), name: committeeThemes[t][0], theme: committeeThemes[t][1]})
			seen := map[int]bool{}
			for range min(len(mem), 3+r.IntN(6)) {
				u := pick(r, mem)
				if !seen[u] {
					seen[u] = true
					g.committeeM = append(g.committeeM, sPair{a: ci, b: u})
				}
			}
		}
	}
}

func (g *scaleGen) join(r *rand.Rand, ai, ui int) {
	a := g.alliances[ai]
	joined := day(at(r, a.founded, g.end))
	if r.IntN(3) > 0 {
		joined = a.founded
	}
	rank := model.RankMember
	if r.IntN(10) == 0 {
		rank = model.RankCouncil
	}
	var letter *time.Time
	if r.IntN(10) > 0 {
		letter = ptr(joined.AddDate(0, 0, r.IntN(20)))
	}
	if r.IntN(30) == 0 {
		// A unit that left and came back: a history row, then the current one.
		left := joined.AddDate(0, 6+r.IntN(18), 0)
		if left.Before(g.end) {
			g.members = append(g.members, sMember{alliance: ai, unit: ui, rank: model.RankMember, joined: joined, left: &left, letter: letter})
			joined = left.AddDate(0, 0, 30+r.IntN(200))
			if joined.After(g.end) {
				joined = g.end
			}
		}
	}
	g.members = append(g.members, sMember{alliance: ai, unit: ui, rank: rank, joined: joined, letter: letter})
	g.membersOf[ai] = append(g.membersOf[ai], ui)
}

func sortInts(xs []int) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}

func (g *scaleGen) buildUsers() {
	r := g.rng("users")
	add := func(username, role, domain string) int {
		g.users = append(g.users, sUser{username: username, display: g.personName(r), role: role, domain: domain,
			created: at(r, g.start.AddDate(-1, 0, 0), g.start)})
		return len(g.users) - 1
	}
	sys := []struct{ name, role string }{{"sys.admin", model.RoleSysadmin}, {"sys.secadmin", model.RoleSecadmin}, {"sys.auditor", model.RoleAuditor}}
	for _, s := range sys {
		add(s.name, s.role, model.DomainSys)
	}
	g.logins = append(g.logins, ScaleLogin{"sys.admin", model.RoleSysadmin, model.DomainSys})
	g.reviewers = make([][]int, len(scaleDistricts))
	for di, d := range scaleDistricts {
		dom := model.DomainOf(model.DomainDistrict, d.id)
		for k := 1; k <= 2; k++ {
			add(fmt.Sprintf("d%d.admin%d", d.id, k), model.RoleDistrictAdmin, dom)
		}
		for k := 1; k <= 3; k++ {
			x := add(fmt.Sprintf("d%d.reviewer%d", d.id, k), model.RoleDistrictReviewer, dom)
			g.reviewers[di] = append(g.reviewers[di], x)
		}
	}
	g.logins = append(g.logins, ScaleLogin{fmt.Sprintf("d%d.reviewer1", scaleDistricts[1].id), model.RoleDistrictReviewer,
		model.DomainOf(model.DomainDistrict, scaleDistricts[1].id)})
	g.secretary = make([][]int, len(g.alliances))
	for ai := range g.alliances {
		aid := g.id("alliances", ai)
		for k := 1; k <= 1+r.IntN(2); k++ {
			ui := add(fmt.Sprintf("a%d.secretary%d", aid, k), model.RoleAllianceSecretary, model.DomainOf(model.DomainAlliance, aid))
			g.secretary[ai] = append(g.secretary[ai], ui)
		}
	}
	// Unit contacts: one for each member unit, then second contacts until
	// the city has its number of users.
	g.contacts = make([][]int, len(g.units))
	member := make([]bool, len(g.units))
	for _, m := range g.members {
		member[m.unit] = true
	}
	contact := func(ui int) {
		uid := g.id("units", ui)
		k := len(g.contacts[ui]) + 1
		x := add(fmt.Sprintf("u%d.contact%d", uid, k), model.RoleUnitContact, model.DomainOf(model.DomainUnit, uid))
		g.contacts[ui] = append(g.contacts[ui], x)
	}
	for ui := range g.units {
		if member[ui] {
			contact(ui)
		}
	}
	var members []int
	for ui := range g.units {
		if member[ui] {
			members = append(members, ui)
		}
	}
	for want := g.ref(30000); len(g.users) < want && len(members) > 0; {
		contact(pick(r, members))
	}
	if len(g.alliances) > 0 && len(g.secretary[0]) > 0 {
		u := g.users[g.secretary[0][0]]
		g.logins = append(g.logins, ScaleLogin{u.username, u.role, u.domain})
	}
	for ai := range g.alliances {
		if len(g.membersOf[ai]) > 0 {
			ui := g.membersOf[ai][0]
			if len(g.contacts[ui]) > 0 {
				u := g.users[g.contacts[ui][0]]
				g.logins = append(g.logins, ScaleLogin{u.username, u.role, u.domain})
				break
			}
		}
	}
}

// userOf returns a contact of unit ui, else a secretary of alliance ai, else -1.
func (g *scaleGen) userOf(r *rand.Rand, ui, ai int) int {
	if ui >= 0 && len(g.contacts[ui]) > 0 {
		return pick(r, g.contacts[ui])
	}
	if ai >= 0 && len(g.secretary[ai]) > 0 {
		return pick(r, g.secretary[ai])
	}
	return -1
}

// recent is how far back open needs and resources were made: the last
// four months of the period.
func (g *scaleGen) recent() time.Time {
	t := g.end.AddDate(0, -4, 0)
	if t.Before(g.start) {
		return g.start
	}
	return t
}

func weighted(r *rand.Rand, options []string, weights []int) string {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	x := r.IntN(sum)
	for i, w := range weights {
		if x < w {
			return options[i]
		}
		x -= w
	}
	return options[len(options)-1]
}

func (g *scaleGen) buildLists() {
	r := g.rng("lists")
	var active []int // alliances with members
	for ai := range g.alliances {
		if len(g.membersOf[ai]) > 0 {
			active = append(active, ai)
		}
	}
	if len(active) == 0 {
		return
	}
	visibility := func() string {
		return weighted(r, []string{model.VisibleAlliance, model.VisibleDistrict, model.VisibleCity}, []int{6, 3, 1})
	}
	g.needsOf = make([][]int, len(g.alliances))
	for range g.act(30000) {
		ai := pick(r, active)
		a := g.alliances[ai]
		ui := pick(r, g.membersOf[ai])
		street := a.street
		if street < 0 {
			street = g.units[ui].street
		}
		grid := -1
		if street >= 0 && len(g.gridsOf[street]) > 0 && r.IntN(2) == 0 {
			grid = pick(r, g.gridsOf[street])
		}
		cat := pick(r, needCategories)
		kind := ""
		if r.IntN(3) > 0 {
			kind = pick(r, resourceKinds)
		}
		measure := "person_times"
		if kind != "" {
			measure = pick(r, kindMeasures[kind])
		}
		status := weighted(r, []string{"open", model.NeedDraft, model.NeedInProject, model.NeedFulfilled, model.NeedClosed, model.NeedExpired}, []int{45, 8, 12, 20, 7, 8})
		n := sNeed{alliance: ai, unit: ui, street: street, grid: grid, category: cat, kind: kind, measure: measure, visibility: visibility(),
			qty: needQuantity(r, measure), benef: 20 + r.IntN(800)}
		if status == "open" || status == model.NeedDraft {
			n.created = at(r, g.recent(), g.end)
		} else {
			n.created = at(r, g.start, g.end)
		}
		place := streetShort(g.streets[max(street, 0)].name)
		if street < 0 {
			place = scaleDistricts[a.district].short
		}
		if r.IntN(2) == 0 {
			place += pick(r, commPrefixes) + pick(r, communities)
		}
		n.title = fmt.Sprintf(pick(r, needTitles[cat]), place)
		n.status = status
		if status != model.NeedDraft {
			n.published = ptr(n.created.Add(time.Duration(1+r.IntN(72)) * time.Hour))
			if n.published.After(g.end.AddDate(0, 0, 1)) {
				n.published = ptr(n.created)
			}
		}
		switch status {
		case "open", model.NeedDraft:
			n.wanted = ptr(g.end.AddDate(0, 0, 14+r.IntN(170)))
			if status == "open" {
				n.status = model.NeedPublished
			}
		case model.NeedExpired:
			w := day(n.created).AddDate(0, 0, 30+r.IntN(90))
			if !w.Before(g.end) {
				w = g.end.AddDate(0, 0, -1)
			}
			n.wanted = &w
		default:
			if r.IntN(4) > 0 {
				n.wanted = ptr(day(n.created).AddDate(0, 1+r.IntN(6), 0))
			}
		}
		n.creator = g.userOf(r, ui, ai)
		g.needsOf[ai] = append(g.needsOf[ai], len(g.needs))
		g.needs = append(g.needs, n)
	}
	g.resOf = make([][]int, len(g.alliances))
	for range g.act(20000) {
		ai := pick(r, active)
		a := g.alliances[ai]
		ui := pick(r, g.membersOf[ai])
		kind := pick(r, resourceKinds)
		street := g.units[ui].street
		if street < 0 {
			street = a.street
		}
		site := -1
		if kind == model.ResourceKindVenue && street >= 0 && len(g.sitesOf[street]) > 0 {
			site = pick(r, g.sitesOf[street])
		}
		status := weighted(r, []string{"open", model.ResourceDraft, model.ResourceWithdrawn, model.ResourceExpired, "used"}, []int{50, 8, 7, 15, 20})
		res := sResource{alliance: ai, unit: ui, site: site, street: street, kind: kind, measure: pick(r, kindMeasures[kind]),
			visibility: visibility()}
		if r.IntN(2) == 0 {
			res.category = pick(r, needCategories)
		}
		res.capacity = needQuantity(r, res.measure) * int64(1+r.IntN(3))
		if status == "open" || status == model.ResourceDraft {
			res.created = at(r, g.recent(), g.end)
		} else {
			res.created = at(r, g.start, g.end)
		}
		res.from = day(res.created)
		switch status {
		case "open", model.ResourceDraft, "used":
			res.until = g.end.AddDate(0, 1+r.IntN(11), 0)
		default:
			res.until = res.from.AddDate(0, 1+r.IntN(5), 0)
			if !res.until.Before(g.end) {
				res.until = g.end.AddDate(0, 0, -1)
			}
			if res.until.Before(res.from) {
				res.from = res.until
			}
		}
		res.status = status
		if status == "open" || status == "used" {
			res.status = model.ResourceAvailable
		}
		if status != model.ResourceDraft {
			res.published = ptr(res.created.Add(time.Duration(1+r.IntN(48)) * time.Hour))
			if res.published.After(g.end.AddDate(0, 0, 1)) {
				res.published = ptr(res.created)
			}
		}
		res.title = fmt.Sprintf(pick(r, resourceTitles[kind]), shortUnit(g.units[ui].name))
		res.creator = g.userOf(r, ui, ai)
		g.resOf[ai] = append(g.resOf[ai], len(g.resources))
		g.resources = append(g.resources, res)
	}
	g.buildClaims(r)
}

// shortUnit trims a unit's name for a title.
func shortUnit(name string) string {
	for _, p := range []string{"上海市", "上海"} {
		name = strings.TrimPrefix(name, p)
	}
	for _, s := range []string{"股份有限公司", "（集团）有限公司", "有限公司"} {
		name = strings.TrimSuffix(name, s)
	}
	return name
}

func needQuantity(r *rand.Rand, measure string) int64 {
	switch measure {
	case "yuan":
		return int64(1+r.IntN(50)) * 1000
	case "sqm":
		return int64(20 + r.IntN(300))
	case "hours":
		return int64(4 + r.IntN(200))
	case "person_times", "people":
		return int64(5 + r.IntN(300))
	}
	return int64(1 + r.IntN(24))
}

// buildClaims makes the claims and derives from them each target's accepted
// quantity and, for targets still in the claiming stage, its status: the
// invariant (accepted ≤ quantity or capacity) holds by construction.
func (g *scaleGen) buildClaims(r *rand.Rand) {
	var needs, res []int
	for i, n := range g.needs {
		if n.status != model.NeedDraft {
			needs = append(needs, i)
		}
	}
	for i, x := range g.resources {
		if x.status != model.ResourceDraft {
			res = append(res, i)
		}
	}
	if len(needs)+len(res) == 0 {
		return
	}
	for range g.act(60000) {
		c := sClaim{need: -1, resource: -1}
		var ai, owner int
		var open bool
		var remaining int64
		var from time.Time
		if len(res) == 0 || (len(needs) > 0 && r.IntN(5) < 3) {
			ni := pick(r, needs)
			n := &g.needs[ni]
			c.target, c.need = model.TargetNeed, ni
			ai, owner, remaining, from = n.alliance, n.unit, n.qty-n.accepted, *n.published
			open = n.status == model.NeedPublished
		} else {
			xi := pick(r, res)
			x := &g.resources[xi]
			c.target, c.resource = model.TargetResource, xi
			ai, owner, remaining, from = x.alliance, x.unit, x.capacity-x.accepted, *x.published
			open = x.status == model.ResourceAvailable
		}
		mem := g.membersOf[ai]
		c.claimant = pick(r, mem)
		if c.claimant == owner && len(mem) > 1 {
			for c.claimant == owner {
				c.claimant = pick(r, mem)
			}
		}
		status := weighted(r, []string{model.ClaimAccepted, model.ClaimPending, model.ClaimRejected, model.ClaimWithdrawn}, []int{50, 20, 20, 10})
		if !open && status == model.ClaimPending {
			status = model.ClaimAccepted
		}
		c.qty = max(1, int64(float64(remaining)*(0.1+0.6*r.Float64())))
		if remaining <= 0 {
			c.qty = 1 + int64(r.IntN(10))
		}
		if status == model.ClaimAccepted && c.qty > remaining {
			status = model.ClaimRejected
			c.reason = "数量已满，感谢支持"
		}
		if status == model.ClaimRejected && c.reason == "" {
			c.reason = pick(r, []string{"时间安排冲突", "与需求不完全匹配", "已由其他单位承接", "请补充服务方案后再申请"})
		}
		c.status = status
		if !from.Before(g.end) {
			from = g.end.AddDate(0, 0, -1)
		}
		c.created = at(r, from, g.end.AddDate(0, 0, 1))
		if status == model.ClaimAccepted || status == model.ClaimRejected {
			c.decided = ptr(c.created.Add(time.Duration(1+r.IntN(240)) * time.Hour))
			c.decider = g.userOf(r, owner, ai)
		} else {
			c.decider = -1
		}
		if status == model.ClaimWithdrawn {
			c.reason = ""
		}
		// The claimant's own resource serving the need (or need the resource is for).
		if c.target == model.TargetNeed && len(g.resOf[ai]) > 0 && r.IntN(4) == 0 {
			c.resource = pick(r, g.resOf[ai])
		}
		c.creator = g.userOf(r, c.claimant, -1)
		if status == model.ClaimAccepted {
			if c.target == model.TargetNeed {
				g.needs[c.need].accepted += c.qty
			} else {
				g.resources[c.resource].accepted += c.qty
			}
		}
		g.claims = append(g.claims, c)
	}
	for i := range g.needs {
		n := &g.needs[i]
		n.status = model.NeedStatusFor(n.status, n.accepted, n.qty)
	}
	for i := range g.resources {
		x := &g.resources[i]
		x.status = model.ResourceStatusFor(x.status, x.accepted, x.capacity)
	}
}

func (g *scaleGen) buildProjects() {
	r := g.rng("projects")
	var active []int
	for ai := range g.alliances {
		if len(g.membersOf[ai]) > 0 {
			active = append(active, ai)
		}
	}
	if len(active) == 0 {
		return
	}
	seq := map[string]int{}
	defer func() {
		// The app hands out the next code of a district and year from
		// project_code_counters: start each after the generated ones.
		for _, year := range g.years {
			for _, d := range scaleDistricts {
				n, ok := seq[fmt.Sprintf("%d-%d", year, d.id)]
				taken := g.codesTaken[[2]int64{d.id, int64(year)}]
				if !ok || n <= int(taken) {
					continue
				}
				if taken > 0 {
					g.replaceCounters = append(g.replaceCounters, [2]int64{d.id, int64(year)})
				}
				g.counters = append(g.counters, sCounter{district: d.id, year: year, next: n + 1})
			}
		}
	}()
	perYear := g.act(18000) / len(g.years)
	extra := g.act(18000) % len(g.years)
	for yi, year := range g.years {
		n := perYear
		if yi < extra {
			n++
		}
		yStart := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC)
		yEnd := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
		if yEnd.After(g.end) {
			yEnd = g.end
		}
		current := year == g.end.Year()
		for range n {
			ai := pick(r, active)
			a := g.alliances[ai]
			var status string
			if current {
				status = weighted(r, []string{model.ProjectDraft, model.ProjectSubmitted, model.ProjectReturned, model.ProjectApproved,
					model.ProjectInProgress, model.ProjectCompleted, model.ProjectEvaluated, model.ProjectCancelled}, []int{10, 10, 4, 14, 30, 14, 14, 4})
			} else {
				status = weighted(r, []string{model.ProjectCompleted, model.ProjectEvaluated, model.ProjectCancelled}, []int{15, 80, 5})
			}
			cat := pick(r, needCategories)
			p := sProject{alliance: ai, committee: -1, lead: pick(r, g.membersOf[ai]), category: cat, status: status, year: year,
				budget: int64(5+r.IntN(496)) * 1000 * 100, benef: 50 + r.IntN(5000)}
			if len(g.commOf[ai]) > 0 && r.IntN(2) == 0 {
				p.committee = pick(r, g.commOf[ai])
			}
			p.created = at(r, yStart.AddDate(0, 0, -20), yEnd)
			p.starts = day(p.created).AddDate(0, 0, 15+r.IntN(45))
			p.ends = p.starts.AddDate(0, 2+r.IntN(9), 0)
			if p.ends.After(yEnd.AddDate(0, 11, 0)) {
				p.ends = yEnd
			}
			place := scaleDistricts[a.district].short
			if a.street >= 0 {
				place = streetShort(g.streets[a.street].name)
			}
			p.title = place + pick(r, projectBrands) + projectNouns[cat] + "项目"
			if status != model.ProjectDraft {
				key := fmt.Sprintf("%d-%d", year, scaleDistricts[a.district].id)
				if _, ok := seq[key]; !ok {
					seq[key] = int(g.codesTaken[[2]int64{scaleDistricts[a.district].id, int64(year)}])
				}
				seq[key]++
				p.code = fmt.Sprintf("%s-%04d", key, seq[key])
			}
			p.creator = g.userOf(r, -1, ai)
			pi := len(g.projects)
			g.life(r, pi, &p)
			g.projects = append(g.projects, p)
			if a.street >= 0 && len(g.sitesOf[a.street]) > 0 && r.IntN(2) == 0 {
				seenS := map[int]bool{}
				for range 1 + r.IntN(2) {
					x := pick(r, g.sitesOf[a.street])
					if !seenS[x] {
						seenS[x] = true
						g.projSites = append(g.projSites, sPair{a: pi, b: x})
					}
				}
			}
			// Partner units: the lead and one to three other members.
			g.projUnits = append(g.projUnits, sPair{a: pi, b: p.lead, role: model.ProjectUnitLead})
			seen := map[int]bool{p.lead: true}
			for range 1 + r.IntN(3) {
				u := pick(r, g.membersOf[ai])
				if !seen[u] {
					seen[u] = true
					g.projUnits = append(g.projUnits, sPair{a: pi, b: u, role: model.ProjectUnitPartner})
				}
			}
			if ns := g.needsOf[ai]; len(ns) > 0 && r.IntN(5) < 2 {
				seenN := map[int]bool{}
				for range 1 + r.IntN(2) {
					ni := pick(r, ns)
					if !seenN[ni] && g.needs[ni].status != model.NeedDraft {
						seenN[ni] = true
						g.projNeeds = append(g.projNeeds, sPair{a: pi, b: ni})
					}
				}
			}
			if rs := g.resOf[ai]; len(rs) > 0 && r.IntN(10) < 3 {
				seenR := map[int]bool{}
				for range 1 + r.IntN(2) {
					xi := pick(r, rs)
					if !seenR[xi] && g.resources[xi].status != model.ResourceDraft {
						seenR[xi] = true
						g.projRes = append(g.projRes, sPair{a: pi, b: xi})
					}
				}
			}
		}
	}
}

func (g *scaleGen) buildNotifications() {
	r := g.rng("notifications")
	if len(g.claims) == 0 {
		return
	}
	for range g.act(90000) {
		ci := r.IntN(len(g.claims))
		c := g.claims[ci]
		var ai, owner int
		if c.target == model.TargetNeed {
			ai, owner = g.needs[c.need].alliance, g.needs[c.need].unit
		} else {
			ai, owner = g.resources[c.resource].alliance, g.resources[c.resource].unit
		}
		n := sNote{claim: ci, created: c.created, read: r.IntN(10) < 6, actor: c.creator}
		switch c.status {
		case model.ClaimAccepted:
			n.kind, n.user, n.actor = model.NotifyClaimAccepted, g.userOf(r, c.claimant, -1), c.decider
		case model.ClaimRejected:
			n.kind, n.user, n.actor = model.NotifyClaimRejected, g.userOf(r, c.claimant, -1), c.decider
		case model.ClaimWithdrawn:
			n.kind, n.user = model.NotifyClaimWithdrawn, g.userOf(r, owner, ai)
		default:
			n.kind, n.user = model.NotifyClaimNew, g.userOf(r, owner, ai)
		}
		if c.decided != nil && n.kind != model.NotifyClaimNew {
			n.created = *c.decided
		}
		if n.user < 0 {
			continue
		}
		g.notes = append(g.notes, n)
	}
}

// life fills in the steps a project in its status went through: the dates,
// the review trail, progress updates, funding, and a case for some of the
// best evaluated ones.
func (g *scaleGen) life(r *rand.Rand, pi int, p *sProject) {
	limit := g.end.Add(10 * time.Hour)
	next := func(prev time.Time, minDays, maxDays int) *time.Time {
		t := prev.Add(time.Duration(minDays*24*3600+r.IntN(max(1, (maxDays-minDays)*24*3600))) * time.Second)
		if t.After(limit) {
			t = prev.Add(time.Duration(r.IntN(3600)+60) * time.Second)
		}
		return &t
	}
	a := g.alliances[p.alliance]
	secretary := g.userOf(r, -1, p.alliance)
	reviewer := -1
	if len(g.reviewers[a.district]) > 0 {
		reviewer = pick(r, g.reviewers[a.district])
	}
	review := func(actor int, action, from, to, comment string, at time.Time) {
		g.reviews = append(g.reviews, sReview{project: pi, actor: actor, action: action, from: from, to: to, comment: comment, at: at})
	}
	// Funding: one or two sources that add up to the budget.
	sources := []string{"district_fund", "street_fund", "party_fee", "unit_fund", "social", "other"}
	first := pick(r, sources)
	if r.IntN(2) == 0 {
		second := pick(r, sources)
		if second != first {
			part := p.budget / 100 * int64(30+r.IntN(50))
			g.funding = append(g.funding, sFunding{project: pi, source: first, amount: part}, sFunding{project: pi, source: second, amount: p.budget - part})
		} else {
			g.funding = append(g.funding, sFunding{project: pi, source: first, amount: p.budget})
		}
	} else {
		g.funding = append(g.funding, sFunding{project: pi, source: first, amount: p.budget})
	}
	p.updated = p.created
	if p.status == model.ProjectDraft {
		return
	}
	p.submitted = next(p.created, 1, 10)
	review(secretary, model.ProjectActionSubmit, model.ProjectDraft, model.ProjectSubmitted, "", *p.submitted)
	p.updated = *p.submitted
	switch p.status {
	case model.ProjectSubmitted:
		p.reviewDue = ptr(day(*p.submitted).AddDate(0, 0, 15))
		return
	case model.ProjectReturned:
		t := next(*p.submitted, 1, 14)
		p.returnReason = pick(r, []string{"预算明细不完整，请补充", "请明确受益对象和服务频次", "请补充共建单位的分工"})
		review(reviewer, model.ProjectActionReturn, model.ProjectSubmitted, model.ProjectReturned, p.returnReason, *t)
		p.updated = *t
		return
	case model.ProjectCancelled:
		t := next(*p.submitted, 3, 60)
		p.cancelled, p.cancelReason, p.updated = t, pick(r, []string{"场地无法落实", "需求已由其他项目满足", "牵头单位调整工作计划"}), *t
		review(secretary, model.ProjectActionCancel, model.ProjectSubmitted, model.ProjectCancelled, p.cancelReason, *t)
		return
	}
	p.approved = next(*p.submitted, 1, 14)
	review(reviewer, model.ProjectActionApprove, model.ProjectSubmitted, model.ProjectApproved, "同意立项", *p.approved)
	p.updated = *p.approved
	if p.status == model.ProjectApproved {
		return
	}
	p.started = next(*p.approved, 1, 20)
	review(secretary, model.ProjectActionStart, model.ProjectApproved, model.ProjectInProgress, "", *p.started)
	p.updated = *p.started
	// Progress updates, rising to 100 % at completion.
	n := 1 + r.IntN(3)
	done := p.status == model.ProjectCompleted || p.status == model.ProjectEvaluated
	if done {
		n++
	}
	on := day(*p.started)
	for k := 1; k <= n; k++ {
		pct := k * 100 / (n + 1)
		if done && k == n {
			pct = 100
		}
		on = on.AddDate(0, 0, 7+r.IntN(40))
		if on.After(g.end) {
			on = g.end
		}
		g.updates = append(g.updates, sUpdate{project: pi, creator: g.userOf(r, p.lead, p.alliance), percent: pct,
			benef: p.benef / (n + 1), hours: 5 + r.IntN(120), spent: p.budget / int64(n+1),
			text: pick(r, []string{"完成第一阶段走访和需求摸底", "组织志愿者开展集中服务", "召开共建单位推进会", "完成场地布置并试运行", "开展居民满意度回访"}), on: on})
		p.progress = pct
	}
	if !done {
		return
	}
	p.completed = next(*p.started, 30, 180)
	if p.completed.Before(on.Add(12 * time.Hour)) {
		p.completed = ptr(on.Add(12 * time.Hour))
	}
	p.closing = "项目按计划完成，服务对象满意度较高，形成了可复制的工作经验。"
	review(secretary, model.ProjectActionComplete, model.ProjectInProgress, model.ProjectCompleted, "", *p.completed)
	p.updated = *p.completed
	if p.status == model.ProjectCompleted {
		return
	}
	p.evaluated = next(*p.completed, 5, 30)
	p.score = 55 + r.IntN(46)
	p.grade = model.GradeForScore(p.score)
	p.evalComment = pick(r, []string{"成效明显，群众认可度高", "目标基本达成，建议加强宣传", "组织有序，资源整合充分"})
	g.reviews = append(g.reviews, sReview{project: pi, actor: reviewer, action: model.ProjectActionEvaluate, from: model.ProjectCompleted,
		to: model.ProjectEvaluated, comment: p.evalComment, score: p.score, grade: p.grade, at: *p.evaluated})
	p.updated = *p.evaluated
	if p.score >= 85 && r.IntN(4) == 0 {
		c := sCase{project: pi, nominator: secretary, selector: -1, status: model.CaseNominated,
			writeUp: p.title + "整合联盟成员单位资源，" + p.evalComment + "。", nominated: *next(*p.evaluated, 1, 20)}
		if x := r.IntN(10); x < 6 {
			c.status, c.selector, c.selected = model.CaseSelected, reviewer, next(c.nominated, 3, 30)
			c.level = model.CaseLevelExcellent
			if r.IntN(4) == 0 && model.CaseLevelFits(model.CaseLevelBest, p.grade) {
				c.level = model.CaseLevelBest
			}
		} else if x < 7 {
			c.status, c.selector, c.selected = model.CaseDeclined, reviewer, next(c.nominated, 3, 30)
		}
		g.cases = append(g.cases, c)
	}
}

// counts lists the rows per table, in writing order.
func (g *scaleGen) counts() []ScaleCount {
	return []ScaleCount{
		{"streets", int64(len(g.streets))}, {"grids", int64(len(g.grids))}, {"units", int64(len(g.units))},
		{"service_sites", int64(len(g.sites))}, {"alliances", int64(len(g.alliances))}, {"memberships", int64(len(g.members))},
		{"committees", int64(len(g.committees))}, {"committee_members", int64(len(g.committeeM))}, {"users", int64(len(g.users))},
		{"role_assignments", int64(len(g.users))}, {"needs", int64(len(g.needs))}, {"resources", int64(len(g.resources))},
		{"claims", int64(len(g.claims))}, {"projects", int64(len(g.projects))}, {"project_units", int64(len(g.projUnits))},
		{"project_needs", int64(len(g.projNeeds))}, {"project_resources", int64(len(g.projRes))},
		{"project_sites", int64(len(g.projSites))}, {"project_funding", int64(len(g.funding))},
		{"project_reviews", int64(len(g.reviews))}, {"project_updates", int64(len(g.updates))}, {"cases", int64(len(g.cases))},
		{"project_code_counters", int64(len(g.counters))},
		{"notifications", int64(len(g.notes))}, {"audit_log", 1},
	}
}

func (g *scaleGen) result() *ScaleResult {
	return &ScaleResult{Counts: g.counts(), Logins: g.logins, Years: g.years}
}

// nullID returns the id of index i of table, or nil for -1.
func (g *scaleGen) nullID(table string, i int) any {
	if i < 0 {
		return nil
	}
	return g.id(table, i)
}

func nullTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return *t
}

func nullString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

func phone(r *rand.Rand) string {
	return fmt.Sprintf("1%d%09d", pick(r, []int{33, 35, 36, 37, 38, 39, 50, 58, 59, 80, 86, 89}), r.IntN(1_000_000_000))
}

// rowRand is the random stream of one row's free text, so that it does not
// depend on what was generated before.
func (g *scaleGen) rowRand(table string, i int) *rand.Rand {
	h := fnv.New64a()
	_, _ = h.Write([]byte(table))
	return rand.New(rand.NewPCG(g.o.Seed^h.Sum64(), uint64(i)))
}

func (g *scaleGen) write(ctx context.Context, db *store.DB) error {
	counts := g.counts()
	var total, done int64
	for _, c := range counts {
		total += c.Rows
	}
	return db.BulkLoad(ctx, func(w *store.BulkWriter) error {
		var before int64
		w.Progress = func(table string, rows int) {
			done = before + int64(rows)
			if g.o.Progress != nil {
				g.o.Progress(table, done, total)
			}
		}
		step := func(table string, cols []string, n int, row func(i int, dst []any)) error {
			if err := w.Copy(ctx, table, cols, n, row); err != nil {
				return err
			}
			before += int64(n)
			return nil
		}
		created := g.start.AddDate(-1, 0, 0)
		if err := step("streets", []string{"id", "district_id", "code", "name", "status", "created_at", "updated_at"}, len(g.streets), func(i int, v []any) {
			s := g.streets[i]
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = g.id("streets", i), scaleDistricts[s.district].id, s.code, s.name, model.StatusActive, created, created
		}); err != nil {
			return err
		}
		if err := step("grids", []string{"id", "street_id", "district_id", "code", "name", "status", "created_at", "updated_at"}, len(g.grids), func(i int, v []any) {
			x := g.grids[i]
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("grids", i), g.id("streets", x.street), scaleDistricts[g.streets[x.street].district].id,
				x.code, x.name, model.StatusActive, created, created
		}); err != nil {
			return err
		}
		if err := step("units", []string{"id", "name", "credit_code", "kind", "district_id", "street_id", "address", "party_org", "party_members",
			"contact_name", "contact_phone", "status", "version", "created_at", "updated_at"}, len(g.units), func(i int, v []any) {
			u := g.units[i]
			r := g.rowRand("units", i)
			d := scaleDistricts[u.district]
			street := g.streets[max(u.street, 0)].name
			status := model.StatusActive
			if r.IntN(50) == 0 {
				status = model.StatusInactive
			}
			org := u.name + pick(r, []string{"党委", "党总支", "党支部"})
			if strings.HasSuffix(u.name, "党总支") || strings.HasSuffix(u.name, "党支部") {
				org = u.name
			}
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("units", i), u.name, nullString(u.code), u.kind, d.id, g.nullID("streets", u.street)
			v[6] = fmt.Sprintf("上海市%s%s%s路%d号", d.name, streetShort(street), pick(r, commPrefixes), 1+r.IntN(999))
			v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14] = org, int64(3+r.IntN(300)), g.personName(r), phone(r), status, int64(1), u.created, u.created
		}); err != nil {
			return err
		}
		if err := step("service_sites", []string{"id", "name", "kind", "district_id", "street_id", "grid_id", "address", "opening_hours", "facilities",
			"seats", "managing_unit_id", "status", "version", "created_at", "updated_at"}, len(g.sites), func(i int, v []any) {
			s := g.sites[i]
			r := g.rowRand("service_sites", i)
			st := g.streets[s.street]
			d := scaleDistricts[st.district]
			status := model.StatusActive
			if r.IntN(40) == 0 {
				status = model.StatusInactive
			}
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("service_sites", i), s.name, s.kind, d.id, g.id("streets", s.street), g.nullID("grids", s.grid)
			v[6] = fmt.Sprintf("上海市%s%s%s路%d号", d.name, streetShort(st.name), pick(r, commPrefixes), 1+r.IntN(999))
			v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14] = pick(r, siteHours), pick(r, facilities), int64(10+r.IntN(200)), g.nullID("units", s.manager),
				status, int64(1), created, created
		}); err != nil {
			return err
		}
		if err := step("alliances", []string{"id", "name", "kind", "level", "district_id", "street_id", "founded_on", "description", "status", "version",
			"created_at", "updated_at"}, len(g.alliances), func(i int, v []any) {
			a := g.alliances[i]
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("alliances", i), a.name, a.kind, a.level, scaleDistricts[a.district].id, g.nullID("streets", a.street)
			v[6], v[7], v[8], v[9], v[10], v[11] = a.founded, a.desc, model.StatusActive, int64(1), a.founded, a.founded
		}); err != nil {
			return err
		}
		if err := step("memberships", []string{"id", "alliance_id", "unit_id", "rank", "joined_on", "left_on", "letter_signed_on", "created_at", "updated_at"},
			len(g.members), func(i int, v []any) {
				m := g.members[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] = g.id("memberships", i), g.id("alliances", m.alliance), g.id("units", m.unit), m.rank,
					m.joined, nullTime(m.left), nullTime(m.letter), m.joined, m.joined
			}); err != nil {
			return err
		}
		if err := step("committees", []string{"id", "alliance_id", "name", "theme", "convenor_unit_id", "status", "created_at", "updated_at"},
			len(g.committees), func(i int, v []any) {
				c := g.committees[i]
				f := g.alliances[c.alliance].founded
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("committees", i), g.id("alliances", c.alliance), c.name, c.theme, g.id("units", c.convenor),
					model.StatusActive, f, f
			}); err != nil {
			return err
		}
		if err := step("committee_members", []string{"id", "committee_id", "unit_id", "created_at", "updated_at"}, len(g.committeeM), func(i int, v []any) {
			p := g.committeeM[i]
			v[0], v[1], v[2], v[3], v[4] = g.id("committee_members", i), g.id("committees", p.a), g.id("units", p.b), created, created
		}); err != nil {
			return err
		}
		if err := step("users", []string{"id", "username", "display_name", "phone", "email", "status", "password_hash", "must_change_password",
			"password_changed_at", "failed_attempts", "version", "created_at", "updated_at"}, len(g.users), func(i int, v []any) {
			u := g.users[i]
			r := g.rowRand("users", i)
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = g.id("users", i), u.username, u.display, phone(r), "", model.UserActive, g.o.PasswordHash
			v[7], v[8], v[9], v[10], v[11], v[12] = false, u.created, int64(0), int64(1), u.created, u.created
		}); err != nil {
			return err
		}
		if err := step("role_assignments", []string{"id", "user_id", "role", "domain", "valid_from", "source", "created_at", "updated_at"},
			len(g.users), func(i int, v []any) {
				u := g.users[i]
				v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("role_assignments", i), g.id("users", i), u.role, u.domain, u.created,
					model.SourceSeed, u.created, u.created
			}); err != nil {
			return err
		}
		if err := step("needs", []string{"id", "alliance_id", "district_id", "submitter_unit_id", "title", "description", "category", "resource_kind",
			"street_id", "grid_id", "quantity", "measure", "accepted_quantity", "beneficiaries", "wanted_by", "visibility", "status", "close_reason",
			"published_at", "created_by", "version", "created_at", "updated_at"}, len(g.needs), func(i int, v []any) {
			n := g.needs[i]
			r := g.rowRand("needs", i)
			reason := ""
			if n.status == model.NeedClosed {
				reason = pick(r, []string{"居民需求已通过其他渠道解决", "项目调整，需求合并", "需求方撤回"})
			}
			v[0], v[1], v[2], v[3], v[4] = g.id("needs", i), g.id("alliances", n.alliance), scaleDistricts[g.alliances[n.alliance].district].id, g.id("units", n.unit), n.title
			v[5] = fmt.Sprintf("%s。预计受益约%d人次，请有意向的成员单位认领。", n.title, n.benef)
			v[6], v[7], v[8], v[9], v[10], v[11], v[12] = n.category, n.kind, g.nullID("streets", n.street), g.nullID("grids", n.grid), n.qty, n.measure, n.accepted
			v[13], v[14], v[15], v[16], v[17], v[18] = int64(n.benef), nullTime(n.wanted), n.visibility, n.status, reason, nullTime(n.published)
			updated := n.created
			if n.published != nil {
				updated = *n.published
			}
			v[19], v[20], v[21], v[22] = g.nullID("users", n.creator), int64(1), n.created, updated
		}); err != nil {
			return err
		}
		if err := step("resources", []string{"id", "alliance_id", "district_id", "provider_unit_id", "title", "description", "kind", "category",
			"service_site_id", "street_id", "capacity", "measure", "accepted_quantity", "available_from", "available_until", "visibility", "status",
			"withdraw_reason", "published_at", "created_by", "version", "created_at", "updated_at"}, len(g.resources), func(i int, v []any) {
			x := g.resources[i]
			r := g.rowRand("resources", i)
			reason := ""
			if x.status == model.ResourceWithdrawn {
				reason = pick(r, []string{"场地改造暂停开放", "人员调整", "资金计划变更"})
			}
			v[0], v[1], v[2], v[3], v[4] = g.id("resources", i), g.id("alliances", x.alliance), scaleDistricts[g.alliances[x.alliance].district].id, g.id("units", x.unit), x.title
			v[5] = x.title + "，面向联盟成员单位和辖区居民开放，请提前一周预约。"
			v[6], v[7], v[8], v[9], v[10], v[11], v[12] = x.kind, x.category, g.nullID("service_sites", x.site), g.nullID("streets", x.street), x.capacity, x.measure, x.accepted
			v[13], v[14], v[15], v[16], v[17], v[18] = x.from, x.until, x.visibility, x.status, reason, nullTime(x.published)
			updated := x.created
			if x.published != nil {
				updated = *x.published
			}
			v[19], v[20], v[21], v[22] = g.nullID("users", x.creator), int64(1), x.created, updated
		}); err != nil {
			return err
		}
		if err := step("claims", []string{"id", "target", "need_id", "resource_id", "alliance_id", "district_id", "claimant_unit_id", "quantity", "note",
			"status", "decided_by", "decided_at", "reason", "created_by", "version", "created_at", "updated_at"}, len(g.claims), func(i int, v []any) {
			c := g.claims[i]
			r := g.rowRand("claims", i)
			var ai int
			if c.target == model.TargetNeed {
				ai = g.needs[c.need].alliance
			} else {
				ai = g.resources[c.resource].alliance
			}
			updated := c.created
			if c.decided != nil {
				updated = *c.decided
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("claims", i), c.target, g.nullID("needs", c.need), g.nullID("resources", c.resource),
				g.id("alliances", ai), scaleDistricts[g.alliances[ai].district].id, g.id("units", c.claimant), c.qty
			v[8] = pick(r, []string{"我单位可安排人员对接", "可在周末时段提供", "请联系我单位联络员", "", "已与社区沟通，可长期支持"})
			v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16] = c.status, g.nullID("users", c.decider), nullTime(c.decided), c.reason,
				g.nullID("users", c.creator), int64(1), c.created, updated
		}); err != nil {
			return err
		}
		if err := step("projects", []string{"id", "code", "alliance_id", "district_id", "committee_id", "lead_unit_id", "title", "summary", "category",
			"year", "starts_on", "ends_on", "budget_fen", "target_beneficiaries", "status", "return_reason", "created_by", "version", "created_at",
			"updated_at", "submitted_at", "review_due_on", "approved_at", "started_at", "completed_at", "evaluated_at", "cancelled_at", "score",
			"grade", "evaluation_comment", "closing_report", "cancel_reason", "progress_percent"}, len(g.projects), func(i int, v []any) {
			p := g.projects[i]
			var code any
			if p.code != "" {
				code = p.code
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = g.id("projects", i), code, g.id("alliances", p.alliance), scaleDistricts[g.alliances[p.alliance].district].id,
				g.nullID("committees", p.committee), g.id("units", p.lead), p.title
			v[7] = fmt.Sprintf("%s，由%s牵头，联盟成员单位共同参与，计划服务%d人次。", p.title, g.units[p.lead].name, p.benef)
			v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15] = p.category, int64(p.year), p.starts, p.ends, p.budget, int64(p.benef), p.status, p.returnReason
			v[16], v[17], v[18], v[19] = g.nullID("users", p.creator), int64(1), p.created, p.updated
			var score any
			if p.score > 0 {
				score = int64(p.score)
			}
			v[20], v[21], v[22], v[23], v[24], v[25], v[26] = nullTime(p.submitted), nullTime(p.reviewDue), nullTime(p.approved),
				nullTime(p.started), nullTime(p.completed), nullTime(p.evaluated), nullTime(p.cancelled)
			v[27], v[28], v[29], v[30], v[31], v[32] = score, p.grade, p.evalComment, p.closing, p.cancelReason, int64(p.progress)
		}); err != nil {
			return err
		}
		if err := step("project_units", []string{"id", "project_id", "unit_id", "role", "created_at", "updated_at"}, len(g.projUnits), func(i int, v []any) {
			x := g.projUnits[i]
			t := g.projects[x.a].created
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("project_units", i), g.id("projects", x.a), g.id("units", x.b), x.role, t, t
		}); err != nil {
			return err
		}
		if err := step("project_needs", []string{"id", "project_id", "need_id", "created_at", "updated_at"}, len(g.projNeeds), func(i int, v []any) {
			x := g.projNeeds[i]
			t := g.projects[x.a].created
			v[0], v[1], v[2], v[3], v[4] = g.id("project_needs", i), g.id("projects", x.a), g.id("needs", x.b), t, t
		}); err != nil {
			return err
		}
		if err := step("project_resources", []string{"id", "project_id", "resource_id", "created_at", "updated_at"}, len(g.projRes), func(i int, v []any) {
			x := g.projRes[i]
			t := g.projects[x.a].created
			v[0], v[1], v[2], v[3], v[4] = g.id("project_resources", i), g.id("projects", x.a), g.id("resources", x.b), t, t
		}); err != nil {
			return err
		}
		if err := step("project_sites", []string{"id", "project_id", "service_site_id", "created_at", "updated_at"}, len(g.projSites), func(i int, v []any) {
			x := g.projSites[i]
			t := g.projects[x.a].created
			v[0], v[1], v[2], v[3], v[4] = g.id("project_sites", i), g.id("projects", x.a), g.id("service_sites", x.b), t, t
		}); err != nil {
			return err
		}
		if err := step("project_funding", []string{"id", "project_id", "source", "amount_fen", "created_at", "updated_at"}, len(g.funding), func(i int, v []any) {
			x := g.funding[i]
			t := g.projects[x.project].created
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("project_funding", i), g.id("projects", x.project), x.source, x.amount, t, t
		}); err != nil {
			return err
		}
		if err := step("project_reviews", []string{"id", "project_id", "actor_id", "action", "from_status", "to_status", "comment", "private_note",
			"score", "grade", "created_at", "updated_at"}, len(g.reviews), func(i int, v []any) {
			x := g.reviews[i]
			var score any
			if x.score > 0 {
				score = int64(x.score)
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("project_reviews", i), g.id("projects", x.project), g.nullID("users", x.actor),
				x.action, x.from, x.to, x.comment, ""
			v[8], v[9], v[10], v[11] = score, x.grade, x.at, x.at
		}); err != nil {
			return err
		}
		if err := step("project_updates", []string{"id", "project_id", "percent", "text", "beneficiaries", "volunteer_hours", "funds_spent_fen",
			"happened_on", "created_by", "created_at", "updated_at"}, len(g.updates), func(i int, v []any) {
			x := g.updates[i]
			t := x.on.Add(9 * time.Hour)
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = g.id("project_updates", i), g.id("projects", x.project), int64(x.percent), x.text,
				int64(x.benef), int64(x.hours), x.spent
			v[7], v[8], v[9], v[10] = x.on, g.nullID("users", x.creator), t, t
		}); err != nil {
			return err
		}
		if err := step("cases", []string{"id", "project_id", "alliance_id", "district_id", "year", "theme", "level", "write_up", "status",
			"nominated_by", "nominated_at", "selected_by", "selected_at", "version", "created_at", "updated_at"}, len(g.cases), func(i int, v []any) {
			x := g.cases[i]
			p := g.projects[x.project]
			updated := x.nominated
			if x.selected != nil {
				updated = *x.selected
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7] = g.id("cases", i), g.id("projects", x.project), g.id("alliances", p.alliance),
				scaleDistricts[g.alliances[p.alliance].district].id, int64(p.year), p.category, x.level, x.writeUp
			v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15] = x.status, g.nullID("users", x.nominator), x.nominated, g.nullID("users", x.selector),
				nullTime(x.selected), int64(1), x.nominated, updated
		}); err != nil {
			return err
		}
		if err := w.DeleteProjectCodeCounters(ctx, g.replaceCounters); err != nil {
			return err
		}
		if err := step("project_code_counters", []string{"id", "district_id", "year", "next_seq", "created_at", "updated_at"}, len(g.counters), func(i int, v []any) {
			x := g.counters[i]
			v[0], v[1], v[2], v[3], v[4], v[5] = g.id("project_code_counters", i), x.district, int64(x.year), int64(x.next), created, created
		}); err != nil {
			return err
		}
		if err := step("notifications", []string{"id", "user_id", "kind", "subject_kind", "subject_id", "actor_id", "params", "link", "read_at",
			"created_at", "updated_at"}, len(g.notes), func(i int, v []any) {
			n := g.notes[i]
			c := g.claims[n.claim]
			title, link := "", ""
			if c.target == model.TargetNeed {
				title, link = g.needs[c.need].title, fmt.Sprintf("/needs/%d", g.id("needs", c.need))
			} else {
				title, link = g.resources[c.resource].title, fmt.Sprintf("/resources/%d", g.id("resources", c.resource))
			}
			params, _ := json.Marshal(map[string]any{"title": title, "unit": g.units[c.claimant].name, "quantity": c.qty})
			var read any
			if n.read {
				read = n.created.Add(3 * time.Hour)
			}
			v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10] = g.id("notifications", i), g.id("users", n.user), n.kind, "claim",
				g.id("claims", n.claim), g.nullID("users", n.actor), string(params), link, read, n.created, n.created
		}); err != nil {
			return err
		}
		// One audit row says what filled the database.
		now := time.Now().UTC()
		return step("audit_log", []string{"id", "username", "action", "object_kind", "changes", "created_at", "updated_at"}, 1, func(i int, v []any) {
			b, _ := json.Marshal(map[string]any{"scale": g.o.Scale, "seed": g.o.Seed, "years": g.years})
			v[0], v[1], v[2], v[3], v[4], v[5], v[6] = g.id("audit_log", i), "cli", "seed.scale", "database", string(b), now, now
		})
	})
}

const seedUsage = "tongxin seed --demo | --scale N [--seed S] [--force] [--config FILE]"

// runSeedScale is `tongxin seed --scale N`: migrate, generate, report.
func runSeedScale(ctx context.Context, cl *cli, o ScaleOptions) error {
	cfg, err := cl.config()
	if err != nil {
		return err
	}
	log := NewLogger(cfg, cl.stderr)
	db, err := OpenDB(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := Migrate(ctx, db, log); err != nil {
		return err
	}
	pw, ok := cl.env("TONGXIN_DEMO_PASSWORD")
	if !ok || pw == "" {
		pw = DefaultDemoPassword
	}
	auth, err := service.NewAuth(db, service.AuthOptions{PasswordProfile: cfg.Security.PasswordProfile})
	if err != nil {
		return err
	}
	if o.PasswordHash, err = auth.HashPassword(pw); err != nil {
		return err
	}
	bar := newProgressBar(cl.stderr)
	o.Progress = bar.update
	start := time.Now()
	res, err := SeedScale(ctx, db, o)
	bar.finish()
	if err != nil {
		if errors.Is(err, store.ErrHoldsData) {
			return &exitError{code: 1, msg: err.Error()}
		}
		return err
	}
	took := time.Since(start)
	tw := tabwriter.NewWriter(cl.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, c := range res.Counts {
		fmt.Fprintf(tw, "%s\t%d\t\n", c.Table, c.Rows)
	}
	tw.Flush()
	fmt.Fprintf(cl.stdout, "generated scale %v (seed %d, years %d–%d) on %s: %d rows in %s (%.0f rows/s)\n",
		o.Scale, o.Seed, res.Years[0], res.Years[len(res.Years)-1], db.Dialect(), res.Rows(), took.Round(100*time.Millisecond),
		float64(res.Rows())/took.Seconds())
	fmt.Fprintln(cl.stdout, "log in as (password "+pw+"):")
	for _, l := range res.Logins {
		fmt.Fprintf(cl.stdout, "  %-24s %s %s\n", l.Username, l.Role, l.Domain)
	}
	return nil
}

// progressBar draws one line rewritten with \r when w is a terminal, and a
// plain line per table otherwise (logs, CI).
type progressBar struct {
	w     io.Writer
	tty   bool
	table string
	last  time.Time
	start time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			b.tty = true
		}
	}
	return b
}

func (b *progressBar) update(table string, done, total int64) {
	if !b.tty {
		if table != b.table {
			b.table = table
			fmt.Fprintf(b.w, "seed: %s… %d/%d rows, %s\n", table, done, total, time.Since(b.start).Round(time.Second))
		}
		return
	}
	if time.Since(b.last) < 100*time.Millisecond && done < total {
		return
	}
	b.last = time.Now()
	const width = 30
	frac := float64(done) / float64(max(total, 1))
	n := int(frac * width)
	fmt.Fprintf(b.w, "\r[%s%s] %3.0f%% %9d/%d rows  %-18s %s", strings.Repeat("#", n), strings.Repeat(".", width-n),
		frac*100, done, total, table, time.Since(b.start).Round(time.Second))
	b.drawn = true
}

func (b *progressBar) finish() {
	if b.tty && b.drawn {
		fmt.Fprintln(b.w)
	}
}
