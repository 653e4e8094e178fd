import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../runtime/paths";
import { parseExecuteBody } from "../sandbox/service/parse-execute-body";
import { tempDir } from "./helpers/processes";
import { runSstar } from "./helpers/sstar-cli";

const ok = { program: "print(1)", kind: "stdin", tests: [{ input: "", expected: "1" }] };

describe("an execution request is taken exactly as sent, or refused naming what is wrong", () => {
  it("refuses a key it does not know (a misspelling would silently take the default)", () => {
    expect(() => parseExecuteBody(JSON.stringify({ ...ok, stop_on_failure: false }))).toThrow(
      /^request\.stop_on_failure: is not a known key \(known: program, kind,/,
    );
    expect(() =>
      parseExecuteBody(
        JSON.stringify({ batch: [ok, { ...ok, tests: [{ input: "", expected: "1", expect: "2" }] }] }),
      ),
    ).toThrow(/^batch\[1\]\.tests\[0\]\.expect: is not a known key/);
    expect(parseExecuteBody(JSON.stringify(ok)).requests[0]?.program).toBe("print(1)");
  });

  it("refuses a body that is not UTF-8 and a program that is not valid Unicode, instead of altering it", () => {
    const body = Buffer.concat([
      Buffer.from('{"program": "print(\''),
      Buffer.from([0xff, 0xfe]),
      Buffer.from("')\"}"),
    ]);
    expect(() => parseExecuteBody(body)).toThrow(/^body: is not valid UTF-8/);
    expect(() => parseExecuteBody(JSON.stringify({ ...ok, program: "print('\ud800')" }))).toThrow(
      /^request\.program: is not valid Unicode text/,
    );
    expect(
      parseExecuteBody(Buffer.from(JSON.stringify({ ...ok, program: "print('é')" }))).requests[0]?.program,
    ).toBe("print('é')");
  });

  it("sstar exec reports a program file that is not UTF-8 (exit 2)", async () => {
    const dir = tempDir("not-utf8");
    const program = join(dir, "latin1.py");
    writeFileSync(program, Buffer.from([0x70, 0x72, 0x69, 0x6e, 0x74, 0x28, 0x27, 0xe9, 0x27, 0x29, 0x0a]));
    const ran = await runSstar(
      [
        "--data-dir",
        dir,
        "exec",
        "--dataset",
        join(projectRoot, "demo", "demo-problems.jsonl"),
        "--problem",
        "sstar_demo_01",
        "--program",
        program,
      ],
      {},
      60_000,
    );
    expect(ran.code).toBe(2);
    expect(ran.stderr.trim()).toBe(
      `sstar exec: the program file ${program} is not UTF-8 text; save it as UTF-8`,
    );
  });
});
