/** The task queue sstar's workers poll and its client starts workflows on. */
export const TASK_QUEUE = process.env.SSTAR_TASK_QUEUE ?? "sstar";
