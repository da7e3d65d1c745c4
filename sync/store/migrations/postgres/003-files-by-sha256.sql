-- Blob removal (Store.removeUnreferencedBlobs) asks whether any file row references a digest.
CREATE INDEX files_by_sha256 ON files (sha256);
