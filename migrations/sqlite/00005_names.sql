-- Names the services already keep unique, now guarded by the database too, so
-- that two simultaneous creates cannot both pass the check; and name-ordered
-- indexes for the lists' keyset paging.

-- +goose Up
CREATE UNIQUE INDEX alliances_district_name_key ON alliances (district_id, name);
CREATE UNIQUE INDEX committees_alliance_name_key ON committees (alliance_id, name);

-- Keyset order by name for city-wide lists (a district's lists use the
-- district_id-led indexes of 00004).
CREATE INDEX units_name_idx ON units (name, id);
CREATE INDEX service_sites_name_idx ON service_sites (name, id);
CREATE INDEX alliances_name_idx ON alliances (name, id);

-- Forward only.
-- +goose Down
SELECT 1;
