-- Donors who are not members: the least we need to thank them and to reach them about a pledge.
CREATE TABLE donors (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER UNIQUE,
    full_name   TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
    phone       TEXT NOT NULL CHECK (phone LIKE '+84%'),
    consent_id  INTEGER NOT NULL REFERENCES consents (id),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A pledge to a study-promotion fund. Money is integer đồng.
CREATE TABLE pledges (
    id                INTEGER PRIMARY KEY,
    reference         TEXT NOT NULL UNIQUE,      -- 'KH2026 P000123': the transfer note
    campaign_year     INTEGER NOT NULL,          -- local year of the pledge
    telegram_id       INTEGER,                   -- the donor's account
    member_id         INTEGER REFERENCES members (id),
    donor_id          INTEGER REFERENCES donors (id),
    donor_name        TEXT NOT NULL,             -- as it was when pledging
    fund_kind         TEXT NOT NULL CHECK (fund_kind IN ('city', 'ward', 'school', 'clan')),
    fund_ward_code    INTEGER,
    fund_name         TEXT,                      -- the ward's, school's or clan's name
    purpose           TEXT NOT NULL CHECK (purpose IN ('hardship', 'remote', 'awards', 'general')),
    amount            INTEGER NOT NULL CHECK (amount BETWEEN 10000 AND 10000000000),
    method            TEXT NOT NULL CHECK (method IN ('transfer', 'cash')),
    public_name       INTEGER NOT NULL CHECK (public_name IN (0, 1)),
    public_consent_id INTEGER REFERENCES consents (id),
    status            TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                        ('pending', 'received', 'rejected', 'cancelled')),
    received_amount   INTEGER NOT NULL DEFAULT 0 CHECK (received_amount >= 0),
    received_at       TEXT,
    decided_by        TEXT,                      -- 'officer:<id>', 'statement:<line>', 'cli'
    reject_reason     TEXT,
    notice_due        TEXT CHECK (notice_due IN ('receipt', 'rejected')),  -- owed to the donor
    reminders_sent    INTEGER NOT NULL DEFAULT 0,
    next_reminder_at  TEXT,
    source            TEXT,
    request_key       TEXT UNIQUE,               -- one pledge per confirmed draft
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    CHECK ((member_id IS NULL) != (donor_id IS NULL) OR telegram_id IS NULL),
    CHECK (fund_kind = 'city' OR fund_name IS NOT NULL),
    CHECK (status = 'received' OR received_amount = 0)
);
CREATE INDEX pledges_by_status ON pledges (status, fund_kind, id);
CREATE INDEX pledges_by_donor ON pledges (telegram_id, id);
CREATE INDEX pledges_reminders ON pledges (next_reminder_at) WHERE next_reminder_at IS NOT NULL;
CREATE INDEX pledges_notices ON pledges (notice_due) WHERE notice_due IS NOT NULL;
CREATE INDEX pledges_by_year ON pledges (campaign_year, status);

-- Lines of bank statements already imported: importing a file twice changes nothing.
CREATE TABLE statement_lines (
    fingerprint TEXT PRIMARY KEY,
    imported_at TEXT NOT NULL,
    file_name   TEXT,
    row_no      INTEGER NOT NULL,
    amount      INTEGER NOT NULL,
    reference   TEXT,
    pledge_id   INTEGER REFERENCES pledges (id),
    outcome     TEXT NOT NULL CHECK (outcome IN
                  ('matched', 'mismatch', 'unknown', 'already', 'no_reference'))
) WITHOUT ROWID;
