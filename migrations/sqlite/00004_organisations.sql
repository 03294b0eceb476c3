-- Organisations and reference data: dictionaries, streets, grids, service
-- sites, member units, alliances, memberships, committees, import jobs.
-- Calendar dates (DATE) hold the day itself; times are UTC.

-- +goose Up
CREATE TABLE dictionary_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    label_zh TEXT NOT NULL,
    label_en TEXT NOT NULL,
    sort INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX dictionary_items_kind_code_key ON dictionary_items (kind, code);

CREATE TABLE streets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX streets_code_key ON streets (code);
CREATE INDEX streets_district_idx ON streets (district_id, name);

CREATE TABLE grids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    street_id INTEGER NOT NULL REFERENCES streets (id),
    district_id INTEGER NOT NULL REFERENCES districts (id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX grids_code_key ON grids (code);
CREATE INDEX grids_street_idx ON grids (street_id, name);
CREATE INDEX grids_district_idx ON grids (district_id, id);

CREATE TABLE units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    credit_code TEXT,
    kind TEXT NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    street_id INTEGER REFERENCES streets (id),
    address TEXT NOT NULL DEFAULT '',
    party_org TEXT NOT NULL DEFAULT '',
    party_members INTEGER NOT NULL DEFAULT 0,
    contact_name TEXT NOT NULL DEFAULT '',
    contact_phone TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- NULL (a body without a code) never collides; a present code is unique.
CREATE UNIQUE INDEX units_credit_code_key ON units (credit_code);
CREATE INDEX units_district_idx ON units (district_id, name);
CREATE INDEX units_street_idx ON units (street_id);

CREATE TABLE service_sites (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    street_id INTEGER NOT NULL REFERENCES streets (id),
    grid_id INTEGER REFERENCES grids (id),
    address TEXT NOT NULL DEFAULT '',
    opening_hours TEXT NOT NULL DEFAULT '',
    facilities TEXT NOT NULL DEFAULT '',
    seats INTEGER NOT NULL DEFAULT 0,
    managing_unit_id INTEGER REFERENCES units (id),
    status TEXT NOT NULL DEFAULT 'active',
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX service_sites_district_idx ON service_sites (district_id, id);
CREATE INDEX service_sites_street_idx ON service_sites (street_id, name);

CREATE TABLE alliances (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    district_id INTEGER NOT NULL REFERENCES districts (id),
    street_id INTEGER REFERENCES streets (id),
    founded_on DATE,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active',
    version INTEGER NOT NULL DEFAULT 1,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX alliances_district_idx ON alliances (district_id, name);

CREATE TABLE memberships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    rank TEXT NOT NULL,
    joined_on DATE NOT NULL,
    left_on DATE,
    letter_signed_on DATE,
    letter_meeting_id INTEGER,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
-- A unit is a current member of an alliance at most once; history rows have left_on.
CREATE UNIQUE INDEX memberships_current_key ON memberships (alliance_id, unit_id) WHERE left_on IS NULL;
CREATE INDEX memberships_unit_idx ON memberships (unit_id, alliance_id);

CREATE TABLE committees (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    alliance_id INTEGER NOT NULL REFERENCES alliances (id),
    name TEXT NOT NULL,
    theme TEXT NOT NULL DEFAULT '',
    convenor_unit_id INTEGER REFERENCES units (id),
    status TEXT NOT NULL DEFAULT 'active',
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX committees_alliance_idx ON committees (alliance_id, name);

CREATE TABLE committee_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    committee_id INTEGER NOT NULL REFERENCES committees (id),
    unit_id INTEGER NOT NULL REFERENCES units (id),
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX committee_members_key ON committee_members (committee_id, unit_id);

CREATE TABLE import_jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    file_path TEXT NOT NULL,
    dry_run BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'queued',
    total_rows INTEGER NOT NULL DEFAULT 0,
    processed_rows INTEGER NOT NULL DEFAULT 0,
    created_rows INTEGER NOT NULL DEFAULT 0,
    unchanged_rows INTEGER NOT NULL DEFAULT 0,
    error_rows INTEGER NOT NULL DEFAULT 0,
    error_file_path TEXT NOT NULL DEFAULT '',
    message TEXT NOT NULL DEFAULT '',
    domain TEXT NOT NULL DEFAULT '',
    created_by INTEGER NOT NULL REFERENCES users (id),
    started_at DATETIME,
    finished_at DATETIME,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX import_jobs_creator_idx ON import_jobs (created_by, id);
CREATE INDEX import_jobs_status_idx ON import_jobs (status, id);

INSERT INTO dictionary_items (kind, code, label_zh, label_en, sort) VALUES
    ('unit_kind', 'gov', '党政机关', 'Government office', 10),
    ('unit_kind', 'soe', '国有企业', 'State-owned enterprise', 20),
    ('unit_kind', 'private', '非公企业', 'Private enterprise', 30),
    ('unit_kind', 'school', '学校', 'School', 40),
    ('unit_kind', 'hospital', '医院', 'Hospital', 50),
    ('unit_kind', 'social_org', '社会组织', 'Social organisation', 60),
    ('unit_kind', 'residents', '居民区党组织', 'Residential committee', 70),
    ('unit_kind', 'institution', '事业单位', 'Public institution', 80),
    ('unit_kind', 'building', '楼宇', 'Office building', 90),
    ('unit_kind', 'other', '其他', 'Other', 100),
    ('alliance_kind', 'regional', '区域化', 'Regional', 10),
    ('alliance_kind', 'adjacent', '毗邻', 'Adjacent areas', 20),
    ('alliance_kind', 'building', '楼宇', 'Office buildings', 30),
    ('alliance_kind', 'airport', '空港', 'Airport', 40),
    ('alliance_kind', 'riverside', '滨江', 'Riverside', 50),
    ('alliance_kind', 'industry', '行业', 'Industry', 60),
    ('alliance_kind', 'area_joint', '片区联席会议', 'Area joint meeting', 70),
    ('need_category', 'publicity', '宣传教育', 'Publicity and education', 10),
    ('need_category', 'rule_of_law', '法治建设', 'Rule of law', 20),
    ('need_category', 'housing_renewal', '楼院更新', 'Housing renewal', 30),
    ('need_category', 'care', '关爱帮扶', 'Care and support', 40),
    ('need_category', 'venues', '党群阵地建设', 'Party and public venues', 50),
    ('need_category', 'environment', '垃圾分类与环境', 'Waste sorting and environment', 60),
    ('need_category', 'traffic', '停车与交通', 'Parking and traffic', 70),
    ('need_category', 'culture_sports', '文化体育', 'Culture and sports', 80),
    ('need_category', 'youth', '青少年教育', 'Youth education', 90),
    ('need_category', 'employment', '就业创业', 'Jobs and start-ups', 100),
    ('need_category', 'health', '医疗健康', 'Health care', 110),
    ('need_category', 'safety', '平安建设', 'Public safety', 120),
    ('resource_kind', 'venue', '场地', 'Venue', 10),
    ('resource_kind', 'volunteers', '志愿者', 'Volunteers', 20),
    ('resource_kind', 'funds', '资金', 'Funds', 30),
    ('resource_kind', 'expertise', '专业服务', 'Expertise', 40),
    ('resource_kind', 'goods', '物资', 'Goods', 50),
    ('resource_kind', 'training', '培训', 'Training', 60),
    ('measure', 'person_times', '人次', 'person-times', 10),
    ('measure', 'hours', '小时', 'hours', 20),
    ('measure', 'sessions', '场', 'sessions', 30),
    ('measure', 'yuan', '元', 'yuan', 40),
    ('measure', 'sqm', '平方米', 'square metres', 50),
    ('measure', 'items', '件', 'items', 60),
    ('measure', 'people', '人', 'people', 70),
    ('site_kind', 'community_center', '社区党群服务中心', 'Community party-public service centre', 10),
    ('site_kind', 'building_station', '楼宇党建服务站', 'Office-building party service station', 20),
    ('site_kind', 'park_station', '园区党群服务站', 'Business-park service station', 30),
    ('site_kind', 'riverside_post', '滨江驿站', 'Riverside post', 40),
    ('site_kind', 'neighbourhood', '居民区党群服务站', 'Neighbourhood service station', 50),
    ('site_kind', 'other', '其他', 'Other', 60),
    ('funding_source', 'district_fund', '区级财政', 'District budget', 10),
    ('funding_source', 'street_fund', '街镇经费', 'Street budget', 20),
    ('funding_source', 'party_fee', '党费', 'Party dues', 30),
    ('funding_source', 'unit_fund', '成员单位自筹', 'Own funds of member units', 40),
    ('funding_source', 'social', '社会捐赠', 'Donations', 50),
    ('funding_source', 'other', '其他', 'Other', 60);

-- Forward only.
-- +goose Down
SELECT 1;
