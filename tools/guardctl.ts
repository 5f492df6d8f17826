/**
 * guardctl: operator commands against a deployed costguard stack.
 *
 *   npm run guardctl -- status
 *   npm run guardctl -- stop-env <env> [--dry-run]
 *   npm run guardctl -- restore <env> [--dry-run]
 *   npm run guardctl -- emergency-stop [--dry-run]
 *
 * Options: --stack <name> (the Pulumi stack), --function <name> (the function to invoke; by
 * default read from `pulumi stack output` when the Pulumi CLI is installed), --json (raw response).
 * The failsafe's commands also take --account <12-digit id> and --region <region> (organisation
 * mode: narrow the command to one account and/or region), checked here and sent as `account`/`region`.
 *
 * Each command is one entry in COMMANDS: the stack output naming its function, how to build
 * the AdminCommand payload from the arguments, and how to render the answer. Adding a command
 * (reset-circuit, report-now) is adding an entry.
 *
 * Exit codes: 0 ok, 1 the command failed, 2 the function could not be found or invoked, 64 bad usage.
 */
import "./compileCache";
import "./requireNode";
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import type { AdminCommand } from "../runtime/contract";
import type { ActionCommandResult, StatusResult } from "../runtime/failsafe/runCommands";
import { reportNowCommand } from "./guardctl/report";
import { resetCircuitCommand } from "./guardctl/spot";
import { UNIT_FLAGS_USAGE, unitTarget } from "./guardctl/unit";

export class UsageError extends Error {}

export interface CommandSpec {
  /** Usage line shown in help and on mistakes. */
  usage: string;
  /** Stack output that holds the name of the function to invoke. */
  output: string;
  /** Positional arguments and flags → the payload sent to the function. Throws UsageError. */
  payload(args: string[], flags: { dryRun: boolean; az?: string }): AdminCommand;
  /** The function's (successful) answer → text for the terminal. */
  render(response: unknown): string;
  /** Takes --account and --region (the failsafe's commands, across an organisation's units). */
  unitTarget?: boolean;
}

const oneEnvironment = (command: "stop-env" | "restore") => (args: string[], flags: { dryRun: boolean }): AdminCommand => {
  if (args.length !== 1) throw new UsageError(`${command} takes one environment name (got ${args.length ? args.join(" ") : "none"})`);
  return { command, environment: args[0]!, ...(flags.dryRun ? { dryRun: true } : {}) };
};

const noArguments = (command: string, args: string[]) => {
  if (args.length) throw new UsageError(`${command} takes no arguments (got ${args.join(" ")})`);
};

/** Adapts a capability's own command definition (tools/guardctl/<capability>.ts) to a COMMANDS entry. */
function fromDefinition(def: { usage: string; output: string; payload(args: string[]): AdminCommand; render(result: unknown): string }): CommandSpec {
  return {
    usage: def.usage,
    output: def.output,
    payload: (args, flags) => {
      try {
        return def.payload(flags.az !== undefined ? [...args, "--az", flags.az] : args);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    },
    render: (r) => def.render(r),
  };
}

export const COMMANDS: Record<string, CommandSpec> = {
  status: {
    unitTarget: true,
    usage: "status [--account <id>] [--region <region>]",
    output: "failsafeFunction",
    payload: (args) => (noArguments("status", args), { command: "status" }),
    render: (r) => renderStatus(r as StatusResult),
  },
  "stop-env": {
    unitTarget: true,
    usage: "stop-env <env> [--dry-run] [--account <id>] [--region <region>]",
    output: "failsafeFunction",
    payload: oneEnvironment("stop-env"),
    render: (r) => renderActions(r as ActionCommandResult),
  },
  restore: {
    unitTarget: true,
    usage: "restore <env> [--dry-run] [--account <id>] [--region <region>]",
    output: "failsafeFunction",
    payload: oneEnvironment("restore"),
    render: (r) => renderActions(r as ActionCommandResult),
  },
  "emergency-stop": {
    unitTarget: true,
    usage: "emergency-stop [--dry-run] [--account <id>] [--region <region>]",
    output: "failsafeFunction",
    payload: (args, flags) => (noArguments("emergency-stop", args), { command: "emergency-stop", ...(flags.dryRun ? { dryRun: true } : {}) }),
    render: (r) => renderActions(r as ActionCommandResult),
  },
  "reset-circuit": fromDefinition(resetCircuitCommand),
  "report-now": fromDefinition(reportNowCommand),
};

/** A plain text table with padded columns. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

const money = (n: number | undefined) => (n === undefined ? "-" : n.toFixed(2));

export function renderStatus(s: StatusResult): string {
  const rows = s.groups.map((g) => [
    g.name,
    money(g.usdPerHour),
    money(g.maxHourlyUsd),
    g.spikePercent === undefined ? "-" : `+${g.spikePercent} % / ${g.windowMinutes} min`,
    g.response + (g.dryRun ? " (dry-run)" : ""),
    g.breaching.length ? `${g.state}, breaching (${g.breaching.join(", ")})` : g.state,
    String(g.savedResources),
    g.lastActions[0] ? `${g.lastActions[0].time.slice(0, 16).replace("T", " ")} ${g.lastActions[0].summary}` : "-",
  ]);
  const out = [
    `Failsafe status (stack ${s.stack}; at most ${s.maxActionsPerRun} actions per run)`,
    "",
    table(["ENVIRONMENT", "BURN $/H", "LIMIT $/H", "SPIKE LIMIT", "RESPONSE", "STATE", "TO RESTORE", "LAST ACTION"], rows),
  ];
  const history = s.groups.filter((g) => g.lastActions.length > 1);
  if (history.length) {
    out.push("", "Last actions:");
    for (const g of history) for (const a of g.lastActions) out.push(`  ${g.name.padEnd(12)} ${a.time.slice(0, 19).replace("T", " ")}  ${a.summary}`);
  }
  const stopped = s.groups.filter((g) => g.savedResources > 0).map((g) => g.name);
  if (stopped.length) out.push("", `To bring an environment back: npm run guardctl -- restore <env>   (held: ${stopped.join(", ")})`);
  return out.join("\n");
}

export function renderActions(r: ActionCommandResult): string {
  const out = [`${r.command}${r.dryRun ? " (dry-run)" : ""} ${r.environments.join(", ")}: ${r.message}`];
  if (r.actions.length) {
    out.push("", table(["ENVIRONMENT", "RESULT", "ACTION"], r.actions.map((a) => [a.environment, a.outcome, a.text + (a.error ? ` (${a.error})` : "")])));
  }
  if (r.skipped.length) out.push("", "Skipped:", ...r.skipped.map((s) => `  ${s.environment} ${s.id}: ${s.reason}`));
  return out.join("\n");
}

/** `pulumi stack output <name>`; undefined when the CLI is missing or the output is not set. */
export function pulumiStackOutput(name: string, stack?: string): { value?: string; problem?: string } {
  const res = spawnSync("pulumi", ["stack", "output", name, ...(stack ? ["--stack", stack] : [])], { encoding: "utf8" });
  if (res.error) return { problem: "the Pulumi CLI is not installed here" };
  if (res.status !== 0) return { problem: `\`pulumi stack output ${name}\` failed: ${res.stderr.trim().split("\n")[0]}` };
  const value = res.stdout.trim();
  return value ? { value } : { problem: `stack output ${name} is empty (is the capability enabled in this stack?)` };
}

export interface GuardctlDeps {
  lambda: LambdaClient;
  stackOutput?: typeof pulumiStackOutput;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

export const USAGE = [
  "usage: npm run guardctl -- <command> [args] [--stack <name>] [--function <name>] [--json]",
  "commands:",
  ...Object.values(COMMANDS).map((c) => `  ${c.usage}`),
  "options:",
  ...UNIT_FLAGS_USAGE.map((l) => `  ${l}`),
].join("\n");

export async function guardctl(argv: string[], deps: GuardctlDeps): Promise<number> {
  const out = deps.out ?? ((t: string) => console.log(t));
  const err = deps.err ?? ((t: string) => console.error(t));
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { stack: { type: "string" }, function: { type: "string" }, az: { type: "string" }, account: { type: "string" }, region: { type: "string" }, "dry-run": { type: "boolean", default: false }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
    });
  } catch (e) {
    err(`${(e as Error).message}\n${USAGE}`);
    return 64;
  }
  const [name, ...args] = parsed.positionals;
  if (parsed.values.help || !name) {
    (parsed.values.help ? out : err)(USAGE);
    return parsed.values.help ? 0 : 64;
  }
  const spec = COMMANDS[name];
  if (!spec) {
    err(`unknown command "${name}"\n${USAGE}`);
    return 64;
  }
  let payload: AdminCommand;
  try {
    payload = spec.payload(args, { dryRun: parsed.values["dry-run"] ?? false, az: parsed.values.az });
    const target = { account: parsed.values.account, region: parsed.values.region };
    if (!spec.unitTarget && (target.account !== undefined || target.region !== undefined)) throw new UsageError(`${name} does not take --${target.account !== undefined ? "account" : "region"} (only status, stop-env, restore and emergency-stop do)`);
    payload = { ...payload, ...asUsage(() => unitTarget(target)) };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    err(`${e.message}\nusage: npm run guardctl -- ${spec.usage}`);
    return 64;
  }

  let functionName = parsed.values.function;
  if (!functionName) {
    const resolved = (deps.stackOutput ?? pulumiStackOutput)(spec.output, parsed.values.stack);
    if (!resolved.value) {
      err(`cannot find the function for ${name}: ${resolved.problem}; pass --function <name> (the stack output ${spec.output})`);
      return 2;
    }
    functionName = resolved.value;
  }

  let text: string;
  try {
    const res = await deps.lambda.send(new InvokeCommand({ FunctionName: functionName, InvocationType: "RequestResponse", Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
    text = res.Payload ? new TextDecoder().decode(res.Payload) : "";
    if (res.FunctionError) {
      const body = safeJson(text) as { errorType?: string; errorMessage?: string } | undefined;
      err(`${functionName} failed: ${body?.errorType ?? res.FunctionError}: ${body?.errorMessage ?? text}`);
      return 1;
    }
  } catch (e) {
    err(`could not invoke ${functionName}: ${(e as Error).name}: ${(e as Error).message}`);
    return 2;
  }
  const response = safeJson(text) as { ok?: boolean; error?: string } | undefined;
  if (!response || typeof response !== "object") {
    err(`${functionName} answered something guardctl does not understand: ${text.slice(0, 500)}`);
    return 1;
  }
  if (parsed.values.json) out(JSON.stringify(response, null, 2));
  if (response.ok === false) {
    err(`${name} failed: ${response.error}`);
    return 1;
  }
  if (!parsed.values.json) out(spec.render(response));
  return 0;
}

function asUsage<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

if (require.main === module) {
  guardctl(process.argv.slice(2), { lambda: new LambdaClient({}) }).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(2);
    },
  );
}
