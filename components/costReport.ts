/**
 * CostReport (SPEC S7): the daily cost report function, its schedule, and the report bucket
 * (encrypted, public access blocked, TLS only, reports expire after `retentionDays`).
 *
 * Cost Explorer costs $0.01 per request: the function makes at most `maxCostExplorerRequests`
 * per run (see runtime/report/inventory.ts for what each request is for).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ENV, type EnvName } from "../runtime/contract";
import { INVENTORY_ACTIONS } from "../runtime/report/inventory";
import { HISTORY_ACTION } from "../runtime/report/inventoryHistory";
import { parseCostReportSettings } from "../runtime/report/settings";
import { REPORT_PREFIX, STORE_ACTION } from "../runtime/report/store";
import { GuardFunction, type PolicyStatement, type FunctionDefaults, type AlertReporting } from "./guardFunction";

/** A DynamoDB table the report reads (scan only). */
export interface ReadableTable {
  name: pulumi.Input<string>;
  arn: pulumi.Input<string>;
}

export interface CostReportArgs extends FunctionDefaults, AlertReporting {
  /** EventBridge schedule of the daily run (default 09:00 UTC). */
  schedule: string;
  /** Days a stored report is kept before the lifecycle rule deletes it. */
  retentionDays: number;
  /** Cost Explorer requests allowed per run (1 to 5, $0.01 each). */
  maxCostExplorerRequests: number;
  /** The stack's monthly budget, to compare the forecast with. */
  monthlyBudgetUsd?: number;
  /** Tables of other capabilities the recommendations read, when they exist. */
  tables?: { findings?: ReadableTable; breakers?: ReadableTable; audit?: ReadableTable };
  /** Escape hatch: adjust the bucket's args. */
  transformBucket?: (args: aws.s3.BucketArgs) => aws.s3.BucketArgs;
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
    const parent = { parent: this };
    // The handler reads these with the same schema: settings it would refuse stop here, at preview.
    const settings = parseCostReportSettings(
      { maxCostExplorerRequests: args.maxCostExplorerRequests, monthlyBudgetUsd: args.monthlyBudgetUsd },
      "costguard:report / costguard:monthlyBudgetUsd cannot be used by the cost report",
    );

    let bucketArgs: aws.s3.BucketArgs = { forceDestroy: false };
    if (args.transformBucket) bucketArgs = args.transformBucket(bucketArgs);
    this.bucket = new aws.s3.Bucket(`${name}-bucket`, bucketArgs, parent);
    this.bucketName = this.bucket.bucket;

    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-bucket-encryption`,
      { bucket: this.bucket.bucket, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }] },
      parent,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-bucket-public-access`,
      { bucket: this.bucket.bucket, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      parent,
    );
    new aws.s3.BucketPolicy(
      `${name}-bucket-tls-only`,
      {
        bucket: this.bucket.bucket,
        policy: pulumi.jsonStringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyInsecureTransport",
              Effect: "Deny",
              Principal: "*",
              Action: "s3:*",
              Resource: [this.bucket.arn, pulumi.interpolate`${this.bucket.arn}/*`],
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
          ],
        }),
      },
      // S3 refuses policies while the public access block is being applied.
      { parent: this, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-bucket-lifecycle`,
      {
        bucket: this.bucket.bucket,
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
    );

    const statements: pulumi.Input<PolicyStatement>[] = [
      // Cost Explorer has no resource-level permissions for these read-only calls.
      { Sid: "ReadCosts", Effect: "Allow", Action: [...INVENTORY_ACTIONS], Resource: "*" },
      { Sid: "WriteReports", Effect: "Allow", Action: STORE_ACTION, Resource: pulumi.interpolate`${this.bucket.arn}/${REPORT_PREFIX}*` },
      ...args.publishStatements,
    ];
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

    this.function = new GuardFunction(
      `${name}-writer`,
      {
        handler: "costReport",
        description: "costguard: daily cost report (Cost Explorer → S3 + alert topic)",
        stack: args.stack,
        logRetentionDays: args.logRetentionDays,
        architecture: args.architecture,
        deadLetterQueue: args.deadLetterQueue,
        memoryMb: 256,
        timeoutSeconds: 120,
        environment,
        statements: pulumi.output(statements) as pulumi.Output<PolicyStatement[]>,
      },
      parent,
    );
    this.functionName = this.function.functionName;
    this.schedule = this.function.onSchedule("schedule", args.schedule);

    this.registerOutputs({ bucketName: this.bucketName, functionName: this.functionName });
  }
}
