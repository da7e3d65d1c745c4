-- edgeloop sync endpoint, PostgreSQL schema v7: the loop's audit log, one row per decision
-- about a model (sync/events/): an alias moved, a retrain job finished, a canary was
-- judged elsewhere (POST /v1/models/:name/events). Rows are only ever appended, so the
-- per-kind counts are Prometheus counters, the same from every replica. No foreign key on
-- `model`: a job can be queued for a model before it is published, and its end must still
-- be recorded.
CREATE TABLE model_events (
  id BIGSERIAL PRIMARY KEY,
  model TEXT NOT NULL,
  kind TEXT NOT NULL,
  version TEXT,
  at TIMESTAMPTZ NOT NULL,
  by TEXT NOT NULL,
  details JSONB NOT NULL
);
CREATE INDEX model_events_by_model ON model_events (model, id);
CREATE INDEX model_events_by_kind ON model_events (model, kind, id);
-- The canary decisions by action, for sync_canary_decisions_total at scrape time.
CREATE INDEX model_events_canary_actions ON model_events ((details->>'action')) WHERE kind = 'canary-decision';
