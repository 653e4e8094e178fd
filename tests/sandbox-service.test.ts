import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { request as httpRequest } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { RemoteExecutor } from "../sandbox/service/remote-executor";
import {
  createSandboxServer,
  type SandboxServer,
  type SandboxServerOptions,
} from "../sandbox/service/server";
import {
  type ExecutionRequest,
  type ExecutionResult,
  ExecutorUnavailableError,
  InvalidRequestError,
  type ProgramExecutor,
} from "../sandbox/types";
import { killHard, tempDir, waitFor } from "./helpers/processes";

/**
 * A stand-in executor whose runs finish when the test says so, so that queue states are reached
 * deterministically. Each test's output is `program|input`; grading compares it with `expected`.
 */
class ControlledExecutor implements ProgramExecutor {
  /** When false, every run waits in `held` until the test finishes it. */
  autoFinish = true;
  readonly held: { request: ExecutionRequest; finish: () => void }[] = [];
  running = 0;
  maxRunning = 0;

  async execute(request: ExecutionRequest): Promise<ExecutionResult> {
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      if (this.autoFinish) await new Promise((resolve) => setImmediate(resolve));
      else await new Promise<void>((finish) => this.held.push({ request, finish }));
      if (request.program === "unavailable") throw new ExecutorUnavailableError("every sandbox died");
      return echoResult(request);
    } finally {
      this.running--;
    }
  }

  /** Finishes every held run, and lets later runs finish by themselves. */
  finishAll(): void {
    this.autoFinish = true;
    for (const run of this.held.splice(0)) run.finish();
  }

  async close(): Promise<void> {}
}

function echoResult(request: ExecutionRequest): ExecutionResult {
  const mode = request.mode ?? "grade";
  return {
    grader: request.grader ?? "lcb",
    mode,
    isolation: "process",
    cpuMs: 250 * request.tests.length,
    wallMs: 300 * request.tests.length,
    tests: request.tests.map((test) => {
      const output = `${request.program}|${test.input}`;
      const outcome = mode === "collect" ? "ok" : output === test.expected ? "passed" : "wrong_answer";
      return { outcome, output, cpuMs: 250, wallMs: 300 };
    }),
  };
}

function gradeRequest(program: string, inputs: string[], passing = true): ExecutionRequest {
  return {
    program,
    kind: "stdin",
    tests: inputs.map((input) => ({ input, expected: passing ? `${program}|${input}` : "no" })),
  };
}

const running: { server: SandboxServer; executor: ControlledExecutor }[] = [];
afterEach(async () => {
  // A failed test may leave runs held, and close() waits for them.
  for (const { executor } of running) executor.finishAll();
  await Promise.all(running.splice(0).map(({ server }) => server.close()));
});

async function startServer(
  overrides: Partial<SandboxServerOptions> = {},
): Promise<{ url: string; server: SandboxServer; executor: ControlledExecutor }> {
  const executor = new ControlledExecutor();
  const server = createSandboxServer({
    executor,
    maxConcurrent: 2,
    maxQueue: 8,
    maxBodyBytes: 1024 * 1024,
    logError: () => {},
    ...overrides,
  });
  running.push({ server, executor });
  const { url } = await server.listen(0, "127.0.0.1");
  return { url, server, executor };
}

/** Whichever of these the status implies; each test reads the one it expects. */
interface ServiceAnswer {
  result: ExecutionResult;
  results: ExecutionResult[];
  error: { message: string; type: string; param?: string };
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/v1/execute`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ServiceAnswer,
  };
}

/** The value of one sample line of the Prometheus text, e.g. `sstar_sandbox_queue_depth`. */
async function metric(url: string, sample: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

function heldRuns(executor: ControlledExecutor, count: number): Promise<true> {
  return waitFor(() => (executor.held.length >= count ? true : undefined), 10_000);
}

function queueDepth(url: string, depth: number): Promise<true> {
  return waitFor(
    async () => ((await metric(url, "sstar_sandbox_queue_depth")) === depth ? true : undefined),
    10_000,
  );
}

describe("POST /v1/execute", { timeout: 20_000 }, () => {
  it("runs one program on many tests and answers { result }", async () => {
    const { url } = await startServer();
    const { status, body } = await postJson(url, gradeRequest("p", ["1", "2", "3"]));
    expect(status).toBe(200);
    expect(body.result.tests.map((t) => t.outcome)).toEqual(["passed", "passed", "passed"]);
    expect(body.result.tests.map((t) => t.output)).toEqual(["p|1", "p|2", "p|3"]);
  });

  it("answers a batch with { results } in input order, whatever order the runs finish in", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 3 });
    executor.autoFinish = false;
    const answer = postJson(url, {
      batch: [
        gradeRequest("a", ["1"]),
        gradeRequest("b", ["2"], false),
        { ...gradeRequest("c", ["3"]), mode: "collect" },
      ],
    });
    await heldRuns(executor, 3);
    for (const run of [...executor.held].reverse()) run.finish();
    const { status, body } = await answer;
    expect(status).toBe(200);
    expect(body.results.map((r) => [r.tests[0]?.output, r.tests[0]?.outcome])).toEqual([
      ["a|1", "passed"],
      ["b|2", "wrong_answer"],
      ["c|3", "ok"],
    ]);
  });

  it("serves parallel requests, each with its own answer, never more than maxConcurrent at once", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 2, maxQueue: 8 });
    executor.autoFinish = false;
    const programs = ["p0", "p1", "p2", "p3", "p4", "p5"];
    const answers = programs.map((program) => postJson(url, gradeRequest(program, [`in-${program}`])));
    await heldRuns(executor, 2);
    await queueDepth(url, 4);
    expect(await metric(url, "sstar_sandbox_executions_in_flight")).toBe(2);
    executor.finishAll();
    const bodies = await Promise.all(answers);
    expect(bodies.map((a) => a.status)).toEqual(programs.map(() => 200));
    expect(bodies.map((a) => a.body.result.tests[0]?.output)).toEqual(programs.map((p) => `${p}|in-${p}`));
    expect(executor.maxRunning).toBe(2);
    expect(await metric(url, "sstar_sandbox_queue_depth")).toBe(0);
  });

  it("refuses with 429, Retry-After and an overloaded error once the queue is full, and recovers", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 1, maxQueue: 1 });
    executor.autoFinish = false;
    const first = postJson(url, gradeRequest("first", ["x"]));
    await heldRuns(executor, 1);
    const second = postJson(url, gradeRequest("second", ["x"]));
    await queueDepth(url, 1);

    const refused = await postJson(url, gradeRequest("third", ["x"]));
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(refused.body.error.type).toBe("overloaded");
    expect(refused.body.error.message).toMatch(/1 running and 1 queued/);

    executor.finishAll();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
    // Two jobs fit now, but a batch beyond running + queued could never fit: that is not "try later".
    const tooBig = await postJson(url, { batch: [1, 2, 3].map((i) => gradeRequest(`b${i}`, ["x"])) });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.error.param).toBe("batch");
    expect(
      (await postJson(url, { batch: [gradeRequest("b1", ["x"]), gradeRequest("b2", ["x"])] })).status,
    ).toBe(200);
  });

  it("refuses a batch as a whole when only part of it would fit", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 1, maxQueue: 1 });
    executor.autoFinish = false;
    const first = postJson(url, gradeRequest("first", ["x"]));
    await heldRuns(executor, 1);
    const refused = await postJson(url, { batch: [gradeRequest("a", ["x"]), gradeRequest("b", ["x"])] });
    expect(refused.status).toBe(429);
    expect(await metric(url, "sstar_sandbox_queue_depth")).toBe(0);
    executor.finishAll();
    expect((await first).status).toBe(200);
  });

  it.each([
    ["malformed JSON", '{"program": "print(1)", ', "body", /body: is not valid JSON/],
    ["a JSON array", "[]", "body", /body: must be a JSON object/],
    [
      "a test input that is not a string",
      { ...gradeRequest("p", ["1"]), tests: [{ input: 3 }] },
      "request.tests[0].input",
      /must be a string/,
    ],
    ["an unknown kind", { ...gradeRequest("p", ["1"]), kind: "java" }, "request.kind", /must be one of/],
    ["a batch that is not an array", { batch: {} }, "batch", /must be an array/],
    [
      "a bad batch item",
      { batch: [gradeRequest("p", ["1"]), { program: "x", tests: [] }] },
      "batch[1].kind",
      /is required/,
    ],
    ["fields next to batch", { batch: [], program: "x" }, "program", /not allowed next to batch/],
  ])("answers 400 naming the field for %s", async (_case, body, param, message) => {
    const { url } = await startServer();
    const answer = await postJson(url, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.type).toBe("invalid_request_error");
    expect(answer.body.error.param).toBe(param);
    expect(answer.body.error.message).toMatch(message);
    expect(answer.body.error.message.startsWith(`${param}: `)).toBe(true);
  });

  it("answers 503 with Retry-After when the executor is unavailable", async () => {
    const { url } = await startServer();
    const answer = await postJson(url, gradeRequest("unavailable", ["1"]));
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(answer.body.error.message).toBe("every sandbox died");
  });

  it("asks for the bearer token when one is set, on execution only", async () => {
    const { url } = await startServer({ token: "s3cret" });
    const missing = await postJson(url, gradeRequest("p", ["1"]));
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect((await postJson(url, gradeRequest("p", ["1"]), { authorization: "Bearer wrong" })).status).toBe(
      401,
    );
    expect((await postJson(url, gradeRequest("p", ["1"]), { authorization: "Bearer s3cret" })).status).toBe(
      200,
    );
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/metrics`)).status).toBe(200);
  });

  it("answers 413 to a body over the limit, declared or streamed, and keeps serving", async () => {
    const { url } = await startServer({ maxBodyBytes: 1024 });
    const declared = await postJson(url, gradeRequest("x".repeat(2000), ["1"]));
    expect(declared.status).toBe(413);
    expect(declared.body.error.param).toBe("body");

    // Chunked, so the server only learns the size while reading.
    const streamed = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${url}/v1/execute`, { method: "POST" }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      for (let i = 0; i < 4; i++) req.write("x".repeat(512));
      req.end();
    });
    expect(streamed).toBe(413);
    expect((await postJson(url, gradeRequest("p", ["1"]))).status).toBe(200);
  });

  it("forgets a client that hangs up halfway through its body (capacity 1 stays free)", async () => {
    const logged: unknown[] = [];
    const { url } = await startServer({ maxConcurrent: 1, maxQueue: 0, logError: (e) => logged.push(e) });
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${url}/v1/execute`, { method: "POST", headers: { "content-length": "1000" } });
      req.on("error", () => resolve());
      req.write('{"program": "half', () => setTimeout(() => req.destroy(), 50));
    });
    await waitFor(
      async () => ((await postJson(url, gradeRequest("p", ["1"]))).status === 200 ? true : undefined),
      5_000,
    );
    expect(logged).toEqual([]);
  });

  it("answers 404 to an unknown path and 405 with Allow to a wrong method", async () => {
    const { url } = await startServer();
    expect((await fetch(`${url}/v2/execute`, { method: "POST" })).status).toBe(404);
    const wrongMethod = await fetch(`${url}/v1/execute`);
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expect((await fetch(`${url}/healthz`, { method: "DELETE" })).status).toBe(405);
  });
});

describe("probes and metrics", { timeout: 20_000 }, () => {
  it("reports alive and ready, then not ready while draining, then stops", async () => {
    const { url, server, executor } = await startServer();
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: "ok" });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    executor.autoFinish = false;
    const admitted = postJson(url, gradeRequest("admitted", ["1"]));
    await heldRuns(executor, 1);
    const closed = server.close();
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const refused = await postJson(url, gradeRequest("late", ["1"]));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");

    executor.finishAll();
    const answer = await admitted;
    expect(answer.status).toBe(200);
    expect(answer.body.result.tests[0]?.output).toBe("admitted|1");
    await closed;
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });

  it("counts runs, verdicts, CPU and wall seconds, and request durations", async () => {
    const { url } = await startServer();
    const counterBefore = await metric(url, 'sstar_sandbox_runs_total{isolation="process"}');
    expect(counterBefore).toBeUndefined();
    await postJson(url, { batch: [gradeRequest("a", ["1", "2"]), gradeRequest("b", ["1"], false)] });
    await postJson(url, { ...gradeRequest("c", ["1"]), mode: "collect" });

    expect(await metric(url, 'sstar_sandbox_runs_total{isolation="process"}')).toBe(3);
    expect(await metric(url, 'sstar_sandbox_verdicts_total{verdict="passed"}')).toBe(2);
    expect(await metric(url, 'sstar_sandbox_verdicts_total{verdict="wrong_answer"}')).toBe(1);
    expect(await metric(url, 'sstar_sandbox_verdicts_total{verdict="ok"}')).toBe(1);
    expect(await metric(url, "sstar_sandbox_cpu_seconds_total")).toBeCloseTo(1.0);
    expect(await metric(url, "sstar_sandbox_wall_seconds_total")).toBeCloseTo(1.2);
    expect(await metric(url, "sstar_sandbox_queue_depth")).toBe(0);
    expect(await metric(url, "sstar_sandbox_executions_in_flight")).toBe(0);
    expect(
      await metric(url, 'sstar_sandbox_request_duration_seconds_count{route="/v1/execute",code="200"}'),
    ).toBe(2);
  });

  it("counts error answers by route and error type", async () => {
    const { url } = await startServer();
    expect((await postJson(url, "{not json")).status).toBe(400);
    expect((await postJson(url, { ...gradeRequest("a", ["1"]), tests: [{ input: 3 }] })).status).toBe(400);
    expect((await fetch(`${url}/nope`)).status).toBe(404);
    await postJson(url, gradeRequest("ok", ["1"]));
    expect(
      await metric(
        url,
        'sstar_sandbox_request_errors_total{route="/v1/execute",type="invalid_request_error"}',
      ),
    ).toBe(2);
    expect(await metric(url, 'sstar_sandbox_request_errors_total{route="other",type="not_found"}')).toBe(1);
  });

  it("keeps each server's metrics in its own registry", async () => {
    const one = await startServer();
    const two = await startServer();
    await postJson(one.url, gradeRequest("a", ["1"]));
    expect(await metric(one.url, 'sstar_sandbox_runs_total{isolation="process"}')).toBe(1);
    expect(await metric(two.url, 'sstar_sandbox_runs_total{isolation="process"}')).toBeUndefined();
  });
});

describe("RemoteExecutor", { timeout: 20_000 }, () => {
  const remotes: RemoteExecutor[] = [];
  afterEach(async () => {
    await Promise.all(remotes.splice(0).map((remote) => remote.close()));
  });
  function remoteOf(baseUrl: string, options: { token?: string; maxRetries?: number } = {}): RemoteExecutor {
    const remote = new RemoteExecutor({ baseUrl, initialBackoffMs: 50, ...options });
    remotes.push(remote);
    return remote;
  }

  it("executes single requests and batches through the service, with the token", async () => {
    const { url } = await startServer({ token: "t0k" });
    const remote = remoteOf(url, { token: "t0k" });
    const result = await remote.execute(gradeRequest("p", ["1", "2"]));
    expect(result.tests.map((t) => t.output)).toEqual(["p|1", "p|2"]);
    const results = await remote.executeBatch([gradeRequest("a", ["1"]), gradeRequest("b", ["1"], false)]);
    expect(results.map((r) => r.tests[0]?.outcome)).toEqual(["passed", "wrong_answer"]);
  });

  it("turns a 400 into InvalidRequestError naming the field, and other errors into messages with URL and status", async () => {
    const { url } = await startServer({ token: "t0k" });
    const bad = { ...gradeRequest("p", ["1"]), tests: [{ input: 3 }] } as unknown as ExecutionRequest;
    const invalid = await remoteOf(url, { token: "t0k" })
      .execute(bad)
      .catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(InvalidRequestError);
    expect((invalid as InvalidRequestError).field).toBe("request.tests[0].input");
    expect((invalid as Error).message).toContain(`${url}/v1/execute answered 400`);

    await expect(remoteOf(url, { token: "nope" }).execute(gradeRequest("p", ["1"]))).rejects.toThrow(
      `POST ${url}/v1/execute answered 401: missing or wrong bearer token`,
    );
  });

  it("waits as Retry-After says while the service is overloaded, then gets its answer", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 1, maxQueue: 0 });
    executor.autoFinish = false;
    const blocker = postJson(url, gradeRequest("blocker", ["1"]));
    await heldRuns(executor, 1);
    const remote = remoteOf(url);
    const retried = remote.execute(gradeRequest("patient", ["1"]));
    const code429 = 'sstar_sandbox_request_duration_seconds_count{route="/v1/execute",code="429"}';
    await waitFor(async () => ((await metric(url, code429)) ?? 0) >= 1 || undefined, 10_000);
    executor.finishAll();
    expect((await retried).tests[0]?.output).toBe("patient|1");
    expect((await blocker).status).toBe(200);
  });

  it("gives up after its retries with ExecutorUnavailableError naming the URL and status", async () => {
    const { url, executor } = await startServer({ maxConcurrent: 1, maxQueue: 0 });
    const unavailable = await remoteOf(url, { maxRetries: 1 })
      .execute(gradeRequest("unavailable", ["1"]))
      .catch((e: unknown) => e);
    expect(unavailable).toBeInstanceOf(ExecutorUnavailableError);
    expect((unavailable as Error).message).toBe(
      `POST ${url}/v1/execute answered 503 after 2 attempts: every sandbox died`,
    );

    executor.autoFinish = false;
    const blocker = postJson(url, gradeRequest("blocker", ["1"]));
    await heldRuns(executor, 1);
    await expect(remoteOf(url, { maxRetries: 0 }).execute(gradeRequest("p", ["1"]))).rejects.toThrow(
      new RegExp(`^POST ${url}/v1/execute answered 429 after 1 attempts: overloaded`),
    );
    executor.finishAll();
    await blocker;
  });

  it("abandons a request in progress when closed", async () => {
    const { url, executor } = await startServer();
    executor.autoFinish = false;
    const remote = remoteOf(url);
    const pending = remote.execute(gradeRequest("p", ["1"])).catch((e: unknown) => e);
    await heldRuns(executor, 1);
    await remote.close();
    const error = await pending;
    expect(error).toBeInstanceOf(ExecutorUnavailableError);
    expect((error as Error).message).toBe(`POST ${url}/v1/execute: the client is closed`);
  });

  it("reports a service that is not there as unavailable", async () => {
    const { url, server } = await startServer();
    await server.close();
    const error = await remoteOf(url, { maxRetries: 1 })
      .execute(gradeRequest("p", ["1"]))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ExecutorUnavailableError);
    expect((error as Error).message).toMatch(
      new RegExp(`^POST ${url}/v1/execute failed after 2 attempts: .*ECONNREFUSED`),
    );
  });
});

// The command end to end; this one runs real programs through createExecutor's unsandboxed process mode.
describe("sstar sandbox serve", () => {
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child) await killHard(child);
    child = undefined;
  });

  it("answers --help", () => {
    const help = spawnSync(process.execPath, ["bin/sstar.js", "sandbox", "serve", "--help"], {
      cwd: projectRoot,
      encoding: "utf8",
    });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: sstar sandbox serve/);
    expect(help.stdout).toContain("--max-queue");
  });

  it("prints its URL first, executes, and drains then exits 0 on SIGTERM", async () => {
    const dataDir = tempDir("sandbox-serve");
    child = spawn(
      process.execPath,
      [
        "bin/sstar.js",
        "--data-dir",
        dataDir,
        "sandbox",
        "serve",
        "--port",
        "0",
        "--isolation",
        "process",
        "--unsafe-no-sandbox",
        "--pool-size",
        "1",
        "--token-env",
        "SSTAR_TEST_SANDBOX_TOKEN",
      ],
      {
        cwd: projectRoot,
        env: { ...process.env, SSTAR_TEST_SANDBOX_TOKEN: "tok" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => (stdout += chunk));
    child.stderr?.on("data", (chunk) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child?.once("exit", (code) => resolve(code)));
    const url = await waitFor(
      () => (stdout.includes("\n") ? stdout.split("\n")[0] : undefined),
      60_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${stderr}`);
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const remote = new RemoteExecutor({ baseUrl: url ?? "", token: "tok" });
    const result = await remote.execute({
      program: "print(int(input()) * 2)",
      kind: "stdin",
      tests: [{ input: "21\n", expected: "42\n" }],
    });
    await remote.close();
    expect(result.tests.map((t) => t.outcome)).toEqual(["passed"]);

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(stderr).toContain("draining");
  });
});
