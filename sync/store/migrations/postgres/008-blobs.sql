-- edgeloop sync endpoint, PostgreSQL schema v8: artifact blobs in the database
-- (sync/store/postgres-blob-store.ts), so endpoint replicas keep nothing on disk. One row
-- per distinct content, named by its SHA-256 (lower-case hex, as `files.sha256`); a
-- publish writes its blobs in the transaction that inserts its `files` rows. No foreign
-- key from `files`: with SYNC_BLOB_STORE=files the bytes are on disk and this table stays empty.
CREATE TABLE blobs (
  sha256 TEXT PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size BIGINT NOT NULL CHECK (size = octet_length(bytes)),
  bytes BYTEA NOT NULL
);
-- Stored out of line and uncompressed: weights do not compress, and a range request's
-- substring() then reads only the TOAST chunks it needs.
ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
