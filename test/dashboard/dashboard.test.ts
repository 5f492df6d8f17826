import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { alarmMetricCount, alarmSpecs, MAX_EXPRESSIONS_PER_ALARM, MAX_METRICS_PER_ALARM, type AlarmInput } from "../../components/alarms";
import { buildDashboardBody, type DashboardInput } from "../../components/dashboard";
import { GRID_COLUMNS, type Widget } from "../../components/widgets";
import { METRIC_NAMESPACE, METRICS } from "../../runtime/contract";

const THRESHOLDS = { oldestMessageAgeSeconds: 300, apiErrorsPer5Minutes: 5, spotInterruptionRatePercent: 20, poolUtilisation: 0.95, deadLetterMessages: 10, serviceCpuPercent: 80, guardErrorsScope: "functions" as const };
const ENVS = [
  { name: "dev", maxHourlyUsd: 8 },
  { name: "staging", maxHourlyUsd: 5 },
  { name: "prod", maxHourlyUsd: 2 },
  { name: "untagged", maxHourlyUsd: 5 },
];
const FUNCTIONS = Array.from({ length: 9 }, (_, i) => `costguard-fn-${i}`);

const full: DashboardInput = {
  stack: "prod",
  region: "eu-west-1",
  watchedQueues: ["orders", "emails"],
  deadLetterQueues: FUNCTIONS.map((f) => `${f}-dlq`),
  guardFunctions: FUNCTIONS,
  spotLogGroups: ["/aws/lambda/spot-events", "/aws/lambda/spot-advice"],
  environments: ENVS,
  monthlyBudgetUsd: 500,
  thresholds: THRESHOLDS,
};
const empty: DashboardInput = { ...full, watchedQueues: [], deadLetterQueues: [], guardFunctions: [], spotLogGroups: [] };

const contractMetrics = new Map<string, readonly string[]>(Object.values(METRICS).map((m) => [m.name, m.dimensions]));

/** Every problem with a widget's metric references: unknown CostGuard metrics or dimensions, unknown namespaces, dangling ids. */
function metricProblems(w: Widget): string[] {
  if (w.type !== "metric") return [];
  const problems: string[] = [];
  const ids = new Set<string>();
  for (const line of w.properties.metrics) {
    const first = line[0];
    if (typeof first === "object" && first && "expression" in first) continue;
    const [ns, name, ...rest] = line as (string | { id?: string })[];
    const opts = typeof rest.at(-1) === "object" ? (rest.pop() as { id?: string }) : {};
    if (opts.id) ids.add(opts.id);
    const dims = (rest as string[]).filter((_, i) => i % 2 === 0);
    if (ns === METRIC_NAMESPACE) {
      const expected = contractMetrics.get(name as string);
      if (!expected) problems.push(`${w.properties.title}: ${name as string} is not in METRICS`);
      else if (JSON.stringify(dims) !== JSON.stringify(expected)) problems.push(`${w.properties.title}: ${name as string} with dimensions ${dims.join(",")} (contract: ${expected.join(",")})`);
    } else if (typeof ns !== "string" || !/^AWS\/[A-Za-z]+$/.test(ns)) problems.push(`${w.properties.title}: namespace ${String(ns)}`);
  }
  for (const line of w.properties.metrics) {
    const first = line[0];
    if (typeof first === "object" && first && "expression" in first) {
      for (const ref of first.expression.match(/\b[a-z]\w*\b/g)?.filter((t) => !["SUM", "MAX"].includes(t)) ?? []) {
        if (!ids.has(ref)) problems.push(`${w.properties.title}: expression refers to unknown id ${ref}`);
      }
    }
  }
  return problems;
}

function overlaps(widgets: Widget[]): string[] {
  const out: string[] = [];
  widgets.forEach((a, i) =>
    widgets.slice(i + 1).forEach((b) => {
      if (a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height) out.push(`${i} overlaps another`);
    }),
  );
  return out;
}

describe("dashboard body", () => {
  for (const [label, input] of [["a full stack", full], ["a stack with nothing deployed yet", empty]] as const) {
    it(`${label}: valid JSON in CloudWatch's shape, 12 widgets in three rows of four, no overlaps`, () => {
      const body = JSON.parse(JSON.stringify(buildDashboardBody(input))) as { widgets: Widget[]; start: string };
      assert.equal(body.widgets.length, 12);
      for (const w of body.widgets) {
        assert.ok(["metric", "log", "text"].includes(w.type));
        for (const k of ["x", "y", "width", "height"] as const) assert.ok(Number.isInteger(w[k]) && w[k] >= 0, `${k} of ${JSON.stringify(w).slice(0, 80)}`);
        assert.ok(w.x + w.width <= GRID_COLUMNS, "inside the 24-column grid");
        assert.ok(w.properties && typeof w.properties === "object");
        if (w.type !== "text") assert.equal((w.properties as { region: string }).region, "eu-west-1");
      }
      assert.deepEqual(overlaps(body.widgets), []);
      assert.deepEqual([...new Set(body.widgets.map((w) => w.y))], [0, 6, 12], "three rows");
      assert.deepEqual(body.widgets.flatMap(metricProblems), []);
    });
  }

  it("shows queues, fleet and cost rows, with the configured queues and limits", () => {
    const body = buildDashboardBody(full);
    const titles = body.widgets.map((w) => ("title" in w.properties ? w.properties.title : w.properties.markdown.split("\n")[0]!));
    assert.deepEqual(titles.slice(0, 4).map((t) => t.split(":")[0]), ["Work queues", "Work queues", "Dead-letter queues", "Dead-letter queues"]);
    assert.deepEqual(titles.slice(4, 8), ["Running instances", "Spot interruptions per hour", "Circuit breakers by instance type", "Failsafe actions per hour"]);
    assert.deepEqual(titles.slice(8), ["Burn rate by environment ($/h) vs limit", "Waste ($/month)", "Daily cost ($)", "Guard errors"]);
    const json = JSON.stringify(body);
    for (const q of ["orders", "emails", "costguard-fn-8-dlq"]) assert.ok(json.includes(`"${q}"`), q);
    const burn = body.widgets[8]!;
    assert.ok(burn.type === "metric");
    assert.deepEqual(burn.properties.annotations!.horizontal.map((a) => a.value), [8, 5, 2, 5]);
    const breakers = body.widgets[6]!;
    assert.ok(breakers.type === "log");
    assert.match(breakers.properties.query, /^SOURCE '\/aws\/lambda\/spot-events' \| SOURCE '\/aws\/lambda\/spot-advice' \| fields .*circuitState.* by instanceType/);
    const daily = body.widgets[10]!;
    assert.ok(daily.type === "metric");
    assert.equal(daily.properties.annotations!.horizontal[0]!.value, 16.67, "budget / 30");
  });

  it("the metric check catches a metric the handlers do not emit", () => {
    const body = buildDashboardBody(full);
    const w = body.widgets[9]!;
    assert.ok(w.type === "metric");
    w.properties.metrics.push([METRIC_NAMESPACE, "MadeUpMetric"]);
    assert.equal(metricProblems(w).length, 1);
  });
});

const alarmInput: AlarmInput = {
  stack: "prod",
  guardFunctions: Array.from({ length: 12 }, (_, i) => `fn-${i}`),
  apiFunctions: ["spot-advice"],
  deadLetterQueues: Array.from({ length: 12 }, (_, i) => `fn-${i}-dlq`),
  watchedQueues: ["orders"],
  environments: ENVS,
  globalMaxHourlyUsd: 25,
  services: [{ clusterName: "main", serviceName: "web" }],
  thresholds: { ...THRESHOLDS, deadLetterMessages: 7, spotInterruptionRatePercent: 15 },
};

describe("alarms", () => {
  it("one alarm per watched signal, per stack; lists longer than 10 metrics are split", () => {
    const specs = alarmSpecs(alarmInput);
    assert.deepEqual(
      specs.map((s) => s.name),
      [
        "prod-costguard-queue-oldest-message-age",
        "prod-costguard-api-errors",
        "prod-costguard-spot-interruption-rate",
        "prod-costguard-pool-utilisation",
        "prod-costguard-dead-letter-queues-1",
        "prod-costguard-dead-letter-queues-2",
        "prod-costguard-guard-errors-1",
        "prod-costguard-guard-errors-2",
        "prod-costguard-burn-rate-over-limit",
        "prod-costguard-service-cpu",
      ],
    );
    for (const s of specs) {
      assert.ok(s.queries.filter((q) => q.metric).length <= MAX_METRICS_PER_ALARM, s.name);
      assert.ok(s.queries.filter((q) => q.expression).length <= MAX_EXPRESSIONS_PER_ALARM, s.name);
      assert.equal(s.queries.filter((q) => q.returnData).length, 1, `${s.name} returns one series`);
      for (const q of s.queries) {
        if (!q.metric) continue;
        if (q.metric.namespace === METRIC_NAMESPACE) {
          assert.ok(contractMetrics.has(q.metric.metricName), q.metric.metricName);
          assert.deepEqual(Object.keys(q.metric.dimensions ?? {}), [...contractMetrics.get(q.metric.metricName)!]);
        } else assert.match(q.metric.namespace, /^AWS\//);
      }
    }
  });

  it("thresholds come from config; the interruption rate and burn rate are metric math", () => {
    const specs = alarmSpecs(alarmInput);
    const byName = (n: string) => specs.find((s) => s.name === `prod-costguard-${n}`)!;
    assert.equal(byName("dead-letter-queues-1").threshold, 7);
    assert.equal(byName("queue-oldest-message-age").threshold, 300);
    assert.equal(byName("queue-oldest-message-age").evaluationPeriods, 2);
    assert.equal(byName("pool-utilisation").threshold, 0.95);
    assert.equal(byName("pool-utilisation").evaluationPeriods, 2);
    // The account's own quota, not an assumed 1000 (new accounts often have 10); a configured limit overrides it.
    assert.equal(byName("pool-utilisation").queries.find((q) => q.returnData)!.expression, "concurrent / SERVICE_QUOTA(concurrent)");
    const fixed = alarmSpecs({ ...alarmInput, thresholds: { ...alarmInput.thresholds, lambdaConcurrencyLimit: 10 } }).find((s) => s.name === "prod-costguard-pool-utilisation")!;
    assert.equal(fixed.queries.find((q) => q.returnData)!.expression, "concurrent / 10");
    const rate = byName("spot-interruption-rate");
    assert.equal(rate.threshold, 15);
    assert.equal(rate.queries.find((q) => q.returnData)!.expression, "IF(spot > 0, 100 * interruptions / spot, 0)");
    assert.ok(rate.queries.every((q) => !q.metric || q.metric.period === 900), "over 15 minutes");
    const burn = byName("burn-rate-over-limit");
    assert.deepEqual(burn.queries.filter((q) => q.id.startsWith("r")).map((q) => q.expression), ["b0 / 8", "b1 / 5", "b2 / 2", "b3 / 5"]);
    assert.equal(burn.queries.find((q) => q.id === "global")!.expression, "(b0 + b1 + b2 + b3) / 25");
  });

  it("a stack with only the basics keeps to five alarms", () => {
    const specs = alarmSpecs({ ...alarmInput, guardFunctions: ["a", "b"], deadLetterQueues: ["a-dlq", "b-dlq"], apiFunctions: [], watchedQueues: [], services: [] });
    assert.equal(specs.length, 5);
  });
});

describe("alarms over one item", () => {
  it("alarm on the metric itself, without a math expression", () => {
    const specs = alarmSpecs({ ...alarmInput, apiFunctions: ["spot-advice"] });
    const api = specs.find((s) => s.name === "prod-costguard-api-errors")!;
    assert.deepEqual(api.queries.map((q) => [q.id, q.returnData, q.metric?.dimensions?.FunctionName]), [["m0", true, "spot-advice"]]);
  });
});

describe("billed alarm metrics", () => {
  it("an account-wide guard-errors alarm reads one metric however many functions there are", () => {
    const perFunction = alarmSpecs(alarmInput);
    const account = alarmSpecs({ ...alarmInput, thresholds: { ...alarmInput.thresholds, guardErrorsScope: "account" } });
    const guard = account.filter((s) => s.name.includes("guard-errors"));
    assert.equal(guard.length, 1);
    assert.deepEqual(guard[0]!.queries[0]!.metric, { namespace: "AWS/Lambda", metricName: "Errors", stat: "Sum", period: 300 });
    assert.equal(alarmMetricCount(perFunction) - alarmMetricCount(account), 12 - 1);
  });

  it("many environments stay within 10 metrics and 10 expressions per alarm", () => {
    const environments = Array.from({ length: 12 }, (_, i) => ({ name: `env${i}`, maxHourlyUsd: i + 1 }));
    const burn = alarmSpecs({ ...alarmInput, environments }).filter((s) => s.name.includes("burn-rate"));
    assert.equal(burn.length, 2);
    for (const s of burn) {
      assert.ok(s.queries.filter((q) => q.metric).length <= MAX_METRICS_PER_ALARM);
      assert.ok(s.queries.filter((q) => q.expression).length <= MAX_EXPRESSIONS_PER_ALARM);
    }
    assert.equal(burn.flatMap((s) => s.queries.filter((q) => q.metric)).length, 12, "every environment watched");
  });
});
