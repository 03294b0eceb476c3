package model

import "testing"

func TestGradeForScore(t *testing.T) {
	for _, c := range []struct {
		score int
		want  string
	}{
		{100, GradeExcellent}, {92, GradeExcellent}, {90, GradeExcellent},
		{89, GradeGood}, {85, GradeGood}, {80, GradeGood},
		{79, GradeFair}, {60, GradeFair},
		{59, GradePoor}, {0, GradePoor},
		{-1, ""}, {101, ""},
	} {
		if got := GradeForScore(c.score); got != c.want {
			t.Errorf("GradeForScore(%d) = %q, want %q", c.score, got, c.want)
		}
	}
}

func TestCaseRules(t *testing.T) {
	for _, c := range []struct {
		grade               string
		nominable, best, ex bool
	}{
		{GradeExcellent, true, true, true},
		{GradeGood, true, false, true},
		{GradeFair, false, false, false},
		{GradePoor, false, false, false},
		{"", false, false, false},
	} {
		if got := CaseNominable(c.grade); got != c.nominable {
			t.Errorf("CaseNominable(%q) = %v", c.grade, got)
		}
		if got := CaseLevelFits(CaseLevelBest, c.grade); got != c.best {
			t.Errorf("best fits %q = %v", c.grade, got)
		}
		if got := CaseLevelFits(CaseLevelExcellent, c.grade); got != c.ex {
			t.Errorf("excellent fits %q = %v", c.grade, got)
		}
	}
	if CaseLevelFits("gold", GradeExcellent) {
		t.Error("unknown level fits")
	}
}

func TestProjectProgress(t *testing.T) {
	for _, c := range []struct {
		status        string
		percent, want int
	}{
		{ProjectInProgress, 30, 30}, {ProjectApproved, 0, 0}, {ProjectCompleted, 30, 100},
		{ProjectEvaluated, 60, 100}, {ProjectCancelled, 40, 40},
	} {
		if got := ProjectProgress(c.status, c.percent); got != c.want {
			t.Errorf("ProjectProgress(%s, %d) = %d, want %d", c.status, c.percent, got, c.want)
		}
	}
}
