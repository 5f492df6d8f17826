/** The Lambda entry point end to end: env validation, then admin commands against dynalite. */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { handler } from "../../runtime/handlers/failsafe";
import { startDynamo, defaultSettings, type FailsafeDynamo } from "./helpers";

describe("failsafe Lambda handler", () => {
  let d: FailsafeDynamo;
  const saved = { ...process.env };
  before(async () => {
    d = await startDynamo();
  });
  after(async () => {
    process.env = saved;
    await d.close();
  });

  it("refuses to start with an incomplete environment, naming what is missing", async () => {
    delete process.env.COSTGUARD_SETTINGS;
    process.env.AWS_REGION = "us-east-1";
    await assert.rejects(handler({ command: "status" }), /failsafe environment is incomplete: .*COSTGUARD_STACK.*COSTGUARD_SETTINGS/);
  });

  it("answers status from its tables and rejects malformed commands", async () => {
    Object.assign(process.env, {
      ...d.handlerEnv,
      POWERTOOLS_LOG_LEVEL: "SILENT",
      COSTGUARD_STACK: "dev",
      COSTGUARD_ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
      COSTGUARD_SETTINGS: JSON.stringify(defaultSettings()),
      COSTGUARD_SAMPLES_TABLE: d.tables.samples,
      COSTGUARD_STATE_TABLE: d.tables.state,
      COSTGUARD_AUDIT_TABLE: d.tables.audit,
    });
    await d.store().putSamples(Date.parse("2026-11-23T12:00:00Z"), { dev: 3.25 });
    const status = await handler({ command: "status" });
    assert.ok(status.ok && status.command === "status");
    const dev = status.groups.find((g) => g.name === "dev")!;
    assert.equal(dev.usdPerHour, 3.25);
    assert.equal(dev.sampledAt, "2026-11-23T12:00:00.000Z");
    assert.deepEqual(status.groups.map((g) => g.name), ["dev", "staging", "prod", "untagged", "global"]);

    const bad = await handler({ command: "restore" });
    assert.ok(!bad.ok);
    assert.match(bad.error, /malformed admin command/);
    const other = await handler({ command: "report-now" });
    assert.ok(!other.ok);
    assert.match(other.error, /report-now is not a failsafe command/);
  });
});
