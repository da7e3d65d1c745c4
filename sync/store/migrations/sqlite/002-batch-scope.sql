-- edgeloop sync endpoint, SQLite schema v2: a batch id is unique per sender (token)
-- and device, not across the fleet, so another device's batch with the same id is
-- its own batch rather than a "duplicate" whose data is dropped. SQLite cannot change
-- a primary key in place: the table is rebuilt, rows kept.
CREATE TABLE telemetry_batches_v2 (
  sender TEXT NOT NULL,
  device_id TEXT NOT NULL,
  batch_id TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  event_count INTEGER NOT NULL,
  events TEXT NOT NULL,
  PRIMARY KEY (sender, device_id, batch_id)
);
INSERT INTO telemetry_batches_v2 (sender, device_id, batch_id, sent_at, received_at, event_count, events)
  SELECT sender, device_id, batch_id, sent_at, received_at, event_count, events FROM telemetry_batches;
DROP TABLE telemetry_batches;
ALTER TABLE telemetry_batches_v2 RENAME TO telemetry_batches;
