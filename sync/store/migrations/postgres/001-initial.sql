-- edgeloop sync endpoint, PostgreSQL schema v1.
CREATE TABLE models (
  name TEXT PRIMARY KEY,
  created_at TIMESTAMPTZ NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE versions (
  name TEXT NOT NULL REFERENCES models(name),
  version TEXT NOT NULL,
  published_at TIMESTAMPTZ NOT NULL,
  bytes BIGINT NOT NULL,
  manifest_sha256 TEXT NOT NULL,
  signature_sha256 TEXT NOT NULL,
  metrics JSONB NOT NULL,
  PRIMARY KEY (name, version)
);

CREATE TABLE files (
  name TEXT NOT NULL,
  version TEXT NOT NULL,
  path TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes BIGINT NOT NULL,
  PRIMARY KEY (name, version, path),
  FOREIGN KEY (name, version) REFERENCES versions(name, version)
);

CREATE TABLE aliases (
  name TEXT NOT NULL REFERENCES models(name),
  alias TEXT NOT NULL,
  version TEXT NOT NULL,
  canary_version TEXT,
  canary_percent INTEGER,
  updated_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (name, alias)
);

CREATE TABLE alias_history (
  id BIGSERIAL PRIMARY KEY,
  name TEXT NOT NULL,
  alias TEXT NOT NULL,
  version TEXT NOT NULL,
  canary_version TEXT,
  canary_percent INTEGER,
  at TIMESTAMPTZ NOT NULL,
  by TEXT NOT NULL
);
CREATE INDEX alias_history_by_alias ON alias_history (name, alias, id);

CREATE TABLE telemetry_batches (
  batch_id TEXT PRIMARY KEY,
  device_id TEXT NOT NULL,
  sender TEXT NOT NULL,
  sent_at TEXT NOT NULL,
  received_at TIMESTAMPTZ NOT NULL,
  event_count INTEGER NOT NULL,
  events TEXT NOT NULL
);

CREATE TABLE telemetry_aggregates (
  model TEXT NOT NULL,
  version TEXT NOT NULL,
  hour TEXT NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  bin INTEGER NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (model, version, hour, kind, key, bin)
);
