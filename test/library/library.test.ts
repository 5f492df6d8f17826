/**
 * costguard as a library: another Pulumi TypeScript program (test/fixtures/programs/library, a
 * package of its own) imports the components by package name, `import { … } from "costguard"`,
 * which package.json's `exports` maps to lib.ts, and plans under the mocks with its own project,
 * config and names. Its dependency is `"costguard": "file:../../../.."`, which npm installs as a
 * link to this checkout; the test makes that link itself (node_modules is not committed), so no
 * install and no registry are needed. Through the link the consumer shares this checkout's
 * @pulumi/pulumi, as an installed package shares its host's.
 *
 * And this project's own program stays index.ts: Pulumi.yaml's `main` says so, because the Node.js
 * host would otherwise run `exports["."]` (the library, which declares nothing).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, describe, it } from "node:test";
import * as yaml from "js-yaml";
import { programEntry } from "../../tools/offline/programEntry";
import { loadStackConfig } from "../../tools/offline/runProgram";
import { plan, programs, resourcesByName, root } from "../planner/cli";

const consumer = path.join(programs, "library");

before(() => {
  const link = path.join(consumer, "node_modules", "costguard");
  fs.mkdirSync(path.dirname(link), { recursive: true });
  if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), root), link, "dir");
  assert.equal(fs.realpathSync(link), fs.realpathSync(root));
});

describe("costguard as a library", () => {
  it("another program imports the components by package name and plans under the mocks", () => {
    const r = plan("--program", consumer, "--json");
    assert.equal(r.status, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { project: string };
    assert.equal(doc.project, "costguard-consumer");
    const byName = resourcesByName(r.stdout);
    const service = byName.get("shop-web")!;
    assert.equal(service.type, "costguard:fargate:CostAwareFargateService");
    assert.match(service.urn, /^urn:pulumi:dev::costguard-consumer::costguard:fargate:CostAwareFargateService::shop-web$/);
    const container = (byName.get("shop-web-service")!.inputs.taskDefinitionArgs as { container: { image: string; environment: { name: string; value: string }[] } }).container;
    assert.equal(container.image, "public.ecr.aws/nginx/nginx:1.27", "an image given as an output");
    assert.deepEqual(container.environment, [{ name: "GREETING", value: "hello" }]);
    assert.equal(byName.get("shop-web-repo")!.inputs.imageTagMutability, "IMMUTABLE", "the consumer's transform");
    assert.equal(byName.get("shop-budgets-monthly")!.inputs.name, "shop-monthly");
    assert.equal(byName.get("shop-budgets-monthly")!.inputs.limitAmount, "40.00");
    assert.equal(byName.get("shop-report-fn")!.inputs.memorySize, 256);
    assert.equal(byName.get("shop-alerts-topic")!.type, "aws:sns/topic:Topic");
    // Nothing of costguard's own program: the library declares nothing by itself.
    for (const name of ["failsafe", "guard-dlq", "dashboard-dashboard"]) assert.ok(!byName.has(name), `${name} is the costguard program's, not the library's`);
  });

  it("type-checks and runs through Pulumi's own TypeScript loader (ts-node), resolving \"costguard\" through `exports`", () => {
    const { values } = loadStackConfig(consumer, "dev");
    const r = spawnSync(process.execPath, [path.join(root, "test", "support", "pulumiTypeScriptRunner.cjs"), consumer, "dev", JSON.stringify(values)], { cwd: consumer, encoding: "utf8", timeout: 300_000 });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as { resources: number };
    assert.ok(out.resources > 20, `${out.resources} resources`);
  });

  it("this project's program is still index.ts, for Pulumi.yaml's main and package.json's main alike", () => {
    const project = yaml.load(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { main?: string };
    const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { main: string; exports: Record<string, string> };
    assert.equal(project.main, "index.ts", "without it the Node.js host runs exports['.'] (the library)");
    assert.equal(pkg.main, "index.ts");
    assert.equal(pkg.exports["."], "./lib.ts");
    assert.equal(programEntry(root).file, path.join(root, "index.ts"));
    assert.doesNotMatch(fs.readFileSync(path.join(root, "lib.ts"), "utf8"), /^(const|new |export const \w+ = new)/m, "the library entry declares no resource");
  });
});
