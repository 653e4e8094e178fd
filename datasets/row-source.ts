import type { BadRowError } from "./problem";

/** What every reader of dataset rows yields and takes, whatever the file format. */

export interface RowAt {
  row: unknown;
  /** `file:line` (1-based) in JSONL, `file[index]` in a JSON array or a parquet file (0-based). */
  where: string;
}

export interface ReadRowsOptions {
  /**
   * Called for a JSONL line that is not JSON (or a parquet row whose columns have the wrong shape), which
   * is then skipped; without it, such a line throws.
   */
  onUnparsable?: (error: BadRowError) => void;
}
