/**
 * The ledger's schema: ONE DDL text that SQLite and PostgreSQL both run unchanged. Type names are
 * chosen to mean the same on both (SQLite maps BIGINT to INTEGER affinity and DOUBLE PRECISION to
 * REAL affinity); times are ISO 8601 UTC strings in `toISOString()` form, which sort as time does.
 *
 * One table holds both kinds of entry (`kind` = 'llm' | 'sandbox'), so one primary key makes
 * requestIds unique ledger-wide and one `INSERT ... ON CONFLICT (request_id) DO NOTHING` gives
 * idempotency on both databases. Columns a kind does not have are NULL (role, model, endpoint,
 * latency, attempt for sandbox batches) or 0 (counters), so sums never need COALESCE.
 */
export const LEDGER_SCHEMA_VERSION = 1;

export const LEDGER_SCHEMA = `
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

INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '${LEDGER_SCHEMA_VERSION}')
  ON CONFLICT (key) DO NOTHING;
`;

/**
 * Database-level guards that make the table append-only even for someone holding a raw
 * connection. Trigger syntax differs between the two databases, so these are per dialect; they
 * add no columns and change nothing in the shared schema. (`INSERT ... ON CONFLICT DO NOTHING`
 * fires no UPDATE trigger.) To prune old runs deliberately, drop these triggers first.
 */
export const SQLITE_APPEND_ONLY_GUARDS = `
CREATE TRIGGER IF NOT EXISTS spend_entries_no_update BEFORE UPDATE ON spend_entries
BEGIN SELECT RAISE(ABORT, 'spend_entries is append-only'); END;
CREATE TRIGGER IF NOT EXISTS spend_entries_no_delete BEFORE DELETE ON spend_entries
BEGIN SELECT RAISE(ABORT, 'spend_entries is append-only'); END;
`;

export const POSTGRES_APPEND_ONLY_GUARDS = `
CREATE OR REPLACE FUNCTION spend_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'spend_entries is append-only';
END
$$;
CREATE OR REPLACE TRIGGER spend_entries_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON spend_entries
  FOR EACH STATEMENT EXECUTE FUNCTION spend_entries_append_only();
`;

/** Column order used by every INSERT (both dialects). */
export const ENTRY_COLUMNS = [
  "request_id",
  "kind",
  "run_id",
  "budget_setting",
  "problem_id",
  "stage",
  "role",
  "model",
  "endpoint",
  "prompt_tokens",
  "completion_tokens",
  "cached_tokens",
  "reasoning_tokens",
  "latency_ms",
  "attempt",
  "cpu_seconds",
  "wall_seconds",
  "tests",
  "at",
  "recorded_at",
] as const;
