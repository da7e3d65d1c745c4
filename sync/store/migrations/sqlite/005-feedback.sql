-- edgeloop sync endpoint, SQLite schema v5: feedback, the labelled examples devices shared
-- (with their users' consent), one dataset per model for retraining jobs.
--
-- One row per distinct example of a model: `sha256` is the example's content id
-- (format/feedback-batch.ts, feedbackExampleId), so a retried batch or two devices
-- sending the same example store it once. `seq` orders the dataset for paging.
-- AUTOINCREMENT: a cleared dataset's sequence numbers are never given out again, so
-- a retraining job's cursor never skips a newer example.
-- `data` is the last column: reading the others never walks a large value's pages.
CREATE TABLE feedback_examples (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  model TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  version TEXT NOT NULL,
  label TEXT NOT NULL,
  predicted TEXT,
  dtype TEXT NOT NULL,
  shape TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  install_id TEXT,
  sender TEXT NOT NULL,
  data BLOB NOT NULL,
  UNIQUE (model, sha256),
  FOREIGN KEY (model, version) REFERENCES versions (name, version)
);
CREATE INDEX feedback_by_model ON feedback_examples (model, seq);
CREATE INDEX feedback_by_version ON feedback_examples (model, version, seq);
