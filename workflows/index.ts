// The workflow bundle's entry point: every workflow type a sstar worker serves.
export { smokeWorkflow } from "./smoke";
