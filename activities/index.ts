// Every activity a sstar worker registers. Activities hold all I/O; workflows only orchestrate.
export { runPythonInSandbox } from "./sandbox-smoke";
