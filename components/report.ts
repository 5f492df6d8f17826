/**
 * CostReport: the daily cost report function, its schedule, and the report bucket
 * (encrypted, public access blocked, TLS only, reports expire after `retentionDays`).
 *
 * Cost Explorer costs $0.01 per request: the function makes at most `maxCostExplorerRequests`
 * per run (see runtime/report/costExplorer.ts for what each request is for).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type EnvName } from "../runtime/contract";
import { INVENTORY_ACTIONS } from "../runtime/report/inventory";
import { HISTORY_ACTION } from "../runtime/report/inventoryHistory";
import { parseCostReportSettings } from "../runtime/report/settings";
import { REPORT_PREFIX, STORE_ACTION } from "../runtime/report/store";
import { GuardFunction, type AlertReporting, type FunctionDefaults, type GuardFunctionTransform, type PolicyStatement } from "./guardFunction";
import { transformed, type Transform } from "./transform";

/** A DynamoDB table the report reads (scan only). */
export interface ReadableTable {
  name: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface CostReportTransform extends GuardFunctionTransform {
  bucket?: Transform<aws.s3.BucketArgs>;
  bucketEncryption?: Transform<aws.s3.BucketServerSideEncryptionConfigurationArgs>;
  bucketPublicAccess?: Transform<aws.s3.BucketPublicAccessBlockArgs>;
  bucketPolicy?: Transform<aws.s3.BucketPolicyArgs>;
  bucketLifecycle?: Transform<aws.s3.BucketLifecycleConfigurationArgs>;
}

export interface CostReportArgs extends AlertReporting {
  /** The stack's log retention, architecture and dead-letter queue. */
  defaults: FunctionDefaults;
  /** EventBridge schedule of the daily run, e.g. `cron(0 9 * * ? *)`. */
  schedule: pulumi.Input<string>;
  /** Days a stored report is kept before the lifecycle rule deletes it. */
  retentionDays: pulumi.Input<number>;
  /** Cost Explorer requests allowed per run (1 to 5, $0.01 each). */
  maxCostExplorerRequests: number;
  /** The stack's monthly budget, to compare the forecast with. */
  monthlyBudgetUsd?: number;
  /**
   * Organisation mode (costguard:organization set): break the day down by linked account and by
   * region. Deploy the stack in the management or a delegated-administrator account, where Cost
   * Explorer's LINKED_ACCOUNT covers every member account.
   */
  byAccountAndRegion?: boolean;
  /** Tables of other capabilities the recommendations read, when they exist. */
  tables?: { findings?: ReadableTable; breakers?: ReadableTable; audit?: ReadableTable };
  transform?: CostReportTransform;
}

export class CostReport extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly bucketName: pulumi.Output<string>;
  public readonly function: GuardFunction;
  /** Name of the function guardctl invokes with `report-now`. */
  public readonly functionName: pulumi.Output<string>;
  public readonly schedule: aws.cloudwatch.EventRule;

  constructor(name: string, args: CostReportArgs, opts?: pulumi.ComponentResourceOptions) {
    super("costguard:report:CostReport", name, {}, opts);
    this.bucket = this.createBucket(name, args);
    this.bucketName = this.bucket.bucket;
    this.function = this.createWriter(name, args);
    this.functionName = this.function.functionName;
    this.schedule = this.function.onSchedule("schedule", args.schedule);
    this.registerOutputs({ bucketName: this.bucketName, functionName: this.functionName });
  }

  /** Encrypted, public access blocked, TLS only; reports expire after `retentionDays`. */
  private createBucket(name: string, args: CostReportArgs): aws.s3.Bucket {
    const parent = { parent: this };
    const t = args.transform;
    const bucket = new aws.s3.Bucket(...transformed(t?.bucket, `${name}-bucket`, { forceDestroy: false }, parent));
    new aws.s3.BucketServerSideEncryptionConfiguration(
      ...transformed(
        t?.bucketEncryption,
        `${name}-bucket-encryption`,
        { bucket: bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
        parent,
      ),
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      ...transformed(
        t?.bucketPublicAccess,
        `${name}-bucket-public-access`,
        { bucket: bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
        parent,
      ),
    );
    new aws.s3.BucketPolicy(
      ...transformed(
        t?.bucketPolicy,
        `${name}-bucket-tls-only`,
        {
          bucket: bucket.bucket,
          policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
              },
            ],
          }),
        },
        // S3 refuses policies while the public access block is being applied.
        { parent: this, dependsOn: [publicAccess] },
      ),
    );
    new aws.s3.BucketLifecycleConfiguration(
      ...transformed(
        t?.bucketLifecycle,
        `${name}-bucket-lifecycle`,
        {
          bucket: bucket.bucket,
          rules: [
            {
              id: "expire-cost-reports",
              status: "Enabled",
              filter: { prefix: REPORT_PREFIX },
              expiration: { days: args.retentionDays },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
            },
          ],
        },
        parent,
      ),
    );
    return bucket;
  }

  /** Cost Explorer → S3 + the alert topic; reads the other capabilities' tables for its recommendations. */
  private createWriter(name: string, args: CostReportArgs): GuardFunction {
    const statements: pulumi.Input<PolicyStatement>[] = [
      // Cost Explorer has no resource-level permissions for these read-only calls.
      { Sid: "ReadCosts", Effect: "Allow", Action: [...INVENTORY_ACTIONS], Resource: "*" },
      { Sid: "WriteReports", Effect: "Allow", Action: STORE_ACTION, Resource: pulumi.interpolate`${this.bucket.arn}/${REPORT_PREFIX}*` },
      ...args.publishStatements,
    ];
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseCostReportSettings(
      { maxCostExplorerRequests: args.maxCostExplorerRequests, monthlyBudgetUsd: args.monthlyBudgetUsd, ...(args.byAccountAndRegion ? { byAccountAndRegion: true } : {}) },
      "costguard:report / costguard:monthlyBudgetUsd cannot be used by the cost report",
    );
    const environment: Partial<Record<EnvName, pulumi.Input<string>>> = {
      [ENV.reportBucket]: this.bucket.bucket,
      [ENV.alertTopicArn]: args.alertTopicArn,
      [ENV.settings]: JSON.stringify(settings),
    };
    const tableEnv = { findings: ENV.findingsTable, breakers: ENV.breakerTable, audit: ENV.auditTable } as const;
    for (const [key, envName] of Object.entries(tableEnv) as [keyof typeof tableEnv, EnvName][]) {
      const table = args.tables?.[key];
      if (!table) continue;
      environment[envName] = table.name;
      statements.push({ Sid: `Read${key[0]!.toUpperCase()}${key.slice(1)}`, Effect: "Allow", Action: HISTORY_ACTION, Resource: table.arn });
    }
    return new GuardFunction(
      `${name}-writer`,
      {
        defaults: args.defaults,
        handler: "costReport",
        description: "costguard: daily cost report (Cost Explorer → S3 + alert topic)",
        memoryMb: 256,
        timeoutSeconds: 120,
        environment,
        statements: pulumi.output(statements) as pulumi.Output<PolicyStatement[]>,
        transform: args.transform,
      },
      { parent: this },
    );
  }
}
