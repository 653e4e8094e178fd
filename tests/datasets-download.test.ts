import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  cachedPath,
  cacheFolder,
  type DownloadProgress,
  downloadToCache,
  fileNameOf,
  progressPrinter,
} from "../datasets/download";
import { inspectDataset } from "../datasets/inspect";
import { LCB_BASE_URL_ENV, LCB_DEFAULT_BASE_URL, lcbShards, lcbShardUrls } from "../datasets/lcb-releases";
import { resolveDataset } from "../datasets/resolve-dataset";
import { selectProblems } from "../datasets/select-problems";
import { projectRoot } from "../runtime/paths";
import { tempDir } from "./helpers/processes";
import { jsonOutput, runSstar } from "./helpers/sstar-cli";

const FIXTURES = join(projectRoot, "..", "shared", "data", "fixtures");
const RAW_ROWS = readFileSync(join(FIXTURES, "lcb_lite_raw_sample.jsonl"), "utf8").trim().split("\n");

/** What the fixture server does for one path. */
interface Served {
  body: Buffer;
  /** Answer Range requests with 206 (default true). */
  ranges?: boolean;
  /** On the first request only, send this many bytes of the body, then cut the connection. */
  cutFirstAt?: number;
  etag?: string;
}

interface Seen {
  path: string;
  range?: string;
  ifRange?: string;
}

/** A plain node:http server on 127.0.0.1 serving fixtures, recording every request. */
class FixtureServer {
  readonly files = new Map<string, Served>();
  readonly requests: Seen[] = [];
  private readonly cut = new Set<string>();
  private server: Server | undefined;
  base = "";

  async start(): Promise<void> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(0, "127.0.0.1", resolve));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => this.server?.close(() => resolve()));
  }

  requestsFor(path: string): Seen[] {
    return this.requests.filter((r) => r.path === path);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    this.requests.push({ path, range: req.headers.range, ifRange: req.headers["if-range"] as string });
    const served = this.files.get(path);
    if (!served) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    const { body } = served;
    const headers: Record<string, string | number> = { "content-type": "application/octet-stream" };
    if (served.etag) headers.etag = served.etag;
    if (served.ranges !== false) headers["accept-ranges"] = "bytes";
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
    const ifRange = req.headers["if-range"];
    let start = 0;
    if (range && served.ranges !== false && (!ifRange || ifRange === served.etag)) {
      start = Number(range[1]);
      if (start >= body.length) {
        res.writeHead(416, { "content-range": `bytes */${body.length}` }).end();
        return;
      }
      headers["content-range"] = `bytes ${start}-${body.length - 1}/${body.length}`;
      headers["content-length"] = body.length - start;
      res.writeHead(206, headers);
    } else {
      headers["content-length"] = body.length;
      res.writeHead(200, headers);
    }
    if (served.cutFirstAt !== undefined && !this.cut.has(path)) {
      this.cut.add(path);
      res.write(body.subarray(start, served.cutFirstAt), () => {
        setTimeout(() => res.socket?.destroy(), 50);
      });
      return;
    }
    res.end(body.subarray(start));
  }
}

const server = new FixtureServer();
const scratch = tempDir("download");
let cacheDir = "";
let round = 0;

beforeAll(() => server.start());
afterAll(async () => {
  await server.stop();
  rmSync(scratch, { recursive: true, force: true });
});
beforeEach(() => {
  // A fresh cache for every test, so that none sees another's downloads.
  cacheDir = join(scratch, `cache-${++round}`);
});

/** 300 kB of varied bytes, so that a wrong offset cannot go unnoticed. */
function blob(seed: number, size = 300_000): Buffer {
  const bytes = Buffer.alloc(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes;
}

describe("downloadToCache", () => {
  it("downloads once into <cache>/datasets/<sha256 of url>/<name>, then serves the copy with no request", async () => {
    const body = blob(1);
    server.files.set("/d/fresh.jsonl", { body });
    const url = `${server.base}/d/fresh.jsonl`;
    const progress: DownloadProgress[] = [];
    const file = await downloadToCache(url, { cacheDir, onProgress: (p) => progress.push({ ...p }) });
    const sha = createHash("sha256").update(url).digest("hex");
    expect(file).toBe(join(cacheDir, "datasets", sha, "fresh.jsonl"));
    expect(file).toBe(cachedPath(url, cacheDir));
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(readdirSync(cacheFolder(url, cacheDir))).toEqual(["fresh.jsonl"]); // no .part, .lock left
    expect(progress.at(-1)).toMatchObject({ done: true, received: body.length, total: body.length });
    expect(progress.every((p) => p.resumedFrom === 0)).toBe(true);
    expect(server.requestsFor("/d/fresh.jsonl")).toHaveLength(1);

    const again = await downloadToCache(url, { cacheDir, onProgress: (p) => progress.push(p) });
    expect(again).toBe(file);
    expect(server.requestsFor("/d/fresh.jsonl")).toHaveLength(1);
  });

  it("resumes with a Range request when the server cuts the transfer midway", async () => {
    const body = blob(2);
    server.files.set("/d/cut.jsonl", { body, cutFirstAt: 120_000, etag: '"v1"' });
    const url = `${server.base}/d/cut.jsonl`;
    const progress: DownloadProgress[] = [];
    const file = await downloadToCache(url, {
      cacheDir,
      retryDelayMs: 10,
      onProgress: (p) => progress.push({ ...p }),
    });
    expect(readFileSync(file).equals(body)).toBe(true);
    const seen = server.requestsFor("/d/cut.jsonl");
    expect(seen).toHaveLength(2);
    expect(seen[0]?.range).toBeUndefined();
    expect(seen[1]?.range).toMatch(/^bytes=\d+-$/);
    const resumedAt = Number(/\d+/.exec(seen[1]?.range ?? "")?.[0]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(120_000);
    expect(seen[1]?.ifRange).toBe('"v1"');
    expect(progress.at(-1)).toMatchObject({ done: true, resumedFrom: resumedAt, received: body.length });
  });

  it("keeps the .part of a broken transfer and continues it on the next call", async () => {
    const body = blob(3);
    server.files.set("/d/later.jsonl", { body, cutFirstAt: 100_000 });
    const url = `${server.base}/d/later.jsonl`;
    const file = cachedPath(url, cacheDir);
    await expect(downloadToCache(url, { cacheDir, retries: 0 })).rejects.toThrow(`download of ${url} failed`);
    expect(existsSync(file)).toBe(false);
    const partSize = statSync(`${file}.part`).size;
    expect(partSize).toBeGreaterThan(0);
    expect(partSize).toBeLessThanOrEqual(100_000);

    expect(await downloadToCache(url, { cacheDir, retries: 0 })).toBe(file);
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(server.requestsFor("/d/later.jsonl").map((r) => r.range)).toEqual([
      undefined,
      `bytes=${partSize}-`,
    ]);
    expect(existsSync(`${file}.part`)).toBe(false);
  });

  it("starts over when the server does not do ranges (200 to a Range request)", async () => {
    const body = blob(4);
    server.files.set("/d/norange.jsonl", { body, cutFirstAt: 150_000, ranges: false });
    const url = `${server.base}/d/norange.jsonl`;
    const file = await downloadToCache(url, { cacheDir, retryDelayMs: 10 });
    expect(readFileSync(file).equals(body)).toBe(true);
    expect(server.requestsFor("/d/norange.jsonl")).toHaveLength(2);
  });

  it("starts over when the part belongs to a file that has changed (If-Range no longer matches)", async () => {
    const old = blob(5);
    server.files.set("/d/changed.jsonl", { body: old, cutFirstAt: 100_000, etag: '"old"' });
    const url = `${server.base}/d/changed.jsonl`;
    await expect(downloadToCache(url, { cacheDir, retries: 0 })).rejects.toThrow();
    const now = blob(6);
    server.files.set("/d/changed.jsonl", { body: now, etag: '"new"' });
    const file = await downloadToCache(url, { cacheDir, retries: 0 });
    expect(readFileSync(file).equals(now)).toBe(true);
  });

  it("fails on a 404 with a message naming the URL, leaving nothing in the cache", async () => {
    const url = `${server.base}/d/missing.jsonl`;
    await expect(downloadToCache(url, { cacheDir, retryDelayMs: 10 })).rejects.toThrow(
      `cannot download ${url}: HTTP 404 Not Found`,
    );
    expect(server.requestsFor("/d/missing.jsonl")).toHaveLength(1); // a 404 is not retried
    expect(existsSync(cachedPath(url, cacheDir))).toBe(false);
    expect(existsSync(`${cachedPath(url, cacheDir)}.part`)).toBe(false);
  });

  it("shares one transfer between concurrent callers", async () => {
    server.files.set("/d/shared.jsonl", { body: blob(7) });
    const url = `${server.base}/d/shared.jsonl`;
    const files = await Promise.all([1, 2, 3].map(() => downloadToCache(url, { cacheDir })));
    expect(new Set(files).size).toBe(1);
    expect(server.requestsFor("/d/shared.jsonl")).toHaveLength(1);
  });

  it("selects problems from a URL naming a gzipped dataset, downloading it once", async () => {
    server.files.set("/d/rows.jsonl.gz", { body: gzipSync(`${RAW_ROWS.join("\n")}\n`) });
    const url = `${server.base}/d/rows.jsonl.gz`;
    const dataset = { path: url, offset: 0, platform: ["leetcode"] };
    expect((await selectProblems(dataset, { cacheDir })).map((p) => p.id)).toEqual(["2812", "2844"]);
    expect((await selectProblems({ ...dataset, platform: undefined }, { cacheDir })).length).toBe(4);
    expect(server.requestsFor("/d/rows.jsonl.gz")).toHaveLength(1);
  });

  it("names cached files after the URL's last path segment", () => {
    expect(fileNameOf("https://h/datasets/x/resolve/main/test2.jsonl?download=true")).toBe("test2.jsonl");
    expect(fileNameOf("https://h/a%20b.json.gz")).toBe("a_b.json.gz");
    expect(fileNameOf("https://h/")).toBe("download");
  });

  it("prints a line at the start, per 5% and at the end", () => {
    const lines: string[] = [];
    const print = progressPrinter((line) => lines.push(line));
    const total = 1000;
    const base = { url: "http://h/f.jsonl", file: "/c/f.jsonl", total, resumedFrom: 0 };
    for (let received = 0; received <= total; received += 10) {
      print({ ...base, received, done: false });
    }
    print({ ...base, received: total, done: true });
    expect(lines[0]).toBe("downloading http://h/f.jsonl (0.0 MiB)");
    expect(lines.slice(1, -1)).toHaveLength(20);
    expect(lines[1]).toMatch(/^ {2}f\.jsonl: 5% /);
    expect(lines.at(-2)).toMatch(/^ {2}f\.jsonl: 100% /);
    expect(lines.at(-1)).toBe("downloaded http://h/f.jsonl: 0.0 MiB → /c/f.jsonl");
  });
});

describe("LiveCodeBench releases", () => {
  it("maps release names onto cumulative shard sets", () => {
    expect(lcbShards("release_v1")).toEqual(["test.jsonl"]);
    expect(lcbShards("release_v2")).toEqual(["test.jsonl", "test2.jsonl"]);
    expect(lcbShards("release_v6")).toHaveLength(6);
    expect(lcbShards("release_latest")).toEqual(lcbShards("release_v6"));
    expect(lcbShards("v3")).toEqual(["test3.jsonl"]);
    expect(lcbShards("v2_v4")).toEqual(["test2.jsonl", "test3.jsonl", "test4.jsonl"]);
    expect(() => lcbShards("release_v7")).toThrow(
      /unknown LiveCodeBench release "release_v7": use release_v1/,
    );
    expect(() => lcbShards("v4_v2")).toThrow(/unknown LiveCodeBench release/);
  });

  it("resolves to Hugging Face's public URLs, or to $SSTAR_LCB_BASE_URL", () => {
    expect(lcbShardUrls("lcb:release_v2", {})).toEqual([
      `${LCB_DEFAULT_BASE_URL}test.jsonl`,
      `${LCB_DEFAULT_BASE_URL}test2.jsonl`,
    ]);
    expect(LCB_DEFAULT_BASE_URL).toBe(
      "https://huggingface.co/datasets/livecodebench/code_generation_lite/resolve/main/",
    );
    expect(lcbShardUrls("lcb:release_v1", { [LCB_BASE_URL_ENV]: "http://127.0.0.1:9/lcb" })).toEqual([
      "http://127.0.0.1:9/lcb/test.jsonl",
    ]);
  });

  describe("served by a local mirror", () => {
    const saved = process.env[LCB_BASE_URL_ENV];
    beforeAll(() => {
      // The raw sample split into two shards: release_v1 holds the first two problems, v2 adds two.
      server.files.set("/lcb/test.jsonl", { body: Buffer.from(`${RAW_ROWS.slice(0, 2).join("\n")}\n`) });
      server.files.set("/lcb/test2.jsonl", { body: Buffer.from(`${RAW_ROWS.slice(2).join("\n")}\n`) });
      process.env[LCB_BASE_URL_ENV] = `${server.base}/lcb/`;
    });
    afterAll(() => {
      if (saved === undefined) delete process.env[LCB_BASE_URL_ENV];
      else process.env[LCB_BASE_URL_ENV] = saved;
    });

    const all = { path: "", offset: 0 };

    it("reads release_v1 as one shard and release_v2 as two, downloading each shard once", async () => {
      const v1 = await selectProblems({ ...all, path: "lcb:release_v1" }, { cacheDir });
      expect(v1.map((p) => p.id)).toEqual(["1873_A", "2812"]);
      const files = await resolveDataset("lcb:release_v2", { cacheDir });
      expect(files.map((f) => f.split("/").pop())).toEqual(["test.jsonl", "test2.jsonl"]);
      const v2 = await selectProblems({ ...all, path: "lcb:release_v2" }, { cacheDir });
      expect(v2.map((p) => p.id)).toEqual(["1873_A", "2812", "2844", "abc301_a"]);
      expect(v2[0]?.privateTests[0]).toEqual({ input: "1\nabc\n", expected: "YES\n" });
      expect(server.requestsFor("/lcb/test.jsonl")).toHaveLength(1);
      expect(server.requestsFor("/lcb/test2.jsonl")).toHaveLength(1);
      const v2only = await selectProblems({ ...all, path: "lcb:v2" }, { cacheDir });
      expect(v2only.map((p) => p.id)).toEqual(["2844", "abc301_a"]);
    });

    it("applies platform, date, offset and limit across shards", async () => {
      const path = "lcb:release_v2";
      const ids = async (extra: Record<string, unknown>) =>
        (await selectProblems({ ...all, path, ...extra }, { cacheDir })).map((p) => p.id);
      expect(await ids({ platform: ["leetcode"] })).toEqual(["2812", "2844"]);
      expect(await ids({ from: "2023-07-10" })).toEqual(["1873_A", "2844"]);
      expect(await ids({ from: "2023-07-01", to: "2023-07-31" })).toEqual(["2812", "2844"]);
      expect(await ids({ difficulty: ["hard"] })).toEqual([]);
      expect(await ids({ offset: 1, limit: 2 })).toEqual(["2812", "2844"]);
      expect(await ids({ ids: ["abc301_a", "2812"] })).toEqual(["2812", "abc301_a"]);
    });

    it("inspects a release, reporting each download's progress", async () => {
      const progress: DownloadProgress[] = [];
      const report = await inspectDataset("lcb:release_v2", {
        cacheDir,
        onProgress: (p) => progress.push(p),
      });
      expect(report).toMatchObject({
        problems: 4,
        by_platform: { leetcode: 2, codeforces: 1, atcoder: 1 },
        by_difficulty: { easy: 4 },
        date_range: { from: "2023-05-13", to: "2023-08-21" },
        bad_rows: 0,
      });
      expect(report.by_test_type.functional.problems).toBe(2);
      expect(report.by_test_type.stdin.problems).toBe(2);
      expect(progress.filter((p) => p.done).map((p) => p.url)).toEqual([
        `${server.base}/lcb/test.jsonl`,
        `${server.base}/lcb/test2.jsonl`,
      ]);
    });

    it("sstar data inspect: lcb:release_v1 into <data-dir>/cache with progress on stderr; a 404 exits 2", async () => {
      const dataDir = join(scratch, `data-${round}`);
      const missing = `${server.base}/lcb/nothing.jsonl`;
      const [release, notFound] = await Promise.all([
        runSstar(["--data-dir", dataDir, "data", "inspect", "--json", "lcb:release_v1"], {
          [LCB_BASE_URL_ENV]: `${server.base}/lcb/`,
        }),
        runSstar(["--data-dir", dataDir, "data", "inspect", missing]),
      ]);
      expect(release.code, release.stderr).toBe(0);
      expect(jsonOutput(release)).toMatchObject({ problems: 2, bad_rows: 0 });
      expect(release.stderr).toContain(`downloading ${server.base}/lcb/test.jsonl`);
      expect(release.stderr).toMatch(/test\.jsonl: 100% /);
      expect(existsSync(cachedPath(`${server.base}/lcb/test.jsonl`, join(dataDir, "cache")))).toBe(true);

      expect(notFound.code).toBe(2);
      expect(notFound.stderr.trim()).toBe(
        `sstar data inspect: cannot download ${missing}: HTTP 404 Not Found`,
      );
    });
  });
});
