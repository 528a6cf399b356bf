-- The store's schema (PostgreSQL). Keep it in step with ../sqlite/V1__store.sql: the same tables and columns.
-- Times are microseconds since the epoch (UTC).

CREATE TABLE account (
  singleton SMALLINT PRIMARY KEY CHECK (singleton = 1),
  id TEXT COLLATE "C" NOT NULL,
  created BIGINT NOT NULL
);

-- One row: the change counter every write moves, how far the change log was compacted, and the check value of
-- the master key the store's secrets are encrypted under.
CREATE TABLE store_state (
  singleton SMALLINT PRIMARY KEY CHECK (singleton = 1),
  version BIGINT NOT NULL,
  compacted_through BIGINT NOT NULL,
  key_check BYTEA
);
INSERT INTO store_state (singleton, version, compacted_through) VALUES (1, 0, 0);

CREATE TABLE entities (
  kind TEXT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  unique_name TEXT COLLATE "C" NOT NULL,
  resource_version TEXT NOT NULL,
  body TEXT NOT NULL,
  created BIGINT NOT NULL,
  modified BIGINT NOT NULL,
  PRIMARY KEY (kind, id),
  UNIQUE (kind, unique_name)
);

CREATE TABLE api_key_hashes (
  kind TEXT NOT NULL DEFAULT 'apiKey' CHECK (kind = 'apiKey'),
  key_id TEXT COLLATE "C" PRIMARY KEY,
  hash BYTEA NOT NULL,
  FOREIGN KEY (kind, key_id) REFERENCES entities (kind, id) ON DELETE CASCADE
);

CREATE TABLE api_key_use (
  kind TEXT NOT NULL DEFAULT 'apiKey' CHECK (kind = 'apiKey'),
  key_id TEXT COLLATE "C" PRIMARY KEY,
  last_used BIGINT NOT NULL,
  FOREIGN KEY (kind, key_id) REFERENCES entities (kind, id) ON DELETE CASCADE
);

CREATE TABLE secrets (
  name TEXT COLLATE "C" PRIMARY KEY,
  ciphertext BYTEA NOT NULL
);

CREATE TABLE change_log (
  seq BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  deleted SMALLINT NOT NULL,
  at BIGINT NOT NULL
);
CREATE INDEX change_log_at ON change_log (at);
