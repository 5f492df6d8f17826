/**
 * Dependency floors that a deployment needs, read from package.json and the lockfile, so that a
 * fresh `npm install` can never pick a version known to fail `pulumi up`.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

const root = path.join(__dirname, "..", "..");
const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8")) as { packages: Record<string, { version?: string }> };

const parts = (v: string) => v.split(".").map(Number) as [number, number, number];
const atLeast = (v: string, floor: string) => {
  const [a, b] = [parts(v), parts(floor)];
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! > b[i]!;
  return true;
};
/** The lowest version a `^x.y.z` or `~x.y.z` range admits. */
const rangeFloor = (range: string) => {
  const m = /^[\^~]?(\d+\.\d+\.\d+)$/.exec(range);
  assert.ok(m, `unexpected range ${range}`);
  return m[1]!;
};

describe("dependency floors", () => {
  it("@pulumi/awsx ≥ 3.8.0: earlier FargateServices always set a launch type, which ECS refuses beside a capacity-provider strategy (FARGATE_SPOT)", () => {
    const range = pkg.dependencies["@pulumi/awsx"]!;
    assert.ok(atLeast(rangeFloor(range), "3.8.0"), `package.json admits ${range}`);
    assert.ok(atLeast(lock.packages["node_modules/@pulumi/awsx"]!.version!, "3.8.0"));
  });
});
