package model

// Grade bands of an evaluation (评估等级, GLOSSARY): the grade follows from
// the score, 优 90–100, 良 80–89, 中 60–79, 差 below 60. A grade sent with a
// score that falls in another band is refused.

// GradeBand is the lowest score of a grade.
type GradeBand struct {
	Grade    string
	MinScore int
}

// GradeBands lists the bands, best first; a score belongs to the first band
// whose MinScore it reaches.
var GradeBands = []GradeBand{{GradeExcellent, 90}, {GradeGood, 80}, {GradeFair, 60}, {GradePoor, 0}}

// GradeForScore is the grade of a score (0–100); "" for a score outside.
func GradeForScore(score int) string {
	if score < 0 || score > 100 {
		return ""
	}
	for _, b := range GradeBands {
		if score >= b.MinScore {
			return b.Grade
		}
	}
	return ""
}

// CaseNominable reports a grade whose project may be nominated as a case
// (案例): 优 and 良 only.
func CaseNominable(grade string) bool { return grade == GradeExcellent || grade == GradeGood }

// CaseLevelFits reports whether a project of grade may be selected at level:
// 最佳 needs 优, 优秀 needs 优 or 良.
func CaseLevelFits(level, grade string) bool {
	switch level {
	case CaseLevelBest:
		return grade == GradeExcellent
	case CaseLevelExcellent:
		return CaseNominable(grade)
	}
	return false
}
