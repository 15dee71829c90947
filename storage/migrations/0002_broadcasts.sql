-- Subscription to announcements, and whether Telegram still delivers to the user.
ALTER TABLE users ADD COLUMN subscribed INTEGER NOT NULL DEFAULT 1 CHECK (subscribed IN (0, 1));
ALTER TABLE users ADD COLUMN reachable INTEGER NOT NULL DEFAULT 1 CHECK (reachable IN (0, 1));
ALTER TABLE users ADD COLUMN unreachable_reason TEXT;
CREATE INDEX users_audience ON users (subscribed, reachable, language);

-- An announcement. Its progress is counted from its deliveries, so it never drifts.
CREATE TABLE broadcasts (
    id              INTEGER PRIMARY KEY,
    created_by      INTEGER,              -- Telegram id of the officer; NULL: command line, campaign
    source          TEXT NOT NULL,        -- 'officer', 'cli' or 'campaign:<entry key>'
    status          TEXT NOT NULL CHECK (status IN
                      ('scheduled', 'sending', 'paused', 'done', 'cancelled', 'missed')),
    text_vi         TEXT NOT NULL,
    entities_vi     TEXT,                 -- JSON list of Telegram MessageEntity objects
    text_en         TEXT,
    entities_en     TEXT,
    photo           TEXT,                 -- a Telegram file_id, or a local path until uploaded
    action          TEXT CHECK (action IN ('join', 'pledge')),
    segment         TEXT NOT NULL,        -- 'all', 'members', 'donors', 'ward:<code>', ...
    scheduled_at    TEXT NOT NULL,
    quiet_exempt    INTEGER NOT NULL DEFAULT 0 CHECK (quiet_exempt IN (0, 1)),
    created_at      TEXT NOT NULL,
    started_at      TEXT,
    finished_at     TEXT,
    total           INTEGER NOT NULL DEFAULT 0,
    progress_chat   INTEGER,
    progress_msg    INTEGER,
    campaign_key    TEXT UNIQUE
);
CREATE INDEX broadcasts_by_status ON broadcasts (status, scheduled_at);

-- The outbox: one row per recipient, written before anything is sent.
CREATE TABLE deliveries (
    broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
    telegram_id  INTEGER NOT NULL,
    language     TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'pending' CHECK (status IN
                   ('pending', 'sending', 'sent', 'unreachable', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    next_try_at  TEXT,
    sent_at      TEXT,
    PRIMARY KEY (broadcast_id, telegram_id)
) WITHOUT ROWID;
CREATE INDEX deliveries_queue ON deliveries (broadcast_id, status);
