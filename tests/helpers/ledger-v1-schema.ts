/**
 * The ledger's schema as sstar wrote it up to commit 0b2baef (version 1, before GPU entries), word for word: what
 * a ledger written by an older sstar holds, for the migration tests.
 */
export const LEDGER_V1_SCHEMA = `
CREATE TABLE IF NOT EXISTS ledger_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS spend_entries (
  request_id TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('llm', 'sandbox')),
  run_id TEXT NOT NULL,
  budget_setting TEXT NOT NULL,
  problem_id TEXT NOT NULL,
  stage TEXT NOT NULL,
  role TEXT,
  model TEXT,
  endpoint TEXT,
  prompt_tokens BIGINT NOT NULL DEFAULT 0 CHECK (prompt_tokens >= 0),
  completion_tokens BIGINT NOT NULL DEFAULT 0 CHECK (completion_tokens >= 0),
  cached_tokens BIGINT NOT NULL DEFAULT 0 CHECK (cached_tokens >= 0),
  reasoning_tokens BIGINT NOT NULL DEFAULT 0 CHECK (reasoning_tokens >= 0),
  latency_ms DOUBLE PRECISION,
  attempt INTEGER,
  cpu_seconds DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (cpu_seconds >= 0),
  wall_seconds DOUBLE PRECISION NOT NULL DEFAULT 0 CHECK (wall_seconds >= 0),
  tests BIGINT NOT NULL DEFAULT 0 CHECK (tests >= 0),
  at TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  CHECK (kind = 'sandbox' OR (role IS NOT NULL AND model IS NOT NULL AND endpoint IS NOT NULL))
);

CREATE INDEX IF NOT EXISTS spend_entries_run_at ON spend_entries (run_id, at, request_id);

INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '1')
  ON CONFLICT (key) DO NOTHING;
`;
