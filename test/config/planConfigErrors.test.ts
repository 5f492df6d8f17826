/**
 * The config errors only the plan CLI can show (the file-level path: YAML, stack file, project
 * declarations, keys outside the schema, the policy config file), each as a user meets them:
 * exit 2, one line per problem, no stack trace. The plan command runs in this process
 * (test/planner/cli.ts `planHere`); test/infra/planCli.test.ts holds the CLI process to the same
 * exit code.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";
import { planHere } from "../planner/cli";

const root = path.join(__dirname, "..", "..");

/** A copy of this program (sources linked) with the given files added or replaced. */
function programWith(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "costguard-cfgerr-"));
  for (const f of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml", "index.ts", "lib.ts", "package.json"]) fs.copyFileSync(path.join(root, f), path.join(dir, f));
  for (const d of ["components", "config", "runtime", "node_modules"]) fs.symlinkSync(path.join(root, d), path.join(dir, d));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

interface CliCase {
  name: string;
  files: Record<string, string>;
  stack?: string;
  says: RegExp;
}

const REGION = "config:\n  aws:region: us-east-1\n";
const CASES: CliCase[] = [
  { name: "a YAML syntax error", files: { "Pulumi.bad.yaml": `${REGION}  costguard:failsafe: {enabled: false\n` }, says: /Pulumi\.bad\.yaml is invalid \(1 problem\):\n {2}- is not valid YAML at line \d+, column \d+: / },
  { name: "a duplicate key", files: { "Pulumi.bad.yaml": `${REGION}  costguard:monthlyBudgetUsd: 5\n  costguard:monthlyBudgetUsd: 50\n` }, says: /is not valid YAML at line 4, column 3: duplicated mapping key/ },
  // Planned with empty config, as `pulumi preview` plans a new stack: costguard's own validation then stops it.
  {
    name: "a stack with no stack file",
    files: {},
    stack: "staging",
    says: /^note: no stack config Pulumi\.staging\.yaml in .* \(stacks here: dev, prod\): planned with empty config, as `pulumi preview` does on a new stack[^\n]*\n(note: [^\n]*\n)*costguard stack config is invalid \(1 problem\):\n {2}- aws:region is not set: run `pulumi config set aws:region <region>`/,
  },
  { name: "an empty stack file", files: { "Pulumi.bad.yaml": "" }, says: /costguard stack config is invalid \(1 problem\):\n {2}- aws:region is not set: run `pulumi config set aws:region <region>`/ },
  { name: "a stack without aws:region", files: { "Pulumi.bad.yaml": "config:\n  costguard:monthlyBudgetUsd: 5\n" }, says: /- aws:region is not set/ },
  {
    name: "a key Pulumi.yaml declares without default, absent from the stack",
    files: { "Pulumi.yaml": `${fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")}  ticket:\n    type: string\n    description: "a required key"\n`, "Pulumi.bad.yaml": REGION },
    says: /- Stack 'bad' is missing configuration value 'ticket': Pulumi\.yaml declares it without a default, so `pulumi preview` stops before the program runs/,
  },
  { name: "a structured key of the wrong declared type", files: { "Pulumi.bad.yaml": `${REGION}  costguard:failsafe: "on"\n` }, says: /- Stack 'bad' with configuration key 'failsafe' must be of type 'object'/ },
  { name: "a namespace typo", files: { "Pulumi.bad.yaml": `${REGION}  costgaurd:failsafe:\n    enabled: false\n` }, says: /- costgaurd:failsafe is in namespace "costgaurd", which nothing reads: did you mean costguard:failsafe\?/ },
  { name: "a misspelt enforcement level", files: { "Pulumi.bad.yaml": REGION, "policy/config.bad.json": '{ "no-plain-secrets": "mandatroy" }' }, says: /policy config .*config\.bad\.json is invalid \(1 problem\):\n {2}- "no-plain-secrets" has enforcement level "mandatroy"/ },
];

describe("npm run plan on config errors only the CLI sees", () => {
  for (const c of CASES) {
    it(`${c.name}: exit 2, one line per problem, no stack trace`, async () => {
      const r = await planHere("--program", programWith(c.files), "--stack", c.stack ?? "bad");
      assert.equal(r.status, 2, `exit ${r.status}\n${r.stderr}`);
      assert.match(r.stderr, c.says);
      assert.ok(!/^\s+at /m.test(r.stderr), `a stack trace:\n${r.stderr}`);
      assert.equal(r.stdout, "", "nothing planned");
    });
  }
});
