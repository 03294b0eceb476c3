package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"tongxin/internal/model"
)

// DemoOrganisations is the demonstration map: streets, grids and sites of
// one district, member units and an alliance with members and committees.
type DemoOrganisations struct {
	DistrictID int64
	Streets    []model.Street
	Grids      []model.Grid        // StreetID holds the index into Streets
	Sites      []model.ServiceSite // StreetID holds the index into Streets
	Units      []model.Unit        // StreetID holds the index into Streets (nil: none)
	Alliance   model.Alliance      // StreetID holds the index into Streets
	Council    []int               // indexes into Units of the council members
	Committees []DemoCommittee
}

// DemoCommittee is a committee with members given as indexes into Units.
type DemoCommittee struct {
	Name, Theme string
	Convenor    int
	Members     []int
}

// SeedDemoOrganisations writes the demonstration map unless its alliance
// exists already, and returns the alliance id and the unit ids (in the order
// given). It writes everything in one transaction.
func (db *DB) SeedDemoOrganisations(ctx context.Context, d DemoOrganisations) (allianceID int64, unitIDs []int64, err error) {
	var existing model.Alliance
	err = db.conn(ctx).Where("name = ? AND district_id = ?", d.Alliance.Name, d.DistrictID).Take(&existing).Error
	if err == nil {
		var ids []int64
		if err := db.conn(ctx).Model(&model.Membership{}).Where("alliance_id = ?", existing.ID).Order("id").Pluck("unit_id", &ids).Error; err != nil {
			return 0, nil, err
		}
		return existing.ID, ids, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return 0, nil, err
	}
	now := db.Now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	err = db.WithTx(ctx, func(ctx context.Context) error {
		tx := db.conn(ctx)
		streetIDs := make([]int64, len(d.Streets))
		for i := range d.Streets {
			s := d.Streets[i]
			s.DistrictID, s.Status, s.CreatedAt, s.UpdatedAt = d.DistrictID, model.StatusActive, now, now
			if err := tx.Create(&s).Error; err != nil {
				return fmt.Errorf("street %s: %w", s.Name, err)
			}
			streetIDs[i] = s.ID
		}
		gridIDs := make([]int64, len(d.Grids))
		for i := range d.Grids {
			g := d.Grids[i]
			g.StreetID = streetIDs[g.StreetID]
			g.DistrictID, g.Status, g.CreatedAt, g.UpdatedAt = d.DistrictID, model.StatusActive, now, now
			if err := tx.Create(&g).Error; err != nil {
				return fmt.Errorf("grid %s: %w", g.Name, err)
			}
			gridIDs[i] = g.ID
		}
		for i := range d.Units {
			u := d.Units[i]
			if u.StreetID != nil {
				sid := streetIDs[*u.StreetID]
				u.StreetID = &sid
			}
			u.DistrictID, u.Status, u.Version, u.CreatedAt, u.UpdatedAt = d.DistrictID, model.StatusActive, 1, now, now
			if err := tx.Create(&u).Error; err != nil {
				return fmt.Errorf("unit %s: %w", u.Name, err)
			}
			unitIDs = append(unitIDs, u.ID)
		}
		for i := range d.Sites {
			s := d.Sites[i]
			s.StreetID = streetIDs[s.StreetID]
			if s.GridID != nil {
				gid := gridIDs[*s.GridID]
				s.GridID = &gid
			}
			if s.ManagingUnitID != nil {
				uid := unitIDs[*s.ManagingUnitID]
				s.ManagingUnitID = &uid
			}
			s.DistrictID, s.Status, s.Version, s.CreatedAt, s.UpdatedAt = d.DistrictID, model.StatusActive, 1, now, now
			if err := tx.Create(&s).Error; err != nil {
				return fmt.Errorf("site %s: %w", s.Name, err)
			}
		}
		a := d.Alliance
		if a.StreetID != nil {
			sid := streetIDs[*a.StreetID]
			a.StreetID = &sid
		}
		a.DistrictID, a.Status, a.Version, a.CreatedAt, a.UpdatedAt = d.DistrictID, model.StatusActive, 1, now, now
		if err := tx.Create(&a).Error; err != nil {
			return fmt.Errorf("alliance: %w", err)
		}
		allianceID = a.ID
		council := map[int]bool{}
		for _, i := range d.Council {
			council[i] = true
		}
		joined := today.AddDate(-1, 0, 0)
		for i, uid := range unitIDs {
			rank := model.RankMember
			if council[i] {
				rank = model.RankCouncil
			}
			m := model.Membership{AllianceID: a.ID, UnitID: uid, Rank: rank, JoinedOn: joined, LetterSignedOn: &joined, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&m).Error; err != nil {
				return fmt.Errorf("membership: %w", err)
			}
		}
		for _, dc := range d.Committees {
			conv := unitIDs[dc.Convenor]
			c := model.Committee{AllianceID: a.ID, Name: dc.Name, Theme: dc.Theme, ConvenorUnitID: &conv, Status: model.StatusActive, CreatedAt: now, UpdatedAt: now}
			if err := tx.Create(&c).Error; err != nil {
				return fmt.Errorf("committee %s: %w", dc.Name, err)
			}
			for _, mi := range dc.Members {
				cm := model.CommitteeMember{CommitteeID: c.ID, UnitID: unitIDs[mi], CreatedAt: now, UpdatedAt: now}
				if err := tx.Create(&cm).Error; err != nil {
					return fmt.Errorf("committee member: %w", err)
				}
			}
		}
		return nil
	})
	return allianceID, unitIDs, err
}
