package service

import (
	"context"

	"tongxin/internal/model"
	"tongxin/internal/store"
)

// CommitteeWorkMax caps the meetings and the projects a committee page lists.
const CommitteeWorkMax = 50

// CommitteeWork is a committee's work as its page shows it: its meetings
// (nil unless the actor reads the alliance's meetings) and the projects
// under it (nil unless the actor reads the alliance's projects).
type CommitteeWork struct {
	Meetings     []store.MeetingRow
	Projects     []store.MeetingProjectRow
	ReadMeetings bool
	ReadProjects bool
	// CreateMeeting: the actor may plan a meeting of the committee.
	CreateMeeting bool
}

// CommitteeWork loads the meetings and projects of a committee the actor
// has already been allowed to see (the committee page), each part only
// when the actor reads it.
func (s *Meetings) CommitteeWork(ctx context.Context, actor model.Actor, cm *store.CommitteeRow) (*CommitteeWork, error) {
	probe := &model.Meeting{AllianceID: cm.AllianceID, DistrictID: cm.DistrictID, CommitteeID: &cm.ID}
	ch := meetingChain(probe)
	w := &CommitteeWork{CreateMeeting: s.authz.Can(actor.UserID, ch, "meeting", "create")}
	var err error
	if s.checkRead(ctx, actor, probe) == nil {
		w.ReadMeetings = true
		if w.Meetings, err = s.db.MeetingsOfCommittee(ctx, cm.ID, CommitteeWorkMax); err != nil {
			return nil, err
		}
	}
	if s.authz.Can(actor.UserID, ch, "project", "read") {
		w.ReadProjects = true
		if w.Projects, err = s.db.ProjectsOfCommittee(ctx, cm.ID, CommitteeWorkMax); err != nil {
			return nil, err
		}
	}
	return w, nil
}
