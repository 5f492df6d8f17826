/**
 * The real policy analyzer that `pulumi preview --policy-pack` runs (`@pulumi/pulumi/cmd/run-policy-pack`
 * serving `@pulumi/policy`'s gRPC Analyzer), started and driven the way the Pulumi engine drives it
 * (pulumi/pulumi 3.248: sdk/nodejs/cmd/pulumi-language-nodejs RunPlugin, pkg/resource/analyzer/config.go,
 * pkg/resource/deploy/step_generator.go), without the Pulumi CLI:
 *
 * - a minimal `pulumirpc.Engine` server (the pack logs to it), then the pack spawned as
 *   `node run-policy-pack <engine> <packDir>` in the pack's directory; it prints its port;
 * - GetAnalyzerInfo once; per stack ConfigureStack and Configure (schema defaults, then the pack's
 *   initial config, then the config file, `all` first);
 * - per resource, in registration order: Remediate, then Analyze on the remediated inputs (a
 *   remediation's diagnostic is an advisory violation; `remediate` counts as mandatory);
 * - AnalyzeStack over every resource's outputs (remediated inputs laid over them), with parents,
 *   providers and dependencies.
 *
 * One process serves every stack: starting the pack takes seconds.
 */
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineResource, Wire, WireMap } from "../../tools/offline/engine";

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
type Level = (typeof LEVELS)[number];

export interface RealDiagnostic {
  phase: "remediate" | "analyze" | "analyzeStack";
  policy: string;
  level: Level;
  /** As the analyzer returns it: the rule's description, a newline, the rule's message (except "can't run"). */
  message: string;
  description: string;
  /** Analyze and Remediate: the resource's URN (the engine ignores the rule's); AnalyzeStack: the rule's, if any. */
  urn?: string;
}

export interface RealRun {
  diagnostics: RealDiagnostic[];
  /** Each remediation that returned properties, with the top-level keys it changed. */
  remediations: { policy: string; urn: string; changed: string[] }[];
}

export interface StackToAnalyze {
  project: string;
  stack: string;
  /** Stack config (`ns:key` → string), as the engine passes it. */
  config: Record<string, string>;
  resources: EngineResource[];
  /** The pack config file (`--policy-pack-config`), if any. */
  policyConfigFile?: string;
}

interface PolicyInfo {
  name: string;
  level: Level;
  defaults: Record<string, unknown>;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- the generated protobuf/gRPC modules are untyped here */
type Rpc = Record<string, any>;

export class RealAnalyzer {
  private constructor(
    private readonly rpc: { grpc: Rpc; structpb: Rpc; apb: Rpc; server: Rpc; client: Rpc },
    private readonly child: ChildProcess,
    private readonly policies: PolicyInfo[],
    private readonly initialConfig: Record<string, { level?: Level; props?: Record<string, unknown> }>,
    readonly startedInMs: number,
  ) {}

  static async start(packDir: string): Promise<RealAnalyzer> {
    const t0 = Date.now();
    const pulumiDir = path.dirname(require.resolve("@pulumi/pulumi/package.json", { paths: [packDir] }));
    const load = (m: string) => require(require.resolve(m, { paths: [pulumiDir] })) as Rpc;
    const grpc = load("@grpc/grpc-js");
    const structpb = load("google-protobuf/google/protobuf/struct_pb");
    const emptypb = load("google-protobuf/google/protobuf/empty_pb");
    const apb = require(path.join(pulumiDir, "proto/analyzer_pb")) as Rpc;
    const agrpc = require(path.join(pulumiDir, "proto/analyzer_grpc_pb")) as Rpc;
    const egrpc = require(path.join(pulumiDir, "proto/engine_grpc_pb")) as Rpc;
    const epb = require(path.join(pulumiDir, "proto/engine_pb")) as Rpc;

    const server = new grpc.Server();
    const empty = (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new emptypb.Empty());
    server.addService(egrpc.EngineService, {
      log: empty,
      getRootResource: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new epb.GetRootResourceResponse()),
      setRootResource: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new epb.SetRootResourceResponse()),
      startDebugging: empty,
      requirePulumiVersion: (_c: unknown, cb: (e: null, r: unknown) => void) => cb(null, new epb.RequirePulumiVersionResponse()),
    });
    const enginePort: number = await new Promise((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e: Error | null, p: number) => (e ? reject(e) : resolve(p))),
    );
    const runPolicyPack = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    const child = spawn(process.execPath, [runPolicyPack, `127.0.0.1:${enginePort}`, packDir], {
      cwd: packDir,
      env: { ...process.env, PULUMI_NODEJS_ORGANIZATION: "organization", PULUMI_NODEJS_PROJECT: "project", PULUMI_NODEJS_STACK: "stack", PULUMI_NODEJS_DRY_RUN: "true", PULUMI_CONFIG: "{}" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    const port: number = await new Promise((resolve, reject) => {
      let out = "";
      child.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        const m = /^(\d+)\s*$/m.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on("exit", (code) => reject(new Error(`run-policy-pack exited (${code}) before printing its port:\n${out}\n${stderr}`)));
    });
    const client = new agrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 << 20, "grpc.max_send_message_length": 400 << 20 });
    const info = await new Promise<Rpc>((resolve, reject) => client.getAnalyzerInfo(new emptypb.Empty(), (e: Error | null, r: Rpc) => (e ? reject(e) : resolve(r))));
    const policies: PolicyInfo[] = info.getPoliciesList().map((p: Rpc) => {
      const defaults: Record<string, unknown> = {};
      for (const [k, s] of Object.entries((p.getConfigschema()?.getProperties()?.toJavaScript() ?? {}) as Record<string, { default?: unknown }>)) {
        if (s && typeof s === "object" && "default" in s) defaults[k] = s.default;
      }
      return { name: p.getName(), level: LEVELS[p.getEnforcementlevel()]!, defaults };
    });
    const initial: Record<string, { level?: Level; props?: Record<string, unknown> }> = {};
    for (const [k, v] of info.getInitialconfigMap?.()?.entries?.() ?? []) initial[k] = { level: LEVELS[(v as Rpc).getEnforcementlevel()], props: (v as Rpc).getProperties()?.toJavaScript() };
    return new RealAnalyzer({ grpc, structpb, apb, server, client }, child, policies, initial, Date.now() - t0);
  }

  private call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => this.rpc.client[method](request, (e: Error | null, r: T) => (e ? reject(e) : resolve(r))));
  }

  /** ReconcilePolicyPackConfig: schema defaults, then the pack's initial config, then the file; `all` sets every level first. */
  private reconcile(file: unknown): Record<string, { level: Level; props: Record<string, unknown> }> {
    const out = Object.fromEntries(this.policies.map((p) => [p.name, { level: p.level, props: structuredClone(p.defaults) }]));
    const apply = (given: Record<string, { level?: Level; props?: Record<string, unknown> }>) => {
      const all = given.all?.level;
      if (all) for (const c of Object.values(out)) c.level = all;
      for (const [name, g] of Object.entries(given)) {
        if (name === "all" || !out[name]) continue;
        if (g.level) out[name].level = g.level;
        Object.assign(out[name].props, g.props ?? {});
      }
    };
    apply(this.initialConfig);
    const parsed: Record<string, { level?: Level; props?: Record<string, unknown> }> = {};
    for (const [k, v] of Object.entries((file ?? {}) as Record<string, unknown>)) {
      if (typeof v === "string") parsed[k] = { level: v as Level };
      else {
        const { enforcementLevel, ...props } = v as { enforcementLevel?: Level };
        parsed[k] = { level: enforcementLevel, props };
      }
    }
    apply(parsed);
    return out;
  }

  async run(set: StackToAnalyze): Promise<RealRun> {
    const { structpb, apb } = this.rpc;
    const cs = new apb.AnalyzerStackConfigureRequest();
    cs.setStack(set.stack);
    cs.setProject(set.project);
    cs.setOrganization("organization");
    cs.setDryRun(true);
    for (const [k, v] of Object.entries(set.config)) cs.getConfigMap().set(k, v);
    await this.call("configureStack", cs);
    const configure = new apb.ConfigureAnalyzerRequest();
    const file = set.policyConfigFile ? JSON.parse(fs.readFileSync(set.policyConfigFile, "utf8")) : undefined;
    for (const [name, c] of Object.entries(this.reconcile(file))) {
      const pc = new apb.PolicyConfig();
      pc.setEnforcementlevel(LEVELS.indexOf(c.level));
      pc.setProperties(structpb.Struct.fromJavaScript(c.props));
      configure.getPolicyconfigMap().set(name, pc);
    }
    await this.call("configure", configure);

    const byUrn = new Map(set.resources.map((r) => [r.urn, r]));
    const options = (r: EngineResource) => {
      const o = new apb.AnalyzerResourceOptions();
      o.setCustomtimeouts(new apb.AnalyzerResourceOptions.CustomTimeouts());
      if (r.parent) o.setParent(r.parent);
      return o;
    };
    const providerOf = (r: EngineResource) => {
      const p = r.provider ? byUrn.get(r.provider) : undefined;
      if (!p) return undefined;
      const m = new apb.AnalyzerProviderResource();
      m.setUrn(p.urn);
      m.setType(p.type);
      m.setName(p.name);
      m.setProperties(structpb.Struct.fromJavaScript(p.inputs));
      return m;
    };
    const request = (r: EngineResource, props: WireMap) => {
      const a = new apb.AnalyzeRequest();
      a.setUrn(r.urn);
      a.setType(r.type);
      a.setName(r.name);
      a.setProperties(structpb.Struct.fromJavaScript(props));
      a.setOptions(options(r));
      const p = providerOf(r);
      if (p) a.setProvider(p);
      return a;
    };
    const level = (n: number): Level => (LEVELS[n] === "remediate" ? "mandatory" : LEVELS[n]!);

    const result: RealRun = { diagnostics: [], remediations: [] };
    const finalInputs = new Map<string, WireMap>();
    for (const r of set.resources) {
      let inputs = r.inputs;
      const remediated: Rpc = await this.call("remediate", request(r, inputs));
      for (const rem of remediated.getRemediationsList()) {
        if (rem.getDiagnostic()) {
          result.diagnostics.push({ phase: "remediate", policy: rem.getPolicyname(), level: "advisory", message: rem.getDiagnostic(), description: rem.getDescription(), urn: r.urn });
        } else if (rem.getProperties()) {
          const next = rem.getProperties().toJavaScript() as WireMap;
          const changed = [...new Set([...Object.keys(inputs), ...Object.keys(next)])].filter((k) => JSON.stringify(inputs[k]) !== JSON.stringify(next[k]));
          result.remediations.push({ policy: rem.getPolicyname(), urn: r.urn, changed });
          inputs = next;
        }
      }
      finalInputs.set(r.urn, inputs);
      const analyzed: Rpc = await this.call("analyze", request(r, inputs));
      for (const d of analyzed.getDiagnosticsList()) {
        result.diagnostics.push({ phase: "analyze", policy: d.getPolicyname(), level: level(d.getEnforcementlevel()), message: d.getMessage(), description: d.getDescription(), urn: r.urn });
      }
    }

    const stack = new apb.AnalyzeStackRequest();
    stack.setResourcesList(
      set.resources.map((r) => {
        const m = new apb.AnalyzerResource();
        const remediated = finalInputs.get(r.urn)!;
        const outputs: { [k: string]: Wire } = remediated !== r.inputs ? { ...r.outputs, ...remediated } : r.outputs;
        m.setUrn(r.urn);
        m.setType(r.type);
        m.setName(r.name);
        m.setProperties(structpb.Struct.fromJavaScript(outputs));
        m.setOptions(options(r));
        const p = providerOf(r);
        if (p) m.setProvider(p);
        if (r.parent) m.setParent(r.parent);
        m.setDependenciesList(r.dependencies);
        for (const [k, urns] of Object.entries(r.propertyDependencies)) {
          const deps = new apb.AnalyzerPropertyDependencies();
          deps.setUrnsList(urns);
          m.getPropertydependenciesMap().set(k, deps);
        }
        return m;
      }),
    );
    const analyzedStack: Rpc = await this.call("analyzeStack", stack);
    for (const d of analyzedStack.getDiagnosticsList()) {
      result.diagnostics.push({ phase: "analyzeStack", policy: d.getPolicyname(), level: level(d.getEnforcementlevel()), message: d.getMessage(), description: d.getDescription(), urn: d.getUrn() || undefined });
    }
    return result;
  }

  close(): void {
    this.child.kill("SIGTERM");
    this.rpc.client.close();
    this.rpc.server.forceShutdown();
  }
}
