-- edgeloop sync endpoint, PostgreSQL schema v2: a batch id is unique per sender
-- (token) and device, not across the fleet, so another device's batch with the same
-- id is its own batch rather than a "duplicate" whose data is dropped.
ALTER TABLE telemetry_batches DROP CONSTRAINT telemetry_batches_pkey;
ALTER TABLE telemetry_batches ADD PRIMARY KEY (sender, device_id, batch_id);
