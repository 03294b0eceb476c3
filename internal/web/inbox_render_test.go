package web_test

import (
	"context"
	"strings"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/testenv"
)

// TestInboxRendersEveryKindOfNotice: the inbox writes project notices
// (code, title, reason) and notices in the generic {"args": [...]} form in
// the reader's language, and a kind it does not know as 系统消息.
func TestInboxRendersEveryKindOfNotice(t *testing.T) {
	srv := testenv.NewServer(t, testenv.Dialects[0])
	u := srv.CreateUser(t, "reader", model.RoleDistrictReviewer, "district:310104")
	ns := []model.Notification{
		{UserID: u.ID, Kind: "project_return", SubjectKind: "project", SubjectID: 7,
			Params: `{"project_id":7,"code":"2026-310104-0007","title":"化工一村148号楼加装电梯","action":"return","status":"returned","comment":"预算依据不足"}`},
		{UserID: u.ID, Kind: "project_submit", SubjectKind: "project", SubjectID: 8,
			Params: `{"project_id":8,"title":"垃圾分类宣传","action":"submit","status":"submitted"}`},
		{UserID: u.ID, Kind: "case_selected", SubjectKind: "case", SubjectID: 3,
			Params: `{"case_id":3,"project_id":9,"code":"2026-310104-0009","title":"老年助餐送餐服务","level":"best"}`},
		{UserID: u.ID, Kind: "case_nominated", SubjectKind: "case", SubjectID: 4,
			Params: `{"case_id":4,"project_id":10,"code":"2026-310104-0010","title":"青少年暑期托管班","level":""}`},
		{UserID: u.ID, Kind: "no_such_kind", SubjectKind: "meeting", SubjectID: 1, Params: `{"args":["x"]}`},
	}
	if err := srv.DB.CreateNotifications(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	defer func() { // only the unknown kind reads 系统消息
		text := srv.Client(t)
		text.Login("reader", testenv.Password)
		if n := strings.Count(text.Get("/inbox").Doc(t).Find("main").Text(), "系统消息"); n != 1 {
			t.Errorf("系统消息 %d times, want 1 (the unknown kind)", n)
		}
	}()
	c := srv.Client(t)
	c.Login("reader", testenv.Password)
	text := c.Get("/inbox").Doc(t).Find("main").Text()
	for _, want := range []string{"项目 2026-310104-0007“化工一村148号楼加装电梯”被退回，理由：预算依据不足", "项目 #8“垃圾分类宣传”已提交审核", "系统消息",
		"项目 2026-310104-0009“老年助餐送餐服务”入选案例库，案例等级：最佳。", "项目 2026-310104-0010“青少年暑期托管班”被推荐为案例，请评选。"} {
		if !strings.Contains(text, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
}
