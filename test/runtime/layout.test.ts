/**
 * One shape for every capability (issue 17): a newcomer opening any runtime/<capability>/ finds
 * its settings, inventory, decisions, actions, store and run under the same names, the settings in
 * one module that components and handlers both use, and no capability reaching into another's
 * files for the records it reads (the shared keys and codecs are in runtime/contract.ts).
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";
import { commentsOf, importCycles, importsOf, ROOT, sourceFiles } from "../support/sourceFiles";

/** Each capability's name, the same in config, components/, runtime/ and test/. */
const CAPABILITIES = ["alerts", "failsafe", "spot", "nodeOptimizer", "waste", "enforcer", "report"] as const;

/** Which capability each Lambda entry point runs. */
const HANDLER_CAPABILITY: Record<string, (typeof CAPABILITIES)[number]> = {
  notifySlack: "alerts",
  failsafe: "failsafe",
  spotEvents: "spot",
  spotAdvice: "spot",
  asgOptimizer: "spot",
  nodeOptimizer: "nodeOptimizer",
  wasteScanner: "waste",
  securityEnforcer: "enforcer",
  costReport: "report",
};

const exists = (p: string) => fs.existsSync(path.join(ROOT, p));

describe("runtime layout: one shape for every capability", () => {
  it("every capability has settings.ts: the schema, a parse components call at preview, and a reader handlers call on the environment", async () => {
    for (const cap of CAPABILITIES) {
      assert.ok(exists(`runtime/${cap}/settings.ts`), `runtime/${cap}/settings.ts exists`);
      const mod = (await import(path.join(ROOT, "runtime", cap, "settings.ts"))) as Record<string, unknown>;
      const fns = Object.entries(mod).filter(([, v]) => typeof v === "function").map(([k]) => k);
      assert.ok(fns.some((n) => /^parse\w*Settings$/.test(n)), `runtime/${cap}/settings.ts exports parse…Settings (has ${fns.join(", ")})`);
      assert.ok(fns.some((n) => /SettingsFromEnv$/.test(n)), `runtime/${cap}/settings.ts exports …SettingsFromEnv (has ${fns.join(", ")})`);
    }
  });

  it("every handler reads its settings with its capability's settings module", () => {
    for (const [handler, cap] of Object.entries(HANDLER_CAPABILITY)) {
      const imported = importsOf(`runtime/handlers/${handler}.ts`).map((e) => e.file);
      assert.ok(imported.includes(`runtime/${cap}/settings.ts`), `runtime/handlers/${handler}.ts imports runtime/${cap}/settings.ts (imports ${imported.filter(Boolean).join(", ")})`);
    }
  });

  it("files are named by what they are: settings, inventory, decide…, actions…, store…, run…; no scan.ts, check.ts, filters.ts or runtime/k8s", () => {
    assert.ok(!exists("runtime/k8s"), "the node optimizer's runtime is runtime/nodeOptimizer, as in config, handler and component");
    for (const cap of CAPABILITIES) {
      const files = fs.readdirSync(path.join(ROOT, "runtime", cap));
      for (const old of ["scan.ts", "check.ts", "filters.ts", "adapters.ts", "types.ts", "env.ts"]) assert.ok(!files.includes(old), `runtime/${cap}/${old} is named by what it is`);
      assert.ok(files.some((f) => /^run[A-Z]?\w*\.ts$/.test(f)), `runtime/${cap} has its run (run….ts): ${files.join(", ")}`);
    }
  });

  it("runtime/ has no import cycle, type-only imports included", () => {
    const cycles = importCycles(sourceFiles("runtime"));
    assert.deepEqual(cycles.map((c) => c.join(" → ")), []);
  });

  it("a capability reads another's records through runtime/contract.ts, never from its files", () => {
    const problems: string[] = [];
    for (const cap of CAPABILITIES) {
      for (const file of sourceFiles(`runtime/${cap}`)) {
        for (const e of importsOf(file)) {
          const other = e.file?.match(/^runtime\/([^/]+)\//)?.[1];
          // The node optimizer consults the spot advice (its public interface, runtime/spot/advice.ts) by design.
          const allowed = other === undefined || other === cap || other === "shared" || other === "pricing" || (cap === "nodeOptimizer" && e.file === "runtime/spot/advice.ts");
          if (!allowed) problems.push(`${file} imports ${e.file}`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });

  it("CleanupMode and EnforcerMode are declared once, in their capability's settings", () => {
    const declarations: Record<string, string[]> = { CleanupMode: [], EnforcerMode: [] };
    for (const file of [...sourceFiles("runtime"), ...sourceFiles("components")]) {
      const text = fs.readFileSync(path.join(ROOT, file), "utf8");
      for (const name of Object.keys(declarations)) if (new RegExp(`\\btype ${name}\\b\\s*=`).test(text)) declarations[name]!.push(file);
    }
    assert.deepEqual(declarations, { CleanupMode: ["runtime/waste/settings.ts"], EnforcerMode: ["runtime/enforcer/settings.ts"] });
    const lists = sourceFiles("runtime").filter((f) => /"off",\s*"dry-run",\s*"apply"|"audit",\s*"stop",\s*"terminate"/.test(fs.readFileSync(path.join(ROOT, f), "utf8")));
    assert.deepEqual(lists, ["runtime/enforcer/settings.ts", "runtime/waste/settings.ts"], "each list of modes is spelt once");
  });

  it("comments say the rule itself, not 'SPEC S#' (the spec is not in the repository)", () => {
    const dirs = ["runtime", ...["alerts", "failsafe", "spot", "nodeOptimizer", "waste", "enforcer", "report", "pricing", "runtime"].map((d) => `test/${d}`)];
    const cited = dirs
      .filter(exists)
      .flatMap(sourceFiles)
      .flatMap((file) => commentsOf(file).filter((c) => /SPEC S\d/.test(c.text)).map((c) => `${file}:${c.line}`));
    assert.deepEqual(cited, []);
  });
});
