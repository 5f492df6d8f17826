/**
 * NodeOptimizer (SPEC S5, Kubernetes): a guard function that drains the node of an
 * interrupted spot instance and, on schedule, replaces on-demand nodes of the configured node
 * groups by spot nodes without ever dropping capacity (runtime/nodeOptimizer/).
 *
 * Access is the least that works: an EKS access entry maps the function's role to one
 * Kubernetes group; a ClusterRole created through a Kubernetes provider for the cluster gives
 * that group nodes get/list/patch, pods get/list and pods/eviction create, nothing else. The
 * function reaches the cluster's public endpoint from outside any VPC (a private-only
 * endpoint is refused at preview: it would need VPC access and an STS endpoint).
 *
 * A table of its own holds one lease per node group (one run at a time) and each group's
 * rebalance journal, so a run that dies mid-rebalance is finished or undone by the next.
 */
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { ENV } from "../runtime/contract";
import { DESCRIBE_ACTIONS, REBALANCE_ACTIONS } from "../runtime/nodeOptimizer/asgGateway";
import { KUBERNETES_RULES } from "../runtime/nodeOptimizer/kubeRest";
import { DRAIN_INVOKE_ACTION } from "../runtime/nodeOptimizer/remoteDrainer";
import { parseNodeOptimizerSettings, type NodeOptimizerRuntimeSettings } from "../runtime/nodeOptimizer/settings";
import { JOURNAL_ACTIONS } from "../runtime/shared/journal";
import type { NodeOptimizerSettings } from "./configSchema";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";
import { guardTable } from "./guardTable";
import { neverTouchProtected } from "./spot";

/** The RBAC rules of the optimizer's Kubernetes group: exactly what runtime/nodeOptimizer/kubeRest.ts calls. */
export const NODE_OPTIMIZER_RULES = KUBERNETES_RULES;

export interface NodeOptimizerArgs extends FunctionDefaults, AlertReporting {
  /** The `costguard:nodeOptimizer` settings (cluster, node groups, schedule, deadlines, group). */
  settings: NodeOptimizerSettings;
  /** Spot advice (circuit breaker + pool risk) consulted before choosing spot: SpotResilience.advisorAccess(). */
  advisor?: { environment: Record<string, pulumi.Input<string>>; statements: PolicyStatement[] };
  /** Fixed function name, so the spot-events function can be told whom to hand nodes to before this exists. */
  functionName?: string;
}

export class NodeOptimizer extends pulumi.ComponentResource {
  public readonly fn: GuardFunction;
  /** Leases and rebalance journals (when the rebalance runs). */
  public readonly stateTable?: aws.dynamodb.Table;
  public readonly functionName: pulumi.Output<string>;
  public readonly functionArn: pulumi.Output<string>;
  public readonly accessEntry: aws.eks.AccessEntry;
  public readonly clusterRole: k8s.rbac.v1.ClusterRole;
  public readonly clusterRoleBinding: k8s.rbac.v1.ClusterRoleBinding;

  constructor(name: string, args: NodeOptimizerArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:k8s:NodeOptimizer", name, {}, opts);
    const parent = { parent: this };
    const s = args.settings;

    const cluster = aws.eks.getClusterOutput({ name: s.clusterName }, parent);
    // Checked at preview, so a cluster the function cannot reach fails before anything is created.
    const checkedClusterName = cluster.apply((c) => {
      const mode = c.accessConfigs?.[0]?.authenticationMode ?? "CONFIG_MAP";
      if (mode === "CONFIG_MAP")
        throw new Error(`costguard:nodeOptimizer.clusterName "${c.name}" uses authenticationMode CONFIG_MAP: access entries need API or API_AND_CONFIG_MAP (aws eks update-cluster-config --access-config authenticationMode=API_AND_CONFIG_MAP)`);
      if (!c.vpcConfig.endpointPublicAccess)
        throw new Error(`costguard:nodeOptimizer.clusterName "${c.name}" has no public API endpoint: the node optimizer runs outside any VPC and needs one (private-only endpoints are not supported)`);
      if (!(c.vpcConfig.publicAccessCidrs ?? []).includes("0.0.0.0/0"))
        pulumi.log.warn(`the public endpoint of ${c.name} is limited to ${c.vpcConfig.publicAccessCidrs.join(", ")}: Lambda's egress addresses are not fixed, so calls may be refused`, this);
      return c.name;
    });
    const region = aws.getRegionOutput({}, parent).region;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const partition = aws.getPartitionOutput({}, parent).partition;

    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings: pulumi.Output<NodeOptimizerRuntimeSettings> = pulumi.all([cluster.endpoint, cluster.certificateAuthorities]).apply(([endpoint, cas]) =>
      parseNodeOptimizerSettings(
        {
          clusterName: s.clusterName,
          endpoint,
          certificateAuthority: cas[0]?.data ?? "",
          autoScalingGroups: s.autoScalingGroups,
          drainDeadlineSeconds: s.drainDeadlineSeconds,
          nodeReadyTimeoutSeconds: s.nodeReadyTimeoutSeconds,
          rebalanceDrainSeconds: s.rebalanceDrainSeconds,
          drainOnRebalanceRecommendation: s.drainOnRebalanceRecommendation,
        },
        `costguard:nodeOptimizer (with the endpoint and CA of cluster ${s.clusterName}) cannot be used by the node optimizer`,
      ),
    );

    const statements: PolicyStatement[] = [
      // Describe calls support no resource-level permissions.
      { Sid: "DescribeNodeGroups", Effect: "Allow", Action: [...DESCRIBE_ACTIONS], Resource: "*" },
      ...args.publishStatements,
    ];
    const rebalance = s.rebalance && s.autoScalingGroups.length > 0;
    if (rebalance) {
      this.stateTable = guardTable(`${name}-state`, {}, parent);
      statements.push({ Sid: "LeasesAndRebalanceJournals", Effect: "Allow", Action: [...JOURNAL_ACTIONS], Resource: this.stateTable.arn });
      statements.push({
        Sid: "RebalanceConfiguredNodeGroups",
        Effect: "Allow",
        Action: [...REBALANCE_ACTIONS],
        Resource: s.autoScalingGroups.map((g) => pulumi.interpolate`arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${g}`),
        // Only groups that belong to this cluster (EKS managed node groups and eksctl tag them so).
        Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`]: "owned" } },
      });
      statements.push(neverTouchProtected([...REBALANCE_ACTIONS]));
    }

    this.fn = new GuardFunction(
      name,
      {
        handler: "nodeOptimizer",
        description: `costguard: drain interrupted nodes and rebalance on-demand nodes to spot (${s.clusterName})`,
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        // The client-node bundle is large: more memory also means more CPU for a fast cold start
        // within the two-minute notice.
        memoryMb: 256,
        // A rebalance waits for a node and drains another; a drain alone fits the notice.
        timeoutSeconds: rebalance ? 900 : 120,
        environment: {
          [ENV.alertTopicArn]: args.alertTopicArn,
          [ENV.settings]: settings.apply((v) => JSON.stringify(v)),
          ...(this.stateTable ? { [ENV.optimizerTable]: this.stateTable.name } : {}),
          ...args.advisor?.environment,
        },
        statements: [...statements, ...(args.advisor?.statements ?? [])],
        transform: args.functionName ? (fnArgs) => ({ ...fnArgs, name: args.functionName }) : undefined,
      },
      parent,
    );
    this.functionName = this.fn.functionName;
    this.functionArn = this.fn.functionArn;
    if (rebalance) this.fn.onSchedule("rebalance", s.rebalanceSchedule, { action: "rebalance" });

    this.accessEntry = new aws.eks.AccessEntry(
      `${name}-access`,
      { clusterName: checkedClusterName, principalArn: this.fn.role.arn, type: "STANDARD", kubernetesGroups: [s.kubernetesGroup] },
      parent,
    );

    // The deployer's own access: `aws eks get-token`, as kubectl would use (AWS CLI needed at deploy time).
    const kubeconfig = pulumi.all([cluster.endpoint, cluster.certificateAuthorities, region]).apply(([endpoint, cas, r]) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: s.clusterName, cluster: { server: endpoint, "certificate-authority-data": cas[0]?.data ?? "" } }],
        users: [{ name: "deployer", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", s.clusterName, "--region", r] } } }],
        contexts: [{ name: s.clusterName, context: { cluster: s.clusterName, user: "deployer" } }],
        "current-context": s.clusterName,
      }),
    );
    const provider = new k8s.Provider(`${name}-k8s`, { kubeconfig }, parent);
    const k8sOpts = { parent: this, provider };
    const roleName = `costguard-node-optimizer-${args.stack}`;
    this.clusterRole = new k8s.rbac.v1.ClusterRole(
      `${name}-clusterrole`,
      { metadata: { name: roleName, labels: { "app.kubernetes.io/managed-by": "costguard" } }, rules: NODE_OPTIMIZER_RULES },
      k8sOpts,
    );
    this.clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-clusterrolebinding`,
      {
        metadata: { name: roleName, labels: { "app.kubernetes.io/managed-by": "costguard" } },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: this.clusterRole.metadata.name },
        subjects: [{ kind: "Group", name: s.kubernetesGroup, apiGroup: "rbac.authorization.k8s.io" }],
      },
      k8sOpts,
    );

    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn });
  }

  /** IAM statement letting another function (the spot-events handler) invoke the drain. */
  invokeStatements(): PolicyStatement[] {
    return [{ Sid: "InvokeNodeDrainer", Effect: "Allow", Action: DRAIN_INVOKE_ACTION, Resource: this.functionArn }];
  }
}
