/**
 * NodeOptimizer (Kubernetes): a guard function that drains the node of an
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
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform } from "./guardFunction";
import { guardTable } from "./guardTable";
import { accountScope, neverTouchProtected, type PolicyStatement } from "./iam";
import { renamedFrom, transformed, type Transform } from "./transform";

/** The RBAC rules of the optimizer's Kubernetes group: exactly what runtime/nodeOptimizer/kubeRest.ts calls. */
export const NODE_OPTIMIZER_RULES = KUBERNETES_RULES;

/** The cluster the optimizer manages and how it drains and rebalances its nodes. */
export interface NodeOptimizerSettings {
  /** Name of the EKS cluster (public API endpoint; authentication mode API or API_AND_CONFIG_MAP); an output of the cluster will do. */
  clusterName: pulumi.Input<string>;
  /** Node groups' Auto Scaling groups the rebalance may change, by name (empty: drain only). */
  autoScalingGroups: pulumi.Input<string>[];
  /** Run the scheduled on-demand → spot rebalance. */
  rebalance: boolean;
  /** EventBridge schedule expression of the rebalance. */
  rebalanceSchedule: pulumi.Input<string>;
  /** Seconds a drain may take within the 2-minute spot notice. */
  drainDeadlineSeconds: number;
  /** Rebalance: how long a new node may take to be Ready. */
  nodeReadyTimeoutSeconds: number;
  /** Rebalance: how long the old node's drain may take. */
  rebalanceDrainSeconds: number;
  /** Kubernetes group the function's role is mapped to (bound to NODE_OPTIMIZER_RULES). */
  kubernetesGroup: string;
  /** Also cordon and drain a node on an EC2 rebalance recommendation, not only on the interruption warning. */
  drainOnRebalanceRecommendation: boolean;
}

export interface NodeOptimizerTransform extends GuardFunctionTransform {
  /** The leases and rebalance journals table. */
  table?: Transform<aws.dynamodb.TableArgs>;
  accessEntry?: Transform<aws.eks.AccessEntryArgs>;
  /** The Kubernetes provider the RBAC objects are created through. */
  provider?: Transform<k8s.ProviderArgs>;
  clusterRole?: Transform<k8s.rbac.v1.ClusterRoleArgs>;
  clusterRoleBinding?: Transform<k8s.rbac.v1.ClusterRoleBindingArgs>;
}

export interface NodeOptimizerArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** The cluster, its node groups, the schedule and deadlines. */
  settings: NodeOptimizerSettings;
  /** Spot advice (circuit breaker + pool risk) consulted before choosing spot: SpotResilience.advisorAccess(). */
  advisor?: { environment: Record<string, pulumi.Input<string>>; statements: PolicyStatement[] };
  /** Fixed function name, so the spot-events function can be told whom to hand nodes to before this exists. */
  functionName?: string;
  transform?: NodeOptimizerTransform;
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
  private readonly cluster: pulumi.Output<aws.eks.GetClusterResult>;

  constructor(name: string, args: NodeOptimizerArgs, opts?: pulumi.ComponentResourceOptions) {
    // Was costguard:k8s:NodeOptimizer: one name per capability. The alias keeps deployed stacks' resources.
    super("costguard:nodeOptimizer:NodeOptimizer", name, {}, renamedFrom("costguard:k8s:NodeOptimizer", opts));
    const s = args.settings;
    this.cluster = aws.eks.getClusterOutput({ name: s.clusterName }, { parent: this });
    const rebalance = s.rebalance && s.autoScalingGroups.length > 0;
    if (rebalance) this.stateTable = guardTable(`${name}-state`, {}, { parent: this }, args.transform?.table);
    this.fn = this.createFunction(name, args, rebalance);
    this.functionName = this.fn.functionName;
    this.functionArn = this.fn.functionArn;
    if (rebalance) this.fn.onSchedule("rebalance", s.rebalanceSchedule, { action: "rebalance" });
    [this.accessEntry, this.clusterRole, this.clusterRoleBinding] = this.grantClusterAccess(name, args);
    this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn });
  }

  /** IAM statement letting another function (the spot-events handler) invoke the drain. */
  invokeStatements(): PolicyStatement[] {
    return [{ Sid: "InvokeNodeDrainer", Effect: "Allow", Action: DRAIN_INVOKE_ACTION, Resource: this.functionArn }];
  }

  /** The cluster's name once checked at preview, so a cluster the function cannot reach fails before anything is created. */
  private checkedClusterName(): pulumi.Output<string> {
    return this.cluster.apply((c) => {
      const mode = c.accessConfigs?.[0]?.authenticationMode ?? "CONFIG_MAP";
      if (mode === "CONFIG_MAP")
        throw new Error(`costguard:nodeOptimizer.clusterName "${c.name}" uses authenticationMode CONFIG_MAP: access entries need API or API_AND_CONFIG_MAP (aws eks update-cluster-config --access-config authenticationMode=API_AND_CONFIG_MAP)`);
      if (!c.vpcConfig.endpointPublicAccess)
        throw new Error(`costguard:nodeOptimizer.clusterName "${c.name}" has no public API endpoint: the node optimizer runs outside any VPC and needs one (private-only endpoints are not supported)`);
      if (!(c.vpcConfig.publicAccessCidrs ?? []).includes("0.0.0.0/0"))
        pulumi.log.warn(`the public endpoint of ${c.name} is limited to ${c.vpcConfig.publicAccessCidrs.join(", ")}: Lambda's egress addresses are not fixed, so calls may be refused`, this);
      return c.name;
    });
  }

  private createFunction(name: string, args: NodeOptimizerArgs, rebalance: boolean): GuardFunction {
    const s = args.settings;
    const { partition, region, accountId: account } = accountScope(this);
    const clusterName = this.cluster.name;
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings: pulumi.Output<NodeOptimizerRuntimeSettings> = pulumi.all([clusterName, this.cluster.endpoint, this.cluster.certificateAuthorities, pulumi.all(s.autoScalingGroups)]).apply(([cluster, endpoint, cas, groups]) =>
      parseNodeOptimizerSettings(
        {
          clusterName: cluster,
          endpoint,
          certificateAuthority: cas[0]?.data ?? "",
          autoScalingGroups: groups,
          drainDeadlineSeconds: s.drainDeadlineSeconds,
          nodeReadyTimeoutSeconds: s.nodeReadyTimeoutSeconds,
          rebalanceDrainSeconds: s.rebalanceDrainSeconds,
          drainOnRebalanceRecommendation: s.drainOnRebalanceRecommendation,
        },
        `costguard:nodeOptimizer (with the endpoint and CA of cluster ${cluster}) cannot be used by the node optimizer`,
      ),
    );

    const statements: pulumi.Input<PolicyStatement>[] = [
      // Describe calls support no resource-level permissions.
      { Sid: "DescribeNodeGroups", Effect: "Allow", Action: [...DESCRIBE_ACTIONS], Resource: "*" },
      ...args.publishStatements,
    ];
    if (rebalance && this.stateTable) {
      statements.push({ Sid: "LeasesAndRebalanceJournals", Effect: "Allow", Action: [...JOURNAL_ACTIONS], Resource: this.stateTable.arn });
      statements.push(
        clusterName.apply((cluster): PolicyStatement => ({
          Sid: "RebalanceConfiguredNodeGroups",
          Effect: "Allow",
          Action: [...REBALANCE_ACTIONS],
          Resource: s.autoScalingGroups.map((g) => pulumi.interpolate`arn:${partition}:autoscaling:${region}:${account}:autoScalingGroup:*:autoScalingGroupName/${g}`),
          // Only groups that belong to this cluster (EKS managed node groups and eksctl tag them so).
          Condition: { StringEquals: { [`aws:ResourceTag/kubernetes.io/cluster/${cluster}`]: "owned" } },
        })),
      );
      statements.push(neverTouchProtected([...REBALANCE_ACTIONS]));
    }

    return new GuardFunction(
      name,
      {
        defaults: args.defaults,
        handler: "nodeOptimizer",
        description: pulumi.interpolate`costguard: drain interrupted nodes and rebalance on-demand nodes to spot (${clusterName})`,
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
        statements: pulumi.output([...statements, ...(args.advisor?.statements ?? [])]) as pulumi.Output<PolicyStatement[]>,
        functionName: args.functionName,
        transform: args.transform,
      },
      { parent: this },
    );
  }

  /**
   * An EKS access entry maps the function's role to one Kubernetes group, bound to a ClusterRole
   * of exactly NODE_OPTIMIZER_RULES, created through a Kubernetes provider for the cluster.
   */
  private grantClusterAccess(name: string, args: NodeOptimizerArgs): [aws.eks.AccessEntry, k8s.rbac.v1.ClusterRole, k8s.rbac.v1.ClusterRoleBinding] {
    const s = args.settings;
    const t = args.transform;
    const parent = { parent: this };
    const accessEntry = new aws.eks.AccessEntry(
      ...transformed(t?.accessEntry, `${name}-access`, { clusterName: this.checkedClusterName(), principalArn: this.fn.role.arn, type: "STANDARD", kubernetesGroups: [s.kubernetesGroup] }, parent),
    );

    // The deployer's own access: `aws eks get-token`, as kubectl would use (AWS CLI needed at deploy time).
    const { region } = accountScope(this);
    const kubeconfig = pulumi.all([this.cluster.name, this.cluster.endpoint, this.cluster.certificateAuthorities, region]).apply(([cluster, endpoint, cas, r]) =>
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: cluster, cluster: { server: endpoint, "certificate-authority-data": cas[0]?.data ?? "" } }],
        users: [{ name: "deployer", user: { exec: { apiVersion: "client.authentication.k8s.io/v1beta1", command: "aws", args: ["eks", "get-token", "--cluster-name", cluster, "--region", r] } } }],
        contexts: [{ name: cluster, context: { cluster, user: "deployer" } }],
        "current-context": cluster,
      }),
    );
    const provider = new k8s.Provider(...transformed(t?.provider, `${name}-k8s`, { kubeconfig }, parent));
    const k8sOpts = { parent: this, provider };
    const roleName = `costguard-node-optimizer-${args.defaults.stack}`;
    const labels = { "app.kubernetes.io/managed-by": "costguard" };
    const clusterRole = new k8s.rbac.v1.ClusterRole(...transformed(t?.clusterRole, `${name}-clusterrole`, { metadata: { name: roleName, labels }, rules: NODE_OPTIMIZER_RULES }, k8sOpts));
    const clusterRoleBinding = new k8s.rbac.v1.ClusterRoleBinding(
      ...transformed(
        t?.clusterRoleBinding,
        `${name}-clusterrolebinding`,
        {
          metadata: { name: roleName, labels },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
          subjects: [{ kind: "Group", name: s.kubernetesGroup, apiGroup: "rbac.authorization.k8s.io" }],
        },
        k8sOpts,
      ),
    );
    return [accessEntry, clusterRole, clusterRoleBinding];
  }
}
