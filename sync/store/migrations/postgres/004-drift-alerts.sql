-- edgeloop sync endpoint, PostgreSQL schema v4: drift windows judged against the version's
-- baseline, alert streams with their hysteresis state, alerts, and webhook deliveries.
ALTER TABLE telemetry_batches ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;

-- One row per event that carried signal counts: the device's window, its verdict and
-- its counts (`report`: JSON { signals: [...statistics], counts: { signal: [bins] } }).
CREATE TABLE drift_windows (
  id BIGSERIAL PRIMARY KEY,
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  device_class TEXT NOT NULL,
  window_start TEXT NOT NULL,
  window_end TEXT NOT NULL,
  received_at TEXT NOT NULL,
  sample_size INTEGER NOT NULL,
  status TEXT NOT NULL,
  drifted INTEGER NOT NULL,
  evaluated INTEGER NOT NULL,
  epsilon DOUBLE PRECISION,
  report TEXT NOT NULL,
  alerted BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX drift_windows_by_version ON drift_windows (model, version, window_start);
CREATE INDEX drift_windows_unalerted ON drift_windows (id) WHERE NOT alerted;

CREATE TABLE alert_streams (
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  device_class TEXT NOT NULL,
  state TEXT NOT NULL,
  run INTEGER NOT NULL,
  since TEXT,
  last_status TEXT NOT NULL,
  last_window_id BIGINT NOT NULL,
  last_window_end TEXT NOT NULL,
  last_drifted INTEGER NOT NULL,
  last_evaluated INTEGER NOT NULL,
  windows_drift INTEGER NOT NULL,
  windows_ok INTEGER NOT NULL,
  windows_insufficient INTEGER NOT NULL,
  PRIMARY KEY (model, version, device_class)
);

CREATE TABLE alerts (
  id BIGSERIAL PRIMARY KEY,
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  device_class TEXT NOT NULL,
  state TEXT NOT NULL,
  previous TEXT NOT NULL,
  at TEXT NOT NULL,
  window_id BIGINT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX alerts_by_version ON alerts (model, version, id);

CREATE TABLE alert_deliveries (
  id BIGSERIAL PRIMARY KEY,
  alert_id BIGINT NOT NULL REFERENCES alerts (id),
  url TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT NOT NULL,
  delivered_at TEXT,
  last_error TEXT,
  UNIQUE (alert_id, url)
);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at) WHERE status = 'pending';
