-- edgeloop sync endpoint, PostgreSQL schema v10: a telemetry batch's row keeps what makes
-- it a batch (its key, sender, times, event and drop counts), not its events as JSON.
-- Nothing read them back: the aggregates and the drift windows hold every count an event
-- carries, and at ~17 KB a batch of 50 events they were a third of what ingest wrote
-- (compressed into TOAST on every insert), kept forever.
ALTER TABLE telemetry_batches DROP COLUMN events;
