import { createHash, randomBytes } from "node:crypto";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A content address: `sha256:<hex>` of the stored bytes. Small enough for workflow history. */
export type ContentRef = `sha256:${string}`;

/**
 * Large payloads (hidden tests, completions, execution outputs) live here; workflows pass refs.
 * Content-addressed, so writing the same thing twice is free and a ref never goes stale.
 */
export interface ContentStore {
  putText(text: string): Promise<ContentRef>;
  getText(ref: ContentRef): Promise<string>;
  putJson(value: unknown): Promise<ContentRef>;
  getJson<T>(ref: ContentRef): Promise<T>;
}

/**
 * Mutable entries addressed by a key (a response cache, an execution cache): a key is written
 * once with its value, and later writes of the same key are ignored.
 */
export interface KeyedStore {
  get<T>(key: string): Promise<T | undefined>;
  /** Stores the value unless the key already holds one; returns what the key holds afterwards. */
  putIfAbsent<T>(key: string, value: T): Promise<T>;
}

export function contentRef(text: string): ContentRef {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

export function keyHash(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Write to a temporary name then rename, so a reader never sees half a file, even after a kill. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, text);
  await rename(temp, path);
}

/** A folder of files named by their hash, fanned out by the first two hex digits. */
export class LocalContentStore implements ContentStore {
  constructor(private readonly dir: string) {}

  private pathOf(hex: string): { folder: string; file: string } {
    const folder = join(this.dir, hex.slice(0, 2));
    return { folder, file: join(folder, hex.slice(2)) };
  }

  async putText(text: string): Promise<ContentRef> {
    const ref = contentRef(text);
    const { folder, file } = this.pathOf(ref.slice(7));
    if (!(await exists(file))) {
      await mkdir(folder, { recursive: true });
      await writeAtomically(file, text);
    }
    return ref;
  }

  async getText(ref: ContentRef): Promise<string> {
    if (!/^sha256:[0-9a-f]{64}$/.test(ref)) throw new Error(`not a content ref: ${ref}`);
    const { file } = this.pathOf(ref.slice(7));
    try {
      return await readFile(file, "utf8");
    } catch (err) {
      throw new Error(`content ${ref} is missing from the store at ${this.dir}: ${(err as Error).message}`);
    }
  }

  putJson(value: unknown): Promise<ContentRef> {
    return this.putText(JSON.stringify(value));
  }

  async getJson<T>(ref: ContentRef): Promise<T> {
    return JSON.parse(await this.getText(ref)) as T;
  }
}

/** Key-addressed JSON files; the key's hash is the file name. */
export class LocalKeyedStore implements KeyedStore {
  constructor(private readonly dir: string) {}

  private pathOf(key: string): { folder: string; file: string } {
    const hex = keyHash(key);
    const folder = join(this.dir, hex.slice(0, 2));
    return { folder, file: join(folder, `${hex.slice(2)}.json`) };
  }

  async get<T>(key: string): Promise<T | undefined> {
    try {
      const entry = JSON.parse(await readFile(this.pathOf(key).file, "utf8")) as { key: string; value: T };
      return entry.key === key ? entry.value : undefined;
    } catch {
      return undefined;
    }
  }

  async putIfAbsent<T>(key: string, value: T): Promise<T> {
    const existing = await this.get<T>(key);
    if (existing !== undefined) return existing;
    const { folder, file } = this.pathOf(key);
    await mkdir(folder, { recursive: true });
    await writeAtomically(file, JSON.stringify({ key, value }));
    return value;
  }
}
