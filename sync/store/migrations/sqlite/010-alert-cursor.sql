-- edgeloop sync endpoint, SQLite schema v10: the alert machine's progress is one high-water
-- mark instead of a flag on every window. SQLite has one writer and a window's id is taken
-- inside its write transaction, so windows commit in id order and "every window up to the
-- mark has been through the alert machine" is exact. Marking each window rewrote every
-- window row (~0.7 KB each, 50 a batch in the bench) a second time, with its index entry.
CREATE TABLE drift_alert_cursor (
  one INTEGER PRIMARY KEY CHECK (one = 1),
  last_window_id INTEGER NOT NULL
);
INSERT INTO drift_alert_cursor (one, last_window_id)
  VALUES (1, COALESCE((SELECT MIN(id) FROM drift_windows WHERE alerted = 0) - 1, (SELECT MAX(id) FROM drift_windows), 0));
DROP INDEX drift_windows_unalerted;
ALTER TABLE drift_windows DROP COLUMN alerted;
