/**
 * DSPy 2.6's ChatAdapter wire layout, which the S* reference used for every DSPy call: a system
 * message describing the fields, then `[[ ## field ## ]]` sections. Reproduced so runs with the
 * `dspy` prompt layout see the prompts the paper's models saw.
 */

export interface ChatMessage {
  role: "system" | "user" | "assistant";
  content: string;
}

export interface DspySignature {
  /** Input field names in order, with their values at call time. */
  inputs: { name: string; value: string }[];
  /** Output field names in order, each with its description (empty when the field has none). */
  outputs: { name: string; desc: string }[];
  /** ChainOfThought prepends a `reasoning` output field. */
  chainOfThought: boolean;
}

const section = (name: string, value: string) => `[[ ## ${name} ## ]]\n${value}`;

function outputFields(signature: DspySignature): { name: string; desc: string }[] {
  return signature.chainOfThought
    ? [{ name: "reasoning", desc: "" }, ...signature.outputs]
    : signature.outputs;
}

/** The two messages DSPy's ChatAdapter sends for one call of a signature. */
export function dspyMessages(signature: DspySignature): ChatMessage[] {
  const outputs = outputFields(signature);
  const describe = (fields: { name: string; desc: string }[]) =>
    fields.map((f, i) => `${i + 1}. \`${f.name}\` (str)${f.desc ? `: ${f.desc}` : ""}`).join("\n");
  const objective = `Given the fields ${signature.inputs.map((f) => `\`${f.name}\``).join(", ")}, produce the fields ${signature.outputs
    .map((f) => `\`${f.name}\``)
    .join(", ")}.`;
  const system = [
    `Your input fields are:\n${describe(signature.inputs.map((f) => ({ name: f.name, desc: "" })))}`,
    `Your output fields are:\n${describe(outputs)}`,
    "All interactions will be structured in the following way, with the appropriate values filled in.",
    signature.inputs.map((f) => section(f.name, `{${f.name}}`)).join("\n\n"),
    outputs.map((f) => section(f.name, `{${f.name}}`)).join("\n\n"),
    section("completed", ""),
    `In adhering to this structure, your objective is: \n        ${objective}`,
  ]
    .join("\n\n")
    .trim();
  const names = outputs.map((f) => `\`[[ ## ${f.name} ## ]]\``);
  const order =
    names.length === 1
      ? `the field ${names[0]}`
      : `the field ${names[0]}, then ${names.slice(1).join(", then ")}`;
  const user = `${signature.inputs.map((f) => section(f.name, f.value)).join("\n\n")}\n\nRespond with the corresponding output fields, starting with ${order}, and then ending with the marker for \`[[ ## completed ## ]]\`.`;
  return [
    { role: "system", content: system },
    { role: "user", content: user },
  ];
}

/**
 * The output fields of a ChatAdapter answer. Falls back to a JSON object (DSPy's JSONAdapter
 * retry) when no section markers are present. Returns undefined when a wanted field is missing.
 */
export function parseDspySections(text: string, wanted: string[]): Record<string, string> | undefined {
  const fields: Record<string, string> = {};
  const marker = /\[\[ ## (\w+) ## \]\]/g;
  const hits = [...text.matchAll(marker)];
  for (let i = 0; i < hits.length; i++) {
    const hit = hits[i] as RegExpMatchArray;
    const name = hit[1] as string;
    const start = (hit.index ?? 0) + hit[0].length;
    const end = i + 1 < hits.length ? (hits[i + 1]?.index ?? text.length) : text.length;
    if (!(name in fields)) fields[name] = text.slice(start, end).trim();
  }
  if (hits.length === 0) {
    const json = parseJsonObject(text);
    if (json)
      for (const [k, v] of Object.entries(json)) fields[k] = typeof v === "string" ? v : JSON.stringify(v);
  }
  return wanted.every((name) => name in fields) ? fields : undefined;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  const start = text.indexOf("{");
  const end = text.lastIndexOf("}");
  if (start < 0 || end <= start) return undefined;
  try {
    const value = JSON.parse(text.slice(start, end + 1)) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
