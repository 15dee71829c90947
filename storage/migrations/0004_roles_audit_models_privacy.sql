-- foreign_keys: off
-- (Tables are rebuilt below, the way SQLite documents it: foreign keys are checked before commit.)

-- Roles: an officer works city-wide (ward_code NULL) or for one commune or ward.
ALTER TABLE officers ADD COLUMN role TEXT NOT NULL DEFAULT 'officer'
    CHECK (role IN ('admin', 'officer'));
ALTER TABLE officers ADD COLUMN ward_code INTEGER;
ALTER TABLE officers ADD COLUMN ward_name TEXT;

-- Every officer action and every refusal: who, what, when, the outcome.
CREATE TABLE audit (
    id      INTEGER PRIMARY KEY,
    at      TEXT NOT NULL,
    actor   INTEGER,                 -- Telegram id; NULL: the command line, or erased
    action  TEXT NOT NULL,           -- such as 'pledge.receive', 'role.grant', 'report.export'
    target  TEXT,                    -- such as 'pledge:12', 'user:123'
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'refused', 'failed')),
    detail  TEXT
);
CREATE INDEX audit_by_time ON audit (at);
CREATE INDEX audit_by_actor ON audit (actor, at);

-- Learning families, clans, communities and units registered for a period.
CREATE TABLE learning_models (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('family', 'clan', 'community', 'unit')),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    ward_code     INTEGER NOT NULL,
    ward_name     TEXT NOT NULL,
    contact_name  TEXT,
    contact_phone TEXT,
    size          INTEGER NOT NULL CHECK (size BETWEEN 1 AND 100000),
    period        TEXT NOT NULL,     -- the school year, such as '2026-2027'
    telegram_id   INTEGER,
    consent_id    INTEGER REFERENCES consents (id),
    status        TEXT NOT NULL DEFAULT 'submitted' CHECK (status IN
                    ('submitted', 'approved', 'changes_requested', 'withdrawn')),
    review_note   TEXT,
    reviewed_by   TEXT,
    reviewed_at   TEXT,
    rating        TEXT CHECK (rating IN ('excellent', 'good', 'fair', 'not_met')),
    rated_by      TEXT,
    rated_at      TEXT,
    erased_at     TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    CHECK (erased_at IS NOT NULL OR (contact_name IS NOT NULL AND contact_phone IS NOT NULL))
);
CREATE INDEX learning_by_ward ON learning_models (ward_code, kind);
CREATE INDEX learning_by_status ON learning_models (status, id);
CREATE INDEX learning_by_user ON learning_models (telegram_id);

-- The right to erasure: personal fields become NULL, the record (ward, category, amounts) stays
-- for the counts. SQLite cannot relax NOT NULL in place, so these tables are rebuilt.
CREATE TABLE consents_new (
    id             INTEGER PRIMARY KEY,
    telegram_id    INTEGER,              -- NULL once the person's data is erased
    purpose        TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    created_at     TEXT NOT NULL,
    withdrawn_at   TEXT
);
INSERT INTO consents_new (id, telegram_id, purpose, notice_version, granted, created_at)
    SELECT id, telegram_id, purpose, notice_version, granted, created_at FROM consents;
DROP TABLE consents;
ALTER TABLE consents_new RENAME TO consents;
CREATE INDEX consents_by_user ON consents (telegram_id, purpose);

CREATE TABLE members_new (
    id             INTEGER PRIMARY KEY,
    member_no      TEXT NOT NULL UNIQUE,
    telegram_id    INTEGER UNIQUE,
    full_name      TEXT CHECK (full_name IS NULL OR length(full_name) BETWEEN 1 AND 100),
    phone          TEXT CHECK (phone IS NULL OR phone LIKE '+84%'),
    birth_year     INTEGER CHECK (birth_year IS NULL OR birth_year BETWEEN 1900 AND 2200),
    guardian_name  TEXT,
    guardian_phone TEXT,
    ward_code      INTEGER NOT NULL,
    ward_name      TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN
                     ('party_member', 'teacher', 'pupil', 'parent', 'worker', 'retired', 'other')),
    organisation   TEXT,
    consent_id     INTEGER REFERENCES consents (id),
    source         TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    erased_at      TEXT,
    CHECK ((guardian_name IS NULL) = (guardian_phone IS NULL)),
    CHECK (erased_at IS NOT NULL OR (full_name IS NOT NULL AND phone IS NOT NULL
                                     AND birth_year IS NOT NULL AND consent_id IS NOT NULL))
);
INSERT INTO members_new (id, member_no, telegram_id, full_name, phone, birth_year, guardian_name,
                         guardian_phone, ward_code, ward_name, category, organisation, consent_id,
                         source, created_at, updated_at)
    SELECT id, member_no, telegram_id, full_name, phone, birth_year, guardian_name, guardian_phone,
           ward_code, ward_name, category, organisation, consent_id, source, created_at, updated_at
    FROM members;
DROP TABLE members;
ALTER TABLE members_new RENAME TO members;
CREATE INDEX members_by_ward ON members (ward_code);
CREATE INDEX members_by_created ON members (created_at);

CREATE TABLE donors_new (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,
    full_name   TEXT CHECK (full_name IS NULL OR length(full_name) BETWEEN 1 AND 100),
    phone       TEXT CHECK (phone IS NULL OR phone LIKE '+84%'),
    consent_id  INTEGER REFERENCES consents (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    erased_at   TEXT,
    CHECK (erased_at IS NOT NULL OR (full_name IS NOT NULL AND phone IS NOT NULL
                                     AND consent_id IS NOT NULL))
);
INSERT INTO donors_new (id, telegram_id, full_name, phone, consent_id, created_at, updated_at)
    SELECT id, telegram_id, full_name, phone, consent_id, created_at, updated_at FROM donors;
DROP TABLE donors;
ALTER TABLE donors_new RENAME TO donors;

-- A pledge keeps amount, fund, date and reference for the accounts; the donor's name goes.
ALTER TABLE pledges ADD COLUMN anonymised INTEGER NOT NULL DEFAULT 0
    CHECK (anonymised IN (0, 1));
-- Ward of a pledge for scoped officers and reports: the fund's ward, else the member's ward.
CREATE INDEX pledges_by_fund_ward ON pledges (fund_ward_code);
CREATE INDEX pledges_by_created ON pledges (created_at);
CREATE INDEX members_by_ward_category ON members (ward_code, category);
