package service_test

import (
	"context"
	"errors"
	"testing"

	"tongxin/internal/model"
	"tongxin/internal/service"
	"tongxin/internal/store"
	"tongxin/internal/testenv"
)

// TestProjectEvaluateGrade: the grade follows from the score (an empty
// grade takes the score's band, another is refused on the field "grade"),
// only 优/良 projects can be nominated, and 最佳 needs 优; on both databases.
func TestProjectEvaluateGrade(t *testing.T) {
	testenv.EachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		w := projectSetup(t, db)
		evaluate := func(score int, grade string) (*model.Project, error) {
			p, _ := w.inStatus(t, model.ProjectCompleted)
			return w.svc.Fire(ctx, as(w.reviewer), p.ID, model.ProjectActionEvaluate,
				service.ActionInput{Version: p.Version, Score: &score, Grade: grade, Comment: "评估意见"})
		}
		// 结项 records the progress as 100%, whatever the last report said.
		running, evidence := w.inStatus(t, model.ProjectInProgress)
		if err := db.SetProjectProgress(ctx, running.ID, 30); err != nil {
			t.Fatal(err)
		}
		running, _ = db.ProjectByID(ctx, running.ID)
		done, err := w.svc.Fire(ctx, as(w.secretary), running.ID, model.ProjectActionComplete,
			service.ActionInput{Version: running.Version, ClosingReport: "完成", EvidenceIDs: []int64{evidence}})
		if err != nil || done.ProgressPercent != 100 {
			t.Fatalf("complete at 30%%: %+v %v", done, err)
		}
		// 92 with 差: refused, naming the grade field; nothing changes.
		p, err := evaluate(92, model.GradePoor)
		var ve *model.ValidationError
		if !errors.As(err, &ve) || ve.Fields["grade"] != "project.grade_mismatch.excellent" {
			t.Fatalf("92 差: %v %+v", err, ve)
		}
		if p != nil {
			t.Fatalf("92 差 accepted: %+v", p)
		}
		for _, c := range []struct {
			score       int
			grade, want string
		}{
			{92, "", model.GradeExcellent}, {92, model.GradeExcellent, model.GradeExcellent},
			{85, "", model.GradeGood}, {70, "", model.GradeFair}, {59, "", model.GradePoor}, {59, model.GradePoor, model.GradePoor},
		} {
			p, err := evaluate(c.score, c.grade)
			if err != nil || p.Grade != c.want || p.Score == nil || *p.Score != c.score {
				t.Errorf("%d %q: %+v %v, want %s", c.score, c.grade, p, err, c.want)
			}
			if err == nil {
				reviews, _, _ := w.svc.Reviews(ctx, as(w.reviewer), p.ID)
				if len(reviews) != 1 || reviews[0].Grade != c.want {
					t.Errorf("%d: review %+v", c.score, reviews)
				}
			}
		}
		if _, err := evaluate(101, ""); !errors.As(err, &ve) || ve.Fields["score"] != "project.bad_score" {
			t.Errorf("101: %v", err)
		}

		// Nomination: 中 and 差 are refused (and the page offers no button); 良 goes.
		fair, _ := evaluate(70, "")
		if v, _ := w.svc.Get(ctx, as(w.secretary), fair.ID); v.Perms.Nominate {
			t.Error("a 中 project offers 推荐为案例")
		}
		var re *model.RuleError
		if _, err := w.svc.Nominate(ctx, as(w.secretary), fair.ID, service.CaseInput{WriteUp: "x"}); !errors.As(err, &re) || re.Message != "case.grade_too_low" {
			t.Errorf("nominate 中: %v", err)
		}
		good, _ := evaluate(85, "")
		if v, _ := w.svc.Get(ctx, as(w.secretary), good.ID); !v.Perms.Nominate {
			t.Error("a 良 project offers no 推荐为案例")
		}
		c, err := w.svc.Nominate(ctx, as(w.secretary), good.ID, service.CaseInput{WriteUp: "x"})
		if err != nil {
			t.Fatalf("nominate 良: %v", err)
		}
		// 最佳 needs 优: refused on level for a 良 project; 优秀 goes.
		if _, err := w.svc.Select(ctx, as(w.reviewer), c.ID, true, service.CaseInput{Level: model.CaseLevelBest, WriteUp: "经验", Version: c.Version}); !errors.As(err, &ve) || ve.Fields["level"] != "case.level_needs.best" {
			t.Errorf("best for 良: %v", err)
		}
		if c, err = w.svc.Select(ctx, as(w.reviewer), c.ID, true, service.CaseInput{Level: model.CaseLevelExcellent, WriteUp: "经验", Version: c.Version}); err != nil || c.Level != model.CaseLevelExcellent {
			t.Errorf("excellent for 良: %+v %v", c, err)
		}
		best, _ := evaluate(95, "")
		c, err = w.svc.Nominate(ctx, as(w.secretary), best.ID, service.CaseInput{WriteUp: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if c, err = w.svc.Select(ctx, as(w.reviewer), c.ID, true, service.CaseInput{Level: model.CaseLevelBest, WriteUp: "经验", Version: c.Version}); err != nil || c.Level != model.CaseLevelBest {
			t.Errorf("best for 优: %+v %v", c, err)
		}
	})
}
