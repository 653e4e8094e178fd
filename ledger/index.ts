export { type LedgerTarget, ledgerTarget, openLedger } from "./open-ledger";
export { type PostgresLedgerOptions, PostgresSpendLedger } from "./postgres-ledger";
export {
  type CostBreakdown,
  DEFAULT_PRICES_PATH,
  type EndpointPrice,
  findModelPrice,
  loadPriceFile,
  type ModelPrice,
  type PricedRow,
  type PricedTotals,
  type PriceFile,
  type PriceOptions,
  type PriceTable,
  priceTotals,
  selectPriceTable,
  type UnpricedUsage,
} from "./prices";
export { LEDGER_SCHEMA, LEDGER_SCHEMA_VERSION } from "./schema";
export {
  SQLITE_LEDGER_FILE,
  type SqliteLedgerOptions,
  SqliteSpendLedger,
  sqliteLedgerPath,
} from "./sqlite-ledger";
export * from "./types";
