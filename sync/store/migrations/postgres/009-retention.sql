-- edgeloop sync endpoint, PostgreSQL schema v9: retention of the retrain loop's tables
-- (sync/retention/). Finished jobs with their log lines, and model events past the newest
-- of each model, are deleted once older than SYNC_JOB_RETENTION_DAYS /
-- SYNC_EVENT_RETENTION_DAYS. What a deleted row counted towards is added here in the
-- transaction that deletes it, so the counters read from the database at scrape time
-- (sync_job_attempts_total, sync_loop_events_total, …) never go down, and
-- sync_retention_pruned_total says what retention removed.
CREATE TABLE retention_tallies (
  -- `pruned` (label: a table), `job_attempts` / `job_failures` (a job kind),
  -- `loop_events` (an event kind) or `canary_decisions` (a canary action).
  counter TEXT NOT NULL,
  label TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (counter, label)
);
-- What pruning looks for: finished jobs by their end, events by their time.
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE state IN ('succeeded', 'failed');
CREATE INDEX model_events_by_at ON model_events (at);
