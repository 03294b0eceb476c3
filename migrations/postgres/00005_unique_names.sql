-- Names the services already keep unique, now guarded by the database too, so
-- that two simultaneous creates cannot both pass the check.

-- +goose Up
CREATE UNIQUE INDEX alliances_district_name_key ON alliances (district_id, name);
CREATE UNIQUE INDEX committees_alliance_name_key ON committees (alliance_id, name);

-- Forward only.
-- +goose Down
SELECT 1;
