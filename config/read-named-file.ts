import { readFileSync } from "node:fs";

/** A file sstar was pointed at that cannot be read or parsed; the message starts with its path. */
export class NamedFileError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "NamedFileError";
  }
}

const WHY: Record<string, string> = {
  EISDIR: "it is a folder, not a file",
  ENOENT: "no such file",
  EACCES: "permission denied",
};

/** The file's text; a folder, a missing file or a refused read is a NamedFileError naming it. */
export function readNamedText(path: string | URL): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "";
    throw new NamedFileError(`${String(path)}: cannot read: ${WHY[code] ?? (err as Error).message}`);
  }
}

/** The file parsed as JSON; a read or parse failure names the file. */
export function readNamedJson<T = unknown>(path: string | URL): T {
  const text = readNamedText(path);
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    throw new NamedFileError(`${String(path)}: not valid JSON: ${(err as Error).message}`);
  }
}
