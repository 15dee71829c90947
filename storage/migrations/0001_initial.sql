-- Users who have talked to the bot: the least we need to answer them in their language.
CREATE TABLE users (
    telegram_id   INTEGER PRIMARY KEY,
    language      TEXT NOT NULL DEFAULT 'vi' CHECK (language IN ('vi', 'en')),
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL
);

-- Consent to process personal data, with the notice version the person agreed to.
CREATE TABLE consents (
    id             INTEGER PRIMARY KEY,
    telegram_id    INTEGER NOT NULL,
    purpose        TEXT NOT NULL,
    notice_version TEXT NOT NULL,
    granted        INTEGER NOT NULL CHECK (granted IN (0, 1)),
    created_at     TEXT NOT NULL
);
CREATE INDEX consents_by_user ON consents (telegram_id, purpose);

CREATE TABLE members (
    id             INTEGER PRIMARY KEY,
    member_no      TEXT NOT NULL UNIQUE,
    telegram_id    INTEGER UNIQUE,
    full_name      TEXT NOT NULL CHECK (length(full_name) BETWEEN 1 AND 100),
    phone          TEXT NOT NULL CHECK (phone LIKE '+84%'),
    birth_year     INTEGER NOT NULL CHECK (birth_year BETWEEN 1900 AND 2200),
    guardian_name  TEXT,
    guardian_phone TEXT,
    ward_code      INTEGER NOT NULL,
    ward_name      TEXT NOT NULL,
    category       TEXT NOT NULL CHECK (category IN
                     ('party_member', 'teacher', 'pupil', 'parent', 'worker', 'retired', 'other')),
    organisation   TEXT,
    consent_id     INTEGER NOT NULL REFERENCES consents (id),
    source         TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CHECK ((guardian_name IS NULL) = (guardian_phone IS NULL))
);
CREATE INDEX members_by_ward ON members (ward_code);
CREATE INDEX members_by_created ON members (created_at);

CREATE TABLE officers (
    telegram_id INTEGER PRIMARY KEY,
    added_by    TEXT NOT NULL,
    added_at    TEXT NOT NULL
);

-- PTB persistence: conversation states and per-user drafts, as JSON.
CREATE TABLE conversations (
    name  TEXT NOT NULL,
    key   TEXT NOT NULL,
    state TEXT NOT NULL,
    PRIMARY KEY (name, key)
);

CREATE TABLE user_drafts (
    telegram_id INTEGER PRIMARY KEY,
    data        TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
