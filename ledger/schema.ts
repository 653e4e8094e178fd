/**
 * The ledger's schema: ONE DDL text that SQLite and PostgreSQL both run unchanged. Type names are
 * chosen to mean the same on both (SQLite maps BIGINT to INTEGER affinity and DOUBLE PRECISION to
 * REAL affinity); times are ISO 8601 UTC strings in `toISOString()` form, which sort as time does.
 *
 * One table holds both kinds of entry (`kind` = 'llm' | 'sandbox'), so one primary key makes
 * requestIds unique ledger-wide and one `INSERT ... ON CONFLICT (request_id) DO NOTHING` gives
 * idempotency on both databases. Columns a kind does not have are NULL (role, model, endpoint,
 * latency, attempt for sandbox batches) or 0 (counters), so sums never need COALESCE.
 *
 * GPU time (version 2) has its own table: it is not paid per request but metered per slice of
 * time and split between runs, so its rows have other columns; its requestIds are unique there.
 *
 * Samples an adaptive budget did not draw (version 3) have their own table too: they are not spend
 * but what was not spent, one row per finished problem, so no sum over spend ever includes them.
 */
export const LEDGER_SCHEMA_VERSION = 3;

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

-- Version 2: GPU time, metered from the endpoint's pods and attributed to runs by the GPU meter
-- (spend/gpu-attribution.ts). One row per (slice of time, run, budget setting, stage, model).
CREATE TABLE IF NOT EXISTS gpu_entries (
  request_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  budget_setting TEXT NOT NULL,
  stage TEXT NOT NULL,
  model TEXT NOT NULL,
  endpoint TEXT NOT NULL,
  gpu_seconds DOUBLE PRECISION NOT NULL CHECK (gpu_seconds >= 0),
  slice_from TEXT NOT NULL,
  slice_to TEXT NOT NULL,
  at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS gpu_entries_run ON gpu_entries (run_id, slice_from);
-- The meter reads every run's responses from one model in a window of time.
CREATE INDEX IF NOT EXISTS spend_entries_model_at ON spend_entries (model, at);

-- Version 3: per finished problem, the samples its fixed budget would have drawn and those an
-- adaptive budget policy drew (docs/adaptive-budget.md).
CREATE TABLE IF NOT EXISTS samples_saved (
  request_id TEXT PRIMARY KEY,
  run_id TEXT NOT NULL,
  budget_setting TEXT NOT NULL,
  problem_id TEXT NOT NULL,
  policy TEXT NOT NULL,
  samples_budget BIGINT NOT NULL CHECK (samples_budget >= 0),
  samples_drawn BIGINT NOT NULL CHECK (samples_drawn >= 0 AND samples_drawn <= samples_budget),
  stop_reason TEXT NOT NULL,
  at TEXT NOT NULL,
  recorded_at TEXT NOT NULL
);

CREATE INDEX IF NOT EXISTS samples_saved_run ON samples_saved (run_id, budget_setting);

INSERT INTO ledger_meta (key, value) VALUES ('schema_version', '${LEDGER_SCHEMA_VERSION}')
  ON CONFLICT (key) DO NOTHING;
-- A version-1 or -2 ledger has everything above now; only its version number is left to move.
UPDATE ledger_meta SET value = '3' WHERE key = 'schema_version' AND value IN ('1', '2');
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
CREATE TRIGGER IF NOT EXISTS gpu_entries_no_update BEFORE UPDATE ON gpu_entries
BEGIN SELECT RAISE(ABORT, 'gpu_entries is append-only'); END;
CREATE TRIGGER IF NOT EXISTS gpu_entries_no_delete BEFORE DELETE ON gpu_entries
BEGIN SELECT RAISE(ABORT, 'gpu_entries is append-only'); END;
CREATE TRIGGER IF NOT EXISTS samples_saved_no_update BEFORE UPDATE ON samples_saved
BEGIN SELECT RAISE(ABORT, 'samples_saved is append-only'); END;
CREATE TRIGGER IF NOT EXISTS samples_saved_no_delete BEFORE DELETE ON samples_saved
BEGIN SELECT RAISE(ABORT, 'samples_saved is append-only'); END;
`;

export const POSTGRES_APPEND_ONLY_GUARDS = `
CREATE OR REPLACE FUNCTION spend_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'spend_entries is append-only';
END
$$;
CREATE OR REPLACE TRIGGER spend_entries_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON spend_entries
  FOR EACH STATEMENT EXECUTE FUNCTION spend_entries_append_only();
CREATE OR REPLACE FUNCTION gpu_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'gpu_entries is append-only';
END
$$;
CREATE OR REPLACE TRIGGER gpu_entries_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON gpu_entries
  FOR EACH STATEMENT EXECUTE FUNCTION gpu_entries_append_only();
CREATE OR REPLACE FUNCTION samples_saved_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'samples_saved is append-only';
END
$$;
CREATE OR REPLACE TRIGGER samples_saved_no_change BEFORE UPDATE OR DELETE OR TRUNCATE ON samples_saved
  FOR EACH STATEMENT EXECUTE FUNCTION samples_saved_append_only();
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

/** Column order of the GPU table's INSERT (both dialects). */
export const GPU_COLUMNS = [
  "request_id",
  "run_id",
  "budget_setting",
  "stage",
  "model",
  "endpoint",
  "gpu_seconds",
  "slice_from",
  "slice_to",
  "at",
  "recorded_at",
] as const;

/** Column order of the saved-samples table's INSERT (both dialects). */
export const SAMPLES_SAVED_COLUMNS = [
  "request_id",
  "run_id",
  "budget_setting",
  "problem_id",
  "policy",
  "samples_budget",
  "samples_drawn",
  "stop_reason",
  "at",
  "recorded_at",
] as const;
