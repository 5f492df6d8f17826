/**
 * The README is the front page: small enough to read (≤ 12 KB), with the two commands that do
 * all the set-up on a fresh machine, and a capability table that sends the reader to the page
 * under docs/ where each capability is described in full.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { links, markdownFiles, readRepoFile, root, withoutCodeBlocks } from "./markdown";

const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

/** The pages a reader reaches from the README's capability table. */
const CAPABILITY_PAGES = [
  "docs/failsafe.md",
  "docs/spot-resilience.md",
  "docs/node-optimizer.md",
  "docs/waste-scanner.md",
  "docs/enforcer.md",
  "docs/alerts.md",
  "docs/budgets.md",
  "docs/cost-report.md",
  "docs/dashboard.md",
  "docs/services.md",
  "docs/debug-access.md",
  "docs/policy-pack.md",
];

describe("README.md", () => {
  it("is at most 12 KB", () => {
    const bytes = Buffer.byteLength(readme, "utf8");
    assert.ok(bytes <= 12 * 1024, `README.md is ${bytes.toLocaleString("en-US")} bytes: move detail into docs/ (at most ${(12 * 1024).toLocaleString("en-US")})`);
  });

  it("gives the two commands that do all the set-up, and CI runs its test command", () => {
    const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(readme.indexOf("## Two commands")))?.[1] ?? "";
    const commands = block.split("\n").map((l) => l.replace(/#.*$/, "").trim()).filter(Boolean);
    assert.deepEqual(commands, ["npm ci && npm run plan", "npm ci && npm test"]);
    const scripts = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).scripts as Record<string, string>;
    assert.ok(scripts.plan && scripts.test, "package.json must define the plan and test scripts the README names");
    const ci = fs.readFileSync(path.join(root, ".ci", "run"), "utf8");
    assert.match(ci, /^npm ci\b/m, ".ci/run installs with npm ci");
    assert.match(ci, /^npm test$/m, ".ci/run runs the README's test command");
  });

  it("links every capability to its page under docs/, with a config key", () => {
    const targets = new Set(links(readme).map((l) => l.target.split("#")[0]));
    const missing = CAPABILITY_PAGES.filter((p) => !targets.has(p));
    assert.deepEqual(missing, [], `the README's capability table does not link ${missing.join(", ")}`);
    for (const page of CAPABILITY_PAGES) {
      const row = readme.split("\n").find((l) => l.startsWith("|") && l.includes(`](${page}`));
      assert.ok(row, `no capability table row links ${page}`);
      // A capability's main key is stack config, or for the policy pack its per-stack config file.
      assert.match(row, /`(costguard:[A-Za-z.]+|policy\/config\.<stack>\.json)`/, `the row of ${page} names its main config key`);
    }
  });

  it("says what the guard costs, and links the pricing page and the configuration reference", () => {
    const costs = readme.slice(readme.indexOf("## What it costs"));
    assert.ok(readme.includes("## What it costs"), "README has a 'What it costs' section");
    assert.match(costs, /\$\d+\.\d\d list/);
    assert.match(costs, /\]\(docs\/pricing\.md/);
    assert.ok(links(readme).some((l) => l.target.startsWith("docs/configuration.md")), "README links docs/configuration.md");
  });
});

describe("README.md and docs/", () => {
  it("state rules rather than cite the spec, which is not in the repository", () => {
    const citing = markdownFiles().filter((f) => /SPEC S\d/.test(withoutCodeBlocks(readRepoFile(f) ?? "")));
    assert.deepEqual(citing, [], `files citing "SPEC S#": ${citing.join(", ")}`);
  });

  it("every decision record says its date, the decision and the alternatives", () => {
    const decisions = markdownFiles().filter((f) => f.startsWith("docs/decisions/") && !f.endsWith("README.md"));
    assert.ok(decisions.length >= 5, `expected the decision records under docs/decisions/ (found ${decisions.length})`);
    for (const f of decisions) {
      const text = readRepoFile(f)!;
      assert.match(text, /\b20\d\d-\d\d-\d\d\b/, `${f} is dated`);
      assert.match(text, /^## Decision$/m, `${f} has a Decision section`);
      assert.match(text, /^## Alternatives$/m, `${f} has an Alternatives section`);
    }
  });
});
