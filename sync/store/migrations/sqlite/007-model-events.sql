-- edgeloop sync endpoint, SQLite schema v7: the loop's audit log, one row per decision
-- about a model (sync/events/): an alias moved, a retrain job finished, a canary was
-- judged elsewhere (POST /v1/models/:name/events). Rows are only ever appended, so the
-- per-kind counts are Prometheus counters. No foreign key on `model`: a job can be queued
-- for a model before it is published, and its end must still be recorded.
-- AUTOINCREMENT: an id is never given out twice, so `before` paging never skips a row.
CREATE TABLE model_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  version TEXT,
  at TEXT NOT NULL,
  by TEXT NOT NULL,
  details TEXT NOT NULL CHECK (json_valid(details))
);
CREATE INDEX model_events_by_model ON model_events (model, id);
CREATE INDEX model_events_by_kind ON model_events (model, kind, id);
