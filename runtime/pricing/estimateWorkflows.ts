/**
 * Step Functions state machines. A STANDARD machine bills each state transition: one per state
 * an execution enters (retries add more; counted once here, as one pass). An EXPRESS machine,
 * and every EXPRESS child execution a distributed Map starts, bills per request and per
 * GB-second of duration in 64-MB chunks (a child holding a batch of a few KB uses one chunk).
 *
 * Executions per month come from the schedules that start the machine (as a function's do).
 * A distributed Map's items per execution are a usage figure: declared on the machine
 * (`mapItemsPerRun`, with `mapItemsAssumed=1` when the figure is itself an assumption), the
 * child's duration as `durationMs`.
 */
import { fmt, num, obj, str, type PricingContext } from "./estimateContext";
import type { Item, PriceResult, ResourceToPrice } from "./estimateTypes";

interface MapState {
  Type: "Map";
  ItemProcessor?: { ProcessorConfig?: { Mode?: string; ExecutionType?: string } };
  ItemBatcher?: { MaxItemsPerBatch?: number };
}

function definitionOf(r: ResourceToPrice): { States?: Record<string, { Type?: string }> } | undefined {
  const text = str(r.inputs.definition);
  if (!text) return undefined;
  try {
    return obj(JSON.parse(text)) as { States?: Record<string, { Type?: string }> };
  } catch {
    return undefined;
  }
}

/** What pricing needs of a definition: its states, and its distributed Maps' child type and batch. */
interface MachineShape {
  states: number;
  maps: { express: boolean; batch: number }[];
}

function shapeOf(definition: { States?: Record<string, { Type?: string }> }): MachineShape {
  const states = Object.values(definition.States ?? {});
  const distributed = states.filter((s): s is MapState => s.Type === "Map" && (s as MapState).ItemProcessor?.ProcessorConfig?.Mode === "DISTRIBUTED");
  return { states: states.length, maps: distributed.map((m) => ({ express: m.ItemProcessor?.ProcessorConfig?.ExecutionType === "EXPRESS", batch: num(m.ItemBatcher?.MaxItemsPerBatch) ?? 1 })) };
}

export function priceStateMachine(r: ResourceToPrice, ctx: PricingContext): PriceResult {
  const hint = ctx.hint(r);
  const definition = definitionOf(r);
  // On a first preview the definition is often unknown (it names other resources' ARNs): the
  // machine may declare its shape instead (statesPerRun, and mapItemsPerBatch for an EXPRESS Map).
  const shape: MachineShape | undefined = definition?.States
    ? shapeOf(definition)
    : hint.statesPerRun !== undefined
      ? { states: hint.statesPerRun, maps: hint.mapItemsPerBatch !== undefined ? [{ express: true, batch: hint.mapItemsPerBatch }] : [] }
      : undefined;
  if (!shape) return { kind: "unpriced", reason: "its definition is not known at preview, and it declares no statesPerRun" };
  const prices = ctx.book.stepFunctions(ctx.region);
  const runs = ctx.invocations(r);
  const item = (what: string, monthlyUsd: number, basis: string, usage?: Item["usage"]): Item => ({ resource: r.name, type: r.type, what, monthlyUsd, basis, ...(usage ? { usage } : {}) });
  const durationMs = hint.durationMs ?? ctx.usage.lambdaDurationMs;
  const durationWhy = hint.durationMs !== undefined ? "declared" : "assumed";
  const gb = prices.expressMemoryChunkMb / 1024;
  const items: Item[] = [];
  if (str(r.inputs.type) === "EXPRESS") {
    items.push(item("Express requests", runs.perMonth * prices.expressPerRequest, `${runs.basis} × $1.00/M`));
    const gbSeconds = runs.perMonth * (durationMs / 1000) * gb;
    items.push(item("Express duration", gbSeconds * prices.expressGbSecond, `${fmt(runs.perMonth)} × ${durationMs} ms (${durationWhy}) × ${prices.expressMemoryChunkMb} MB = ${fmt(gbSeconds)} GB-s × $${prices.expressGbSecond}`));
    return { kind: "priced", items };
  }
  const transitions = runs.perMonth * shape.states;
  items.push(
    item("Standard state transitions", transitions * prices.perTransition, `${runs.basis} × ${shape.states} states (one pass each) = ${fmt(transitions)} transitions × $0.025/1k`, {
      meter: "stepFunctionsTransitions",
      quantity: transitions,
      unitUsd: prices.perTransition,
    }),
  );
  for (const map of shape.maps) {
    if (!map.express) {
      ctx.notes.push(`${r.name}: a distributed Map with STANDARD child executions: their transitions are not priced`);
      continue;
    }
    const items_ = hint.mapItemsPerRun;
    if (items_ === undefined) {
      items.push({ ...item("Express child executions", 0, "items per execution not declared (mapItemsPerRun)"), dependsOnUsage: "$1.00 per million child executions + $0.00001667 per GB-second" });
      continue;
    }
    const batch = map.batch;
    const children = runs.perMonth * Math.ceil(items_ / batch);
    const itemsText = `${fmt(items_)} units${hint.mapItemsAssumed ? " (assumed)" : " (declared)"} ÷ ${batch} per batch`;
    items.push(item("Express child executions", children * prices.expressPerRequest, `${runs.basis} × ${itemsText} = ${fmt(children)} executions × $1.00/M`));
    const gbSeconds = children * (durationMs / 1000) * gb;
    items.push(
      item(
        "Express child duration",
        gbSeconds * prices.expressGbSecond,
        `${fmt(children)} executions (${itemsText}) × ${durationMs} ms (${durationWhy}) × ${prices.expressMemoryChunkMb} MB = ${fmt(gbSeconds)} GB-s × $${prices.expressGbSecond}`,
      ),
    );
  }
  return { kind: "priced", items };
}
