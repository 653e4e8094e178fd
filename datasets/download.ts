import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, open, readFile, rename, rm, stat, utimes, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, join } from "node:path";

/** Where a download stands; reported as bytes arrive (the caller decides how often to print). */
export interface DownloadProgress {
  url: string;
  /** The cached file being written (it is `<file>.part` until complete). */
  file: string;
  /** Bytes on disk so far, an earlier attempt's part included. */
  received: number;
  /** The whole file's size when the server says (Content-Length or Content-Range), else undefined. */
  total?: number;
  /** Bytes kept from an earlier, interrupted transfer (0 for a fresh one). */
  resumedFrom: number;
  done: boolean;
}

export interface DownloadOptions {
  /** sstar's cache root (`<data-dir>/cache`): files go to `<cacheDir>/datasets/<sha256 of url>/<name>`. */
  cacheDir: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Further attempts after a transfer breaks off or the server fails (5xx, 429), each resuming; default 3. */
  retries?: number;
  /** Wait before attempt k+1 is k times this; default 1000 ms. */
  retryDelayMs?: number;
}

/** A download that cannot complete; the message names the URL. */
export class DownloadError extends Error {
  constructor(
    message: string,
    /** Worth another attempt (a broken transfer, a 5xx): the partial file is kept for resuming. */
    readonly retryable = false,
  ) {
    super(message);
    this.name = "DownloadError";
  }
}

/** What is remembered next to a `.part` so that a resume asks for the same version of the file. */
interface PartInfo {
  url: string;
  /** ETag or Last-Modified of the response that started the part, sent back as If-Range. */
  validator?: string;
  total?: number;
}

/** A lock is someone else's while it is refreshed this recently (the holder touches it every 10 s). */
const LOCK_STALE_MS = 60_000;
const LOCK_REFRESH_MS = 10_000;
const LOCK_POLL_MS = 200;

/** The cache folder of one URL: the SHA-256 of the URL, so that two URLs never share a file. */
export function cacheFolder(url: string, cacheDir: string): string {
  return join(cacheDir, "datasets", createHash("sha256").update(url).digest("hex"));
}

/** The file name a URL is stored under: its path's last segment (`test2.jsonl`), query dropped. */
export function fileNameOf(url: string): string {
  const last = new URL(url).pathname.split("/").filter(Boolean).pop();
  let name = "download";
  if (last) {
    try {
      name = decodeURIComponent(last);
    } catch {
      name = last;
    }
  }
  name = basename(name).replace(/[^\w.+-]/g, "_");
  return name === "" || name === "." || name === ".." ? "download" : name;
}

/** Where `url` is (or will be) cached. */
export function cachedPath(url: string, cacheDir: string): string {
  return join(cacheFolder(url, cacheDir), fileNameOf(url));
}

export function isUrl(path: string): boolean {
  return /^https?:\/\//i.test(path);
}

const inFlight = new Map<string, Promise<string>>();

/**
 * The local copy of `url`, downloaded on first use into the cache and reused afterwards without any
 * request. The transfer goes to `<file>.part`, which is renamed into place only once complete (its size
 * checked against Content-Length or Content-Range); a transfer that breaks off keeps the part and
 * continues it with an HTTP Range request (If-Range guarding against a changed file), within this call
 * (`retries`) or a later one. A server that ignores Range gets a fresh start. Concurrent callers in this
 * process share one download; other processes on the same cache wait on a lock file.
 */
export function downloadToCache(url: string, options: DownloadOptions): Promise<string> {
  if (!isUrl(url)) return Promise.reject(new DownloadError(`not an http(s) URL: ${url}`));
  const file = cachedPath(url, options.cacheDir);
  if (existsSync(file)) return Promise.resolve(file);
  let pending = inFlight.get(file);
  if (!pending) {
    pending = download(url, file, options).finally(() => inFlight.delete(file));
    inFlight.set(file, pending);
  }
  return pending;
}

async function download(url: string, file: string, options: DownloadOptions): Promise<string> {
  await mkdir(join(file, ".."), { recursive: true });
  return withLock(`${file}.lock`, async () => {
    if (existsSync(file)) return file; // another process finished it while we waited
    const retries = options.retries ?? 3;
    const delay = options.retryDelayMs ?? 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        await transfer(url, file, options.onProgress);
        return file;
      } catch (err) {
        const error = asDownloadError(err, url);
        if (!error.retryable || attempt >= retries) {
          const kept = existsSync(`${file}.part`)
            ? `; the partial file ${file}.part is kept for resuming`
            : "";
          throw new DownloadError(`${error.message}${error.retryable ? kept : ""}`, error.retryable);
        }
        await sleep(delay * (attempt + 1));
      }
    }
  });
}

function asDownloadError(err: unknown, url: string): DownloadError {
  if (err instanceof DownloadError) return err;
  const error = err as Error & { cause?: { message?: string; code?: string } };
  const cause = error.cause?.code ?? error.cause?.message;
  // fetch's failures (refused, reset, "terminated" mid-body) are all worth another try.
  return new DownloadError(`download of ${url} failed: ${error.message}${cause ? ` (${cause})` : ""}`, true);
}

async function transfer(url: string, file: string, onProgress: DownloadOptions["onProgress"]): Promise<void> {
  const part = `${file}.part`;
  const infoFile = `${file}.part.json`;
  let offset = await sizeOf(part);
  const info = offset > 0 ? await readPartInfo(infoFile, url) : undefined;
  if (offset > 0 && !info) offset = 0; // a part we know nothing about cannot be trusted: start over

  const headers: Record<string, string> = { "accept-encoding": "identity" };
  if (offset > 0) {
    headers.range = `bytes=${offset}-`;
    if (info?.validator) headers["if-range"] = info.validator;
  }
  const response = await fetch(url, { headers, redirect: "follow" });
  if (response.status === 416 && offset > 0) {
    // The part is not a prefix of the file (it changed, or the part is already whole): start over.
    await response.body?.cancel();
    await rm(part, { force: true });
    await rm(infoFile, { force: true });
    throw new DownloadError(`download of ${url}: the server refused to resume; starting over`, true);
  }
  if (!response.ok) {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
    throw new DownloadError(
      `cannot download ${url}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
      retryable,
    );
  }

  let total: number | undefined;
  if (response.status === 206) {
    const range = parseContentRange(response.headers.get("content-range"));
    if (!range || range.start !== offset) {
      await response.body?.cancel();
      await rm(part, { force: true });
      throw new DownloadError(
        `download of ${url}: the server resumed at the wrong place; starting over`,
        true,
      );
    }
    total = range.total;
  } else {
    offset = 0; // a 200 to a Range request: the server sends the whole file (or it changed)
    const encoded = (response.headers.get("content-encoding") ?? "identity") !== "identity";
    const length = Number(response.headers.get("content-length") ?? Number.NaN);
    total = !encoded && Number.isFinite(length) && length >= 0 ? length : undefined;
    const validator = response.headers.get("etag") ?? response.headers.get("last-modified") ?? undefined;
    const fresh: PartInfo = { url, total };
    // A weak ETag cannot be sent in If-Range: resuming then restarts (safe, just slower).
    if (validator && !validator.startsWith("W/")) fresh.validator = validator;
    await writeFile(infoFile, JSON.stringify(fresh));
  }

  const handle = await open(part, offset > 0 ? "a" : "w");
  let received = offset;
  const report = (done: boolean) => onProgress?.({ url, file, received, total, resumedFrom: offset, done });
  try {
    report(false);
    if (response.body) {
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        await handle.write(chunk);
        received += chunk.byteLength;
        report(false);
      }
    }
  } finally {
    await handle.close();
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(`download of ${url} ended after ${received} of ${total} bytes`, true);
  }
  await rename(part, file);
  await rm(infoFile, { force: true });
  report(true);
}

function parseContentRange(value: string | null): { start: number; total?: number } | undefined {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value?.trim() ?? "");
  if (!match) return undefined;
  return { start: Number(match[1]), total: match[3] === "*" ? undefined : Number(match[3]) };
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch {
    return 0;
  }
}

async function readPartInfo(file: string, url: string): Promise<PartInfo | undefined> {
  try {
    const info = JSON.parse(await readFile(file, "utf8")) as PartInfo;
    return info.url === url ? info : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` holding `lockFile` (created exclusively, holding `host pid`, touched while held). A lock
 * left by a dead process on this host, or not touched for a minute, is taken over.
 */
async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  const me = `${hostname()} ${process.pid}`;
  for (;;) {
    try {
      await writeFile(lockFile, me, { flag: "wx" });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (await lockIsStale(lockFile)) await rm(lockFile, { force: true });
    else await sleep(LOCK_POLL_MS);
  }
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(lockFile, now, now).catch(() => {});
  }, LOCK_REFRESH_MS);
  refresh.unref();
  try {
    return await fn();
  } finally {
    clearInterval(refresh);
    await rm(lockFile, { force: true });
  }
}

async function lockIsStale(lockFile: string): Promise<boolean> {
  try {
    const [owner, info] = await Promise.all([readFile(lockFile, "utf8"), stat(lockFile)]);
    const [host, pid] = owner.trim().split(" ");
    if (host === hostname() && pid && !processAlive(Number(pid))) return true;
    return Date.now() - info.mtimeMs > LOCK_STALE_MS;
  } catch {
    return false; // gone already (or being written): try to take it again
  }
}

function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * A progress callback that writes one line when a download starts, one per `stepPercent` of the file
 * (per 64 MiB when the size is unknown) and one when it completes.
 */
export function progressPrinter(
  write: (line: string) => void,
  stepPercent = 5,
): (progress: DownloadProgress) => void {
  const state = new Map<string, number>();
  const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return (p) => {
    const key = `${p.file}\u0000${p.resumedFrom}`;
    const last = state.get(key);
    if (last === undefined) {
      state.set(key, -1);
      const resume = p.resumedFrom > 0 ? `, resuming at ${mib(p.resumedFrom)}` : "";
      const size =
        p.total !== undefined ? ` (${mib(p.total)}${resume})` : resume ? ` (${resume.slice(2)})` : "";
      write(`downloading ${p.url}${size}`);
      return;
    }
    if (p.done) {
      write(`downloaded ${p.url}: ${mib(p.received)} → ${p.file}`);
      state.delete(key);
      return;
    }
    const step =
      p.total !== undefined && p.total > 0
        ? Math.floor((p.received / p.total) * (100 / stepPercent))
        : Math.floor(p.received / (64 * 1024 ** 2));
    if (step > last && step > 0) {
      state.set(key, step);
      const where =
        p.total !== undefined && p.total > 0
          ? `${Math.min(100, step * stepPercent)}% (${mib(p.received)} of ${mib(p.total)})`
          : mib(p.received);
      write(`  ${fileNameOf(p.url)}: ${where}`);
    }
  };
}
