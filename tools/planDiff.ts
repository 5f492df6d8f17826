/**
 * What differs between two offline plans (`npm run plan -- --json`), resource by resource: for a
 * change that must not change what gets deployed (a refactoring), the answer should be nothing.
 *
 *   npm run -s plan -- --stack dev --json > after.json
 *   npx tsx tools/planDiff.ts before.json after.json            resources only (type, name, URN, parent, inputs)
 *   npx tsx tools/planDiff.ts before.json after.json --all      also outputs, policy results and the estimate
 *
 * A plan shows outputs that depend on the account or region (most IAM policies) as unknown. To
 * compare those too, record the program under the mocks, which answer them, and compare records:
 *
 *   node --import tsx test/support/recordProgram.ts dev before.json     (a bare array of resources)
 *
 * Resources are matched by URN. Lambda code archives (`inputs.code` of aws:lambda/function) are
 * ignored: their content changes whenever runtime code moves, and the plan shows only their file
 * names anyway. `--ignore <dotted.path>` (repeatable) ignores more input paths, e.g. `tags.Owner`.
 *
 * Exit codes: 0 no difference, 1 differences (listed), 64 bad usage or unreadable files.
 */
import * as fs from "node:fs";
import { parseArgs } from "node:util";

interface PlannedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  inputs?: Record<string, unknown>;
}

interface Plan {
  stack?: string;
  resources: PlannedResource[];
  outputs?: unknown;
  policies?: unknown;
  estimate?: unknown;
  expanded?: unknown;
}

/** Input paths never compared: the Lambda code archive (its content moves with the runtime code). */
const ALWAYS_IGNORED: { type: RegExp; path: string }[] = [{ type: /^aws:lambda\/function:Function$/, path: "code" }];

/** One difference: where (a dotted path), and both sides (undefined = absent). */
export interface Difference {
  path: string;
  before: unknown;
  after: unknown;
}

/** Every difference between two JSON values, with dotted paths; `ignored` paths (and below) are skipped. */
export function diffValues(before: unknown, after: unknown, path = "", ignored: ReadonlySet<string> = new Set()): Difference[] {
  if (ignored.has(path)) return [];
  if (Object.is(before, after)) return [];
  // JSON held in a string (an IAM policy, a dashboard body): compared as JSON, to say what changed inside.
  const parsed = (v: unknown) => {
    if (typeof v !== "string" || !/^\s*[[{]/.test(v)) return undefined;
    try {
      return JSON.parse(v) as unknown;
    } catch {
      return undefined;
    }
  };
  const [jb, ja] = [parsed(before), parsed(after)];
  if (jb !== undefined && ja !== undefined) return diffValues(jb, ja, `${path}(json)`, ignored);
  const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
  if (isObject(before) && isObject(after) && Array.isArray(before) === Array.isArray(after)) {
    const keys = Array.isArray(before)
      ? Array.from({ length: Math.max(before.length as number, after.length as number) }, (_, i) => String(i))
      : [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => diffValues(before[k], after[k], path ? `${path}.${k}` : k, ignored));
  }
  return [{ path: path || "(value)", before, after }];
}

export interface ResourceDiff {
  added: PlannedResource[];
  removed: PlannedResource[];
  changed: { urn: string; differences: Difference[] }[];
}

/** Resources matched by URN: added, removed, and changed (type, name, parent, inputs). */
export function diffResources(before: PlannedResource[], after: PlannedResource[], extraIgnored: string[] = []): ResourceDiff {
  const byUrn = (rs: PlannedResource[]) => new Map(rs.map((r) => [r.urn, r]));
  const b = byUrn(before);
  const a = byUrn(after);
  const out: ResourceDiff = { added: [], removed: [], changed: [] };
  for (const [urn, r] of a) if (!b.has(urn)) out.added.push(r);
  for (const [urn, r] of b) if (!a.has(urn)) out.removed.push(r);
  for (const [urn, rb] of b) {
    const ra = a.get(urn);
    if (!ra) continue;
    const ignored = new Set([...ALWAYS_IGNORED.filter((i) => i.type.test(rb.type)).map((i) => `inputs.${i.path}`), ...extraIgnored.map((p) => `inputs.${p}`)]);
    const pick = (r: PlannedResource) => ({ type: r.type, name: r.name, parent: r.parent, inputs: r.inputs ?? {} });
    const differences = diffValues(pick(rb), pick(ra), "", ignored);
    if (differences.length) out.changed.push({ urn, differences });
  }
  return out;
}

function readPlan(file: string): Plan {
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${file}: not a readable JSON file (${(err as Error).message}); write one with: npm run -s plan -- --stack <name> --json > ${file}`, { cause: err });
  }
  // A bare array of resources: what test/support/recordProgram.ts writes (outputs resolved by the mocks, so IAM policies are readable).
  if (Array.isArray(json)) return { resources: json as PlannedResource[] };
  if (!json || typeof json !== "object" || !Array.isArray((json as Plan).resources)) {
    throw new Error(`${file}: not a plan JSON (no "resources" array); write one with: npm run -s plan -- --stack <name> --json > ${file}`);
  }
  return json as Plan;
}

const show = (v: unknown) => {
  const text = v === undefined ? "(absent)" : JSON.stringify(v);
  return text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text;
};

function main(): number {
  const USAGE = "usage: npx tsx tools/planDiff.ts <before.json> <after.json> [--all] [--ignore <input.path>]...";
  let args;
  try {
    args = parseArgs({ allowPositionals: true, options: { all: { type: "boolean" }, ignore: { type: "string", multiple: true } } });
  } catch (err) {
    console.error(`${(err as Error).message}\n${USAGE}`);
    return 64;
  }
  if (args.positionals.length !== 2) {
    console.error(USAGE);
    return 64;
  }
  let before: Plan, after: Plan;
  try {
    [before, after] = args.positionals.map(readPlan) as [Plan, Plan];
  } catch (err) {
    console.error((err as Error).message);
    return 64;
  }
  const lines: string[] = [];
  const r = diffResources(before.resources, after.resources, args.values.ignore ?? []);
  for (const x of r.removed) lines.push(`- removed ${x.urn}`);
  for (const x of r.added) lines.push(`+ added   ${x.urn}`);
  for (const c of r.changed) {
    lines.push(`~ changed ${c.urn}`);
    for (const d of c.differences) lines.push(`    ${d.path}: ${show(d.before)} → ${show(d.after)}`);
  }
  if (args.values.all) {
    for (const section of ["outputs", "policies", "estimate", "expanded"] as const) {
      // The policy config's absolute path differs between checkouts: not a difference in what is deployed.
      const differences = diffValues(before[section], after[section], "", new Set(section === "policies" ? ["config"] : []));
      if (!differences.length) continue;
      lines.push(`~ ${section}`);
      for (const d of differences) lines.push(`    ${d.path}: ${show(d.before)} → ${show(d.after)}`);
    }
  }
  const what = `${before.resources.length} → ${after.resources.length} resources`;
  if (!lines.length) {
    console.log(`no difference (${what}; Lambda code archives ignored${args.values.all ? "" : "; resources only, --all for outputs, policies and the estimate"})`);
    return 0;
  }
  console.log(lines.join("\n"));
  console.log(`\n${r.removed.length} removed, ${r.added.length} added, ${r.changed.length} changed (${what})`);
  return 1;
}

if (require.main === module) process.exit(main());
