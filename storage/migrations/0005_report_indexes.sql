-- Officers' figures at scale: running totals for /stats, and indexes for the reports.
--
-- /stats must answer within 200 ms with a million members and a million pledges; counting
-- them on every request takes more than a second (measured by bench/report.py). The table
-- `report_tally` keeps the counts instead, kept right by the triggers below in the same
-- transaction as every change, the way sqlite-utils' `enable_counts()` keeps `_counts`.
-- Reports over a period read the raw tables; tests compare both with plain SQL.
--
-- A later migration that rebuilds `users`, `members` or `pledges` drops these triggers with the
-- old table: it must create them again (copy them from here) and refill the tally
-- (storage.reports.rebuild_tally runs the statements at the end of this file).

CREATE TABLE report_tally (
    topic     TEXT NOT NULL CHECK (topic IN
                ('member', 'member_source', 'pledge', 'pledge_source', 'user')),
    ward_code INTEGER NOT NULL,   -- members.ward_code or pledges.fund_ward_code (0: none)
    key       TEXT NOT NULL,      -- member: category; pledge, pledge_source: status; else ''
    source    TEXT NOT NULL,      -- member_source, pledge_source: the deep-link source; else ''
    n         INTEGER NOT NULL,   -- rows (user: subscribed and reachable users)
    amount    INTEGER NOT NULL,   -- pledge: SUM(amount), in đồng
    received  INTEGER NOT NULL,   -- pledge: SUM(received_amount), in đồng
    PRIMARY KEY (topic, ward_code, key, source)
) WITHOUT ROWID;

-- members -------------------------------------------------------------------------------------

CREATE TRIGGER report_tally_member_insert AFTER INSERT ON members BEGIN
    INSERT INTO report_tally VALUES ('member', NEW.ward_code, NEW.category, '', 1, 0, 0)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO report_tally SELECT 'member_source', NEW.ward_code, '', NEW.source, 1, 0, 0
        WHERE NEW.source IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tally_member_update AFTER UPDATE OF ward_code, category, source ON members
WHEN OLD.ward_code IS NOT NEW.ward_code OR OLD.category IS NOT NEW.category
     OR OLD.source IS NOT NEW.source
BEGIN
    UPDATE report_tally SET n = n - 1 WHERE topic = 'member' AND ward_code = OLD.ward_code
        AND key = OLD.category AND source = '';
    UPDATE report_tally SET n = n - 1 WHERE topic = 'member_source'
        AND ward_code = OLD.ward_code AND key = '' AND source = OLD.source;
    INSERT INTO report_tally VALUES ('member', NEW.ward_code, NEW.category, '', 1, 0, 0)
        ON CONFLICT DO UPDATE SET n = n + 1;
    INSERT INTO report_tally SELECT 'member_source', NEW.ward_code, '', NEW.source, 1, 0, 0
        WHERE NEW.source IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tally_member_delete AFTER DELETE ON members BEGIN
    UPDATE report_tally SET n = n - 1 WHERE topic = 'member' AND ward_code = OLD.ward_code
        AND key = OLD.category AND source = '';
    UPDATE report_tally SET n = n - 1 WHERE topic = 'member_source'
        AND ward_code = OLD.ward_code AND key = '' AND source = OLD.source;
END;

-- pledges -------------------------------------------------------------------------------------

CREATE TRIGGER report_tally_pledge_insert AFTER INSERT ON pledges BEGIN
    INSERT INTO report_tally VALUES ('pledge', COALESCE(NEW.fund_ward_code, 0), NEW.status, '',
                                     1, NEW.amount, NEW.received_amount)
        ON CONFLICT DO UPDATE SET n = n + 1, amount = amount + excluded.amount,
                                  received = received + excluded.received;
    INSERT INTO report_tally SELECT 'pledge_source', COALESCE(NEW.fund_ward_code, 0),
                                    NEW.status, NEW.source, 1, 0, 0
        WHERE NEW.source IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tally_pledge_update
AFTER UPDATE OF status, amount, received_amount, fund_ward_code, source ON pledges
WHEN OLD.status IS NOT NEW.status OR OLD.amount IS NOT NEW.amount
     OR OLD.received_amount IS NOT NEW.received_amount
     OR OLD.fund_ward_code IS NOT NEW.fund_ward_code OR OLD.source IS NOT NEW.source
BEGIN
    UPDATE report_tally
        SET n = n - 1, amount = amount - OLD.amount, received = received - OLD.received_amount
        WHERE topic = 'pledge' AND ward_code = COALESCE(OLD.fund_ward_code, 0)
          AND key = OLD.status AND source = '';
    UPDATE report_tally SET n = n - 1
        WHERE topic = 'pledge_source' AND ward_code = COALESCE(OLD.fund_ward_code, 0)
          AND key = OLD.status AND source = OLD.source;
    INSERT INTO report_tally VALUES ('pledge', COALESCE(NEW.fund_ward_code, 0), NEW.status, '',
                                     1, NEW.amount, NEW.received_amount)
        ON CONFLICT DO UPDATE SET n = n + 1, amount = amount + excluded.amount,
                                  received = received + excluded.received;
    INSERT INTO report_tally SELECT 'pledge_source', COALESCE(NEW.fund_ward_code, 0),
                                    NEW.status, NEW.source, 1, 0, 0
        WHERE NEW.source IS NOT NULL ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tally_pledge_delete AFTER DELETE ON pledges BEGIN
    UPDATE report_tally
        SET n = n - 1, amount = amount - OLD.amount, received = received - OLD.received_amount
        WHERE topic = 'pledge' AND ward_code = COALESCE(OLD.fund_ward_code, 0)
          AND key = OLD.status AND source = '';
    UPDATE report_tally SET n = n - 1
        WHERE topic = 'pledge_source' AND ward_code = COALESCE(OLD.fund_ward_code, 0)
          AND key = OLD.status AND source = OLD.source;
END;

-- users: how many get announcements (subscribed and reachable) ------------------------------

CREATE TRIGGER report_tally_user_insert AFTER INSERT ON users
WHEN NEW.subscribed = 1 AND NEW.reachable = 1
BEGIN
    INSERT INTO report_tally VALUES ('user', 0, '', '', 1, 0, 0)
        ON CONFLICT DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER report_tally_user_update AFTER UPDATE OF subscribed, reachable ON users
WHEN (OLD.subscribed = 1 AND OLD.reachable = 1) IS NOT (NEW.subscribed = 1 AND NEW.reachable = 1)
BEGIN
    INSERT INTO report_tally VALUES ('user', 0, '', '',
        CASE WHEN NEW.subscribed = 1 AND NEW.reachable = 1 THEN 1 ELSE -1 END, 0, 0)
        ON CONFLICT DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER report_tally_user_delete AFTER DELETE ON users
WHEN OLD.subscribed = 1 AND OLD.reachable = 1
BEGIN
    UPDATE report_tally SET n = n - 1 WHERE topic = 'user' AND ward_code = 0 AND key = ''
        AND source = '';
END;

-- The rows already there (the same statements as storage.reports.rebuild_tally).
INSERT INTO report_tally
    SELECT 'member', ward_code, category, '', COUNT(*), 0, 0 FROM members GROUP BY 2, 3;
INSERT INTO report_tally
    SELECT 'member_source', ward_code, '', source, COUNT(*), 0, 0 FROM members
    WHERE source IS NOT NULL GROUP BY 2, 4;
INSERT INTO report_tally
    SELECT 'pledge', COALESCE(fund_ward_code, 0), status, '', COUNT(*), SUM(amount),
           SUM(received_amount)
    FROM pledges GROUP BY 2, 3;
INSERT INTO report_tally
    SELECT 'pledge_source', COALESCE(fund_ward_code, 0), status, source, COUNT(*), 0, 0
    FROM pledges WHERE source IS NOT NULL GROUP BY 2, 3, 4;
INSERT INTO report_tally
    SELECT 'user', 0, '', '', COUNT(*), 0, 0 FROM users WHERE subscribed = 1 AND reachable = 1;

-- Members by commune or ward and by category over a period, in one pass over this index, and
-- the new members of one ward today and this month (a scoped officer's /stats).
CREATE INDEX members_by_ward_category_created ON members (ward_code, category, created_at);
-- The subscribers of one commune or ward, without reading the members' rows.
CREATE INDEX members_by_ward_user ON members (ward_code, telegram_id);
-- The pledges of a period, grouped every way, without reading the pledges' rows (status first:
-- the planner prefers an equality on it, and would take pledges_by_status and read every row).
CREATE INDEX pledges_by_status_created ON pledges
    (status, created_at, fund_kind, purpose, fund_ward_code, amount, received_amount, source);
