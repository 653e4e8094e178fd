// The workflow bundle's entry point: every workflow type a sstar worker serves.
export { problemWorkflow } from "./problem-workflow";
export { reselectWorkflow } from "./reselect-workflow";
export { progressQuery, runWorkflow } from "./run-workflow";
export { smokeWorkflow } from "./smoke";
export { sweepProblemWorkflow, sweepWorkflow } from "./sweep-workflow";
