/**
 * How long a stopping worker (SIGTERM: a pod being preempted or scaled down) keeps finishing the
 * activities it holds before it cancels them. The chart's terminationGracePeriodSeconds must exceed
 * it, or Kubernetes kills the pod mid-drain (tests/helm-chart.test.ts checks the two).
 */
export const WORKER_DRAIN_SECONDS = 20;
