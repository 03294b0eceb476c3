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
		{UserID: u.ID, Kind: "no_such_kind", SubjectKind: "meeting", SubjectID: 1, Params: `{"args":["x"]}`},
	}
	if err := srv.DB.CreateNotifications(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	c := srv.Client(t)
	c.Login("reader", testenv.Password)
	text := c.Get("/inbox").Doc(t).Find("main").Text()
	for _, want := range []string{"项目 2026-310104-0007“化工一村148号楼加装电梯”被退回，理由：预算依据不足", "项目 #8“垃圾分类宣传”已提交审核", "系统消息"} {
		if !strings.Contains(text, want) {
			t.Errorf("inbox lacks %q", want)
		}
	}
}
