package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"tongxin/internal/app"
	"tongxin/internal/model"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestBrowserSecretaryJourney: the alliance secretary adds a member unit with
// a wrong credit code, sees the error next to the field with everything typed
// kept, corrects it, adds the unit to the alliance as 成员单位, then imports a
// file of units and watches the progress finish.
func TestBrowserSecretaryJourney(t *testing.T) {
	srv := testenv.NewServer(t, store.SQLite)
	srv.FixClock(testenv.Now(t, testenv.Midyear))
	ctx := context.Background()
	if _, err := app.SeedDemo(ctx, srv.DB, srv.App.Auth, testenv.Password); err != nil {
		t.Fatal(err)
	}
	if err := srv.App.Authz.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	var allianceID int64
	if err := srv.DB.SQL().QueryRow(`SELECT id FROM alliances WHERE name = '凌云路街道区域化党建联盟'`).Scan(&allianceID); err != nil {
		t.Fatal(err)
	}
	b := testenv.NewBrowser(t)
	shot := func(name string) { b.Screenshot(testenv.ArtifactPath(t, name)) }

	b.Navigate(srv.URL + "/login")
	b.SendKeys(`#username`, "secretary")
	b.SendKeys(`#password`, testenv.Password)
	b.Submit(`form[action="/login"]`)
	b.WaitVisible(`details.user-menu`)

	// 1. A unit with a wrong check character.
	first17 := "91310104MA1JNY7Q0"
	good := first17 + string(model.CreditCodeCheckChar(first17))
	bad := first17 + map[bool]string{true: "1", false: "2"}[good[17] != '1']
	b.Navigate(srv.URL + "/units/new")
	b.WaitVisible(`#name`)
	b.SendKeys(`#name`, "上海凌云社区书画协会")
	b.SendKeys(`#credit_code`, bad)
	b.SetValue(`#kind`, "social_org")
	b.SendKeys(`#address`, "上海市徐汇区梅陇路380号")
	b.SendKeys(`#contact_name`, "周敏")
	b.SendKeys(`#contact_phone`, "13916001234")
	b.Submit(`form[action="/units"]`)
	b.WaitVisible(`#credit_code-error`)
	shot("1-wrong-credit-code.png")
	if msg := b.Text(`#credit_code-error`); !strings.Contains(msg, "第 18 位") {
		t.Fatalf("credit code error %q", msg)
	}
	for sel, want := range map[string]string{"#name": "上海凌云社区书画协会", "#address": "上海市徐汇区梅陇路380号", "#contact_phone": "13916001234"} {
		if got := testenv.RunValue(b, chromedp.Value(chromedp.CSS(sel))); got != want {
			t.Errorf("%s lost what was typed: %q", sel, got)
		}
	}

	// 2. Corrected, it saves.
	b.SetValue(`#credit_code`, good)
	b.Submit(`form[action="/units"]`)
	b.WaitVisible(`.flash-success`)
	var unitID int64
	if err := srv.DB.SQL().QueryRow(`SELECT id FROM units WHERE credit_code = ?`, good).Scan(&unitID); err != nil {
		t.Fatalf("the corrected unit was not saved: %v", err)
	}

	// 3. The secretary lands on the alliance with the new unit chosen; into the
	// alliance as 成员单位.
	if loc := b.Location(); !strings.Contains(loc, fmt.Sprintf("/alliances/%d", allianceID)) {
		t.Fatalf("after creating a unit the secretary is at %s", loc)
	}
	if got := testenv.RunValue(b, chromedp.Value(chromedp.CSS(`#add-unit_id`))); got != fmt.Sprint(unitID) {
		t.Errorf("the new unit is not preselected: %q", got)
	}
	b.SetValue(`#add-rank`, model.RankMember)
	b.Submit(fmt.Sprintf(`form[action="/alliances/%d/members"]`, allianceID))
	b.WaitVisible(`.flash-success`)
	shot("2-member-added.png")
	var rank string
	if err := srv.DB.SQL().QueryRow(`SELECT rank FROM memberships WHERE alliance_id = ? AND unit_id = ? AND left_on IS NULL`, allianceID, unitID).Scan(&rank); err != nil || rank != model.RankMember {
		t.Fatalf("membership: %q %v", rank, err)
	}

	// 4. Import the template (one example row) and watch it finish.
	c := srv.Client(t)
	c.Login("secretary", testenv.Password)
	res := c.Get("/imports/template/units.xlsx")
	if res.Status != 200 || len(res.Body) < 100 {
		t.Fatalf("template: %d", res.Status)
	}
	file := filepath.Join(t.TempDir(), "units.xlsx")
	if err := os.WriteFile(file, []byte(res.Body), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Navigate(srv.URL + "/imports/new?kind=units")
	b.WaitVisible(`#file`)
	b.Run(chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{file}))
	b.Submit(`form[action="/imports"]`)
	b.WaitVisible(`#import-progress .tag-completed`)
	shot("3-import-done.png")
	if txt := b.Text(`#import-progress`); !strings.Contains(txt, "已完成") {
		t.Errorf("import progress: %q", txt)
	}
	var errs []string
	for _, e := range b.NetworkErrors() {
		if !strings.HasPrefix(e, "422 ") { // step 1's refusal is expected
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		t.Errorf("network or script errors:\n%s", strings.Join(errs, "\n"))
	}
}
