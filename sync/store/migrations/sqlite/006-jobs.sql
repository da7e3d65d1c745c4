-- edgeloop sync endpoint, SQLite schema v6: the job queue of the retraining loop
-- (sync/jobs/). A job is queued → running → succeeded | failed; a running job is held by
-- one worker under a lease (`lease_until`, renewed by heartbeats) and a fencing token
-- (`lease_token`, bumped by every claim): a write that names an older token changes nothing.
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  model TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  lease_token INTEGER NOT NULL DEFAULT 0,
  worker_id TEXT,
  lease_until TEXT,
  run_after TEXT NOT NULL,
  progress REAL NOT NULL DEFAULT 0,
  message TEXT,
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
);
-- At most one queued-or-running job of a kind per model: the dedupe rule, kept by the database.
CREATE UNIQUE INDEX jobs_one_open ON jobs (kind, model) WHERE state IN ('queued', 'running');
CREATE INDEX jobs_queued ON jobs (kind, id) WHERE state = 'queued';
CREATE INDEX jobs_running ON jobs (lease_until) WHERE state = 'running';
CREATE INDEX jobs_by_model ON jobs (model, id);

-- A job's log, in order; `attempt` is the job's attempt that wrote the line.
CREATE TABLE job_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  job_id INTEGER NOT NULL REFERENCES jobs (id),
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  line TEXT NOT NULL
);
CREATE INDEX job_log_by_job ON job_log (job_id, id);
