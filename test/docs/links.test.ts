/**
 * The docs are the manual: a link that leads nowhere, or a page nothing links to, is a page a
 * reader cannot find. Every relative link in README.md and docs/**\/*.md must reach an existing
 * file and, when it names one, an existing heading; every page under docs/ must be reachable
 * from the README.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { anchors, brokenLinks, links, markdownFiles, readRepoFile, root, slug } from "./markdown";

describe("the link checker", () => {
  it("gives headings GitHub's anchors", () => {
    assert.equal(slug("Node.js and TypeScript"), "nodejs-and-typescript");
    assert.equal(slug("Lean functions: budgets, measured"), "lean-functions-budgets-measured");
    assert.equal(slug("Operating it: `guardctl`"), "operating-it-guardctl");
    assert.equal(slug("Pool risk (\"herd immunity\")"), "pool-risk-herd-immunity");
    assert.deepEqual([...anchors("# A\n## A\n```sh\n# not a heading\n```\n### B-c d\n")], ["a", "a-1", "b-c-d"]);
  });

  it("finds a missing file, a missing heading, and ignores links in code", () => {
    const files: Record<string, string> = {
      "README.md": "See [a](docs/a.md#there), [b](docs/b.md), [c](docs/a.md#nowhere), [web](https://example.com) and `[no](docs/x.md)`.\n```\n[no](docs/y.md)\n```\n",
      "docs/a.md": "# A\n## There\nBack to [the top](../README.md#nothing) and [here](#a).\n",
    };
    const read = (rel: string) => files[rel];
    assert.deepEqual(brokenLinks("README.md", read), [
      "README.md:1: docs/b.md: docs/b.md does not exist",
      "README.md:1: docs/a.md#nowhere: docs/a.md has no heading #nowhere",
    ]);
    assert.deepEqual(brokenLinks("docs/a.md", read), ["docs/a.md:3: ../README.md#nothing: README.md has no heading #nothing"]);
  });
});

describe("README.md and docs/", () => {
  it("every relative link reaches an existing file and heading", () => {
    const problems = markdownFiles().flatMap((f) => brokenLinks(f, readRepoFile));
    assert.deepEqual(problems, [], `broken links:\n${problems.join("\n")}`);
  });

  it("every page under docs/ is reachable from the README", () => {
    const reached = new Set<string>();
    const queue = ["README.md"];
    while (queue.length) {
      const file = queue.shift()!;
      if (reached.has(file)) continue;
      reached.add(file);
      for (const { target } of links(readRepoFile(file) ?? "")) {
        const p = target.split("#")[0]!;
        if (!p || /^[a-z][a-z0-9+.-]*:/i.test(p)) continue;
        const rel = path.posix.normalize(path.posix.join(path.posix.dirname(file), p));
        if (rel.endsWith(".md")) queue.push(rel);
      }
    }
    const orphans = markdownFiles().filter((f) => !reached.has(f));
    assert.deepEqual(orphans, [], `pages no link from README.md leads to: ${orphans.join(", ")}`);
  });
});

/**
 * Paths the docs name in code spans (`runtime/failsafe/run.ts`, `test/waste/`) are where a reader
 * goes next: after a rename, a stale path sends them nowhere. Also code blocks' relative imports
 * ("./runtime/spot/store"), which readers copy.
 */
const REPO_DIRS = ["components", "config", "runtime", "test", "tools", "policy", "docs"];
function namedPaths(text: string): { line: number; path: string }[] {
  const out: { line: number; path: string }[] = [];
  const dirs = REPO_DIRS.join("|");
  const span = new RegExp(`\`(?:\\./)?((?:${dirs})/[\\w./{},*-]*)\``, "g");
  const imported = new RegExp(`from "\\./((?:${dirs})/[\\w./-]+)"`, "g");
  text.split("\n").forEach((l, i) => {
    for (const m of l.matchAll(span)) out.push({ line: i + 1, path: m[1]! });
    for (const m of l.matchAll(imported)) out.push({ line: i + 1, path: m[1]! });
  });
  return out;
}

/** The paths a named path stands for: `a/{b,c}.ts` is a/b.ts and a/c.ts; a glob is its directory. */
function expand(p: string): string[] {
  const brace = /\{([^}]*)\}/.exec(p);
  if (brace) return brace[1]!.split(",").flatMap((alt) => expand(p.slice(0, brace.index) + alt + p.slice(brace.index + brace[0].length)));
  const star = p.indexOf("*");
  return [star >= 0 ? p.slice(0, p.lastIndexOf("/", star) + 1) : p];
}

describe("paths named in the docs", () => {
  it("finds code-span paths and copied imports", () => {
    assert.deepEqual(
      namedPaths('See `runtime/k8s/` and `npm test`.\nimport { x } from "./runtime/spot/env";').map((p) => p.path),
      ["runtime/k8s/", "runtime/spot/env"],
    );
    assert.deepEqual(expand("test/{waste,enforcer}/"), ["test/waste/", "test/enforcer/"]);
  });

  it("every path the docs name exists (after renames, the docs follow)", () => {
    const exists = (rel: string) => [rel, `${rel}.ts`, `${rel}.js`].some((c) => fs.existsSync(path.join(root, c)));
    const problems = markdownFiles().flatMap((f) =>
      namedPaths(readRepoFile(f) ?? "").flatMap(({ line, path: p }) => expand(p).filter((e) => !exists(e.replace(/[.,:]$/, ""))).map((e) => `${f}:${line}: ${e} does not exist`)),
    );
    assert.deepEqual(problems, [], `stale paths:\n${problems.join("\n")}`);
  });
});
