package model

import "time"

// District is a 区; its id is the administrative division code (310104).
type District struct {
	ID        int64
	Code      string
	Name      string
	CreatedAt time.Time
	UpdatedAt time.Time
}
