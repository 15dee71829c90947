-- Finding one person's rows in the announcement outbox (/mydata, /delete, the retention purge)
-- read the whole table: it has a row per recipient of every announcement.
CREATE INDEX deliveries_by_user ON deliveries (telegram_id);
