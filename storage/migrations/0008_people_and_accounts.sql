-- foreign_keys: off
-- A person, not a Telegram id. Everything the bot keeps refers to a person; only `accounts`
-- knows which messenger account (Telegram's integer ids, Zalo's hex strings) reaches them.
--
-- Existing people keep their old Telegram id as their person id, so that no stored reference
-- (columns, 'officer:<id>' and 'admin:<id>' texts, audit targets) has to be rewritten; from
-- here on a person id is an opaque number and new people are numbered after the largest.

CREATE TABLE people (
    id         INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL
);

CREATE TABLE accounts (
    channel     TEXT NOT NULL CHECK (channel IN ('telegram', 'zalo')),
    external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 1 AND 64),
    person_id   INTEGER NOT NULL REFERENCES people (id),
    created_at  TEXT NOT NULL,
    PRIMARY KEY (channel, external_id)
) WITHOUT ROWID;
CREATE INDEX accounts_by_person ON accounts (person_id, channel);

-- Every id the old schema holds, with the earliest moment it was seen.
INSERT INTO people (id, created_at)
SELECT id, MIN(at) FROM (
    SELECT telegram_id AS id, first_seen_at AS at FROM users
    UNION ALL SELECT telegram_id, created_at FROM consents WHERE telegram_id IS NOT NULL
    UNION ALL SELECT telegram_id, created_at FROM members WHERE telegram_id IS NOT NULL
    UNION ALL SELECT telegram_id, created_at FROM donors WHERE telegram_id IS NOT NULL
    UNION ALL SELECT telegram_id, created_at FROM pledges WHERE telegram_id IS NOT NULL
    UNION ALL SELECT telegram_id, created_at FROM learning_models WHERE telegram_id IS NOT NULL
    UNION ALL SELECT telegram_id, added_at FROM officers
    UNION ALL SELECT CAST(substr(added_by, 7) AS INTEGER), added_at FROM officers
        WHERE added_by GLOB 'admin:[0-9]*'
    UNION ALL SELECT telegram_id, updated_at FROM user_drafts
    UNION ALL SELECT json_extract(key, '$[1]'), '1970-01-01 00:00:00' FROM conversations
        WHERE json_valid(key) AND json_array_length(key) = 2
    UNION ALL SELECT created_by, created_at FROM broadcasts WHERE created_by IS NOT NULL
    UNION ALL SELECT d.telegram_id, b.created_at FROM deliveries AS d
        JOIN broadcasts AS b ON b.id = d.broadcast_id
    UNION ALL SELECT actor, at FROM audit WHERE actor IS NOT NULL
    UNION ALL SELECT CAST(substr(decided_by, 9) AS INTEGER), updated_at FROM pledges
        WHERE decided_by GLOB 'officer:[0-9]*'
    UNION ALL SELECT CAST(substr(reviewed_by, 9) AS INTEGER), updated_at FROM learning_models
        WHERE reviewed_by GLOB 'officer:[0-9]*'
    UNION ALL SELECT CAST(substr(rated_by, 9) AS INTEGER), updated_at FROM learning_models
        WHERE rated_by GLOB 'officer:[0-9]*'
)
WHERE id IS NOT NULL
GROUP BY id;

INSERT INTO accounts (channel, external_id, person_id, created_at)
    SELECT 'telegram', CAST(id AS TEXT), id, created_at FROM people;

ALTER TABLE users RENAME COLUMN telegram_id TO person_id;
ALTER TABLE consents RENAME COLUMN telegram_id TO person_id;
ALTER TABLE members RENAME COLUMN telegram_id TO person_id;
ALTER TABLE donors RENAME COLUMN telegram_id TO person_id;
ALTER TABLE pledges RENAME COLUMN telegram_id TO person_id;
ALTER TABLE learning_models RENAME COLUMN telegram_id TO person_id;
ALTER TABLE officers RENAME COLUMN telegram_id TO person_id;
ALTER TABLE user_drafts RENAME COLUMN telegram_id TO person_id;
ALTER TABLE deliveries RENAME COLUMN telegram_id TO person_id;

-- Conversation states were keyed by PTB's [chat id, user id]; the bot only talks in private
-- chats, where both are the person's Telegram id.
CREATE TABLE conversations_new (
    name      TEXT NOT NULL,
    person_id INTEGER NOT NULL,
    state     TEXT NOT NULL,
    PRIMARY KEY (name, person_id)
) WITHOUT ROWID;
INSERT OR REPLACE INTO conversations_new (name, person_id, state)
    SELECT name, json_extract(key, '$[1]'), state FROM conversations
    WHERE json_valid(key) AND json_array_length(key) = 2
      AND json_extract(key, '$[0]') = json_extract(key, '$[1]');
DROP TABLE conversations;
ALTER TABLE conversations_new RENAME TO conversations;

-- An audit target naming someone names the person.
UPDATE audit SET target = 'person:' || substr(target, 6) WHERE target GLOB 'user:[0-9]*';
