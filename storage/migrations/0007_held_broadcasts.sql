-- An announcement whose author lost their role (or their scope) waits here for an
-- administrator: released, it goes on as it was; cancelled, it never goes out.
ALTER TABLE broadcasts ADD COLUMN held_at TEXT;
