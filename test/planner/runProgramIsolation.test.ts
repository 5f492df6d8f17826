/**
 * Several programs in one process (tools/offline/runProgram.ts): test files share processes, so
 * one run's config, mocks, root stack and modules must never reach the next, and runs asked for
 * at once must not interleave. Each case would pass in a process of its own; here they follow one
 * another on purpose.
 */
import assert from "node:assert/strict";
import * as path from "node:path";
import { describe, it } from "node:test";
import { runProgram, type ProgramRun } from "../../tools/offline/runProgram";
import { programs } from "./cli";

const names = (run: ProgramRun) => run.resources.map((r) => `${r.type}::${r.name}`).sort();

describe("programs one after another in one process", () => {
  it("the same stack twice declares the same resources: the program's modules are evaluated again", async () => {
    const first = await runProgram({ programDir: path.join(programs, "web-t2"), stack: "dev" });
    const second = await runProgram({ programDir: path.join(programs, "web-t2"), stack: "dev" });
    assert.ok(first.resources.length >= 5, `${first.resources.length} resources`);
    assert.deepEqual(names(second), names(first));
  });

  it("a config value one run sets does not reach the next run", async () => {
    const cidr = "198.51.100.7/32";
    const withSsh = await runProgram({ stack: "dev", config: { "costguard:sshAllowedCidr": cidr } });
    const without = await runProgram({ stack: "dev" });
    const sshRules = (run: ProgramRun) => run.resources.filter((r) => JSON.stringify(r.inputs).includes(cidr));
    assert.ok(sshRules(withSsh).length > 0, "the run that sets the CIDR admits SSH from it");
    assert.ok(without.resources.length > 50, `the next run declares the stack again (${without.resources.length} resources)`);
    assert.deepEqual(sshRules(without), [], "and never saw the CIDR");
    assert.equal(without.stack, "dev");
  });

  it("different projects and stacks keep their own names, and runs asked for at once take turns", async () => {
    const [dev, prod, web] = await Promise.all([
      runProgram({ stack: "dev" }),
      runProgram({ stack: "prod" }),
      runProgram({ programDir: path.join(programs, "web-t2"), stack: "dev" }),
    ]);
    assert.equal(prod.project, "costguard");
    assert.equal(web.project, "web-t2");
    for (const [run, stack, project] of [
      [dev, "dev", "costguard"],
      [prod, "prod", "costguard"],
      [web, "dev", web.project],
    ] as const) {
      const stackUrn = run.engine.find((r) => r.type === "pulumi:pulumi:Stack")!.urn;
      assert.equal(stackUrn, `urn:pulumi:${stack}::${project}::pulumi:pulumi:Stack::${project}-${stack}`);
      for (const r of run.engine) assert.ok(r.urn.startsWith(`urn:pulumi:${stack}::${project}::`), `${r.urn} belongs to ${project}/${stack}`);
    }
    assert.ok(!names(web).some((n) => n.includes("failsafe")), "nothing of costguard's program in the web program's run");
    // Prod encrypts its alert topic with a key of its own; dev does not.
    const keys = (run: ProgramRun) => run.resources.filter((r) => r.type === "aws:kms/key:Key").length;
    assert.ok(keys(prod) > 0 && keys(dev) === 0, `KMS keys: prod ${keys(prod)}, dev ${keys(dev)}`);
  });

  it("a program that fails in an apply fails its own run, and its rejections never reach the process's other listeners", async () => {
    const seen: unknown[] = [];
    const spy = (err: unknown) => void seen.push(err);
    process.on("unhandledRejection", spy);
    try {
      const dir = path.join(programs, "throws");
      await assert.rejects(runProgram({ programDir: dir, stack: "apply" }), /must be lowercase|Error/);
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      const next = await runProgram({ programDir: path.join(programs, "web-t2"), stack: "dev" });
      assert.ok(next.resources.length >= 5, "the next program runs whole");
    } finally {
      process.off("unhandledRejection", spy);
    }
    assert.deepEqual(seen, [], "the failing program's rejections stayed with its run");
  });

  it("an ES module program runs once per process, and a second run says why it cannot", async () => {
    const dir = path.join(programs, "esm-default");
    await runProgram({ programDir: dir, stack: "dev" });
    await assert.rejects(runProgram({ programDir: dir, stack: "dev" }), /is an ES module and has run in this process already: .*process of its own/);
  });
});
