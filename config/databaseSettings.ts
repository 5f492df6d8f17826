/**
 * The `costguard:databases` entries (PostgreSQL on RDS). The names derived from them (the RDS
 * identifier, the variables a service receives) are the component's, in
 * components/databaseNames.ts, which config validation uses too. No @pulumi imports.
 *
 * What is not configurable on purpose: the password (RDS generates it and keeps it in Secrets
 * Manager), public access (never), storage encryption (always), Performance Insights (off).
 */
import { z } from "zod";
import { isTimeZone, scalingScheduleProblem } from "./scheduleExpression";

/** Lower-case letters, digits and single dashes: RDS identifiers refuse `--` and a trailing dash. */
const NAME = /^[a-z](?:-?[a-z0-9]){0,30}$/;
const NAME_RULE = "must be lower-case letters, digits and single dashes, starting with a letter and not ending with a dash (max 31)";

/** A database name as services refer to it (unknown names are reported with the list of known ones). */
export const databaseNameReference = z.string().min(1, "must name a database of costguard:databases");

const schedule = z.string().superRefine((v, ctx) => {
  const problem = scalingScheduleProblem(v, "EventBridge Scheduler");
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
/** PostgreSQL identifiers RDS accepts for the database and the master user. */
const pgIdentifier = (what: string) => z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, `must be a PostgreSQL ${what}: a letter, then letters, digits or _ (max 63)`);

export const DatabaseSettings = z
  .strictObject({
    name: z.string().regex(NAME, NAME_RULE).describe("Database name: services name it in services[].databases; the RDS identifier is costguard-<stack>-<name>"),
    engineVersion: z
      .string()
      .regex(/^\d{2}(\.\d+)?$/, 'must be a PostgreSQL version: a major version such as "17", or major.minor such as "16.4"')
      .default("17")
      .describe("PostgreSQL version: a major version (RDS picks and upgrades the minor) or major.minor to pin one"),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9-]+\.[a-z0-9]+$/, 'must be an RDS instance class such as "db.t4g.micro"')
      .default("db.t4g.micro")
      .describe("RDS instance class (db.t4g.micro: the smallest burstable Graviton class, the one AWS's free tier covers)"),
    allocatedStorageGb: z
      .number()
      .int("must be a whole number of GB")
      .min(20, "must be at least 20 GB (gp3's minimum on RDS)")
      .max(65536, "must be at most 65536 GB (RDS's maximum)")
      .default(20)
      .describe("gp3 storage in GB"),
    maxAllocatedStorageGb: z
      .number()
      .int("must be a whole number of GB")
      .max(65536, "must be at most 65536 GB (RDS's maximum)")
      .optional()
      .describe("Storage autoscaling up to this size; off when unset, because RDS storage never shrinks"),
    multiAz: z.boolean().optional().describe("A standby in another Availability Zone, twice the price (default: true in production, false elsewhere)"),
    backupRetentionDays: z
      .number()
      .int()
      .min(1, "must be at least 1 day (0 turns automated backups off)")
      .max(35, "must be at most 35 days (RDS's maximum)")
      .default(7)
      .describe("Days of automated backups"),
    databaseName: pgIdentifier("database name").optional().describe("The PostgreSQL database created with the instance (default: the name with dashes as underscores)"),
    username: pgIdentifier("user name")
      .refine((u) => !/^(rds|pg_)/i.test(u), "must not start with rds or pg_ (reserved by RDS and PostgreSQL)")
      .default("postgres")
      .describe("Master user name; RDS generates the password and keeps it in Secrets Manager"),
    stopped: z.boolean().default(false).describe("Declared stopped (like a service at desiredCount 0): storage and backups still bill, instance hours do not"),
    scaleToZero: z
      .strictObject({
        enabled: z.boolean().optional().describe("Default: on outside production; refused in production"),
        stopSchedule: schedule.default("cron(0 18 ? * MON-FRI *)").describe("When to stop the instance: EventBridge Scheduler cron(), rate() or at()"),
        startSchedule: schedule.default("cron(0 8 ? * MON-FRI *)").describe("When to start it again"),
        timezone: z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"').default("UTC").describe("IANA time zone of the schedules"),
      })
      .prefault({})
      .describe("Stop the instance outside working hours (non-production stacks only)"),
    alarms: z
      .strictObject({
        enabled: z.boolean().optional().describe("Default: on unless the database is declared stopped (no alarm could fire)"),
        // Burstable classes run in unlimited mode on RDS: below zero credits, surplus vCPU-hours are billed.
        cpuCreditBalanceBelow: z.number().min(0, "must be 0 or more").max(100_000).default(20).describe("CPU credit balance (burstable classes) below which the credit alarm fires"),
        freeStoragePercentBelow: z
          .number()
          .positive("must be more than 0 (percent)")
          .max(99, "must be less than 100 (percent)")
          .default(10)
          .describe("Free storage, in % of allocatedStorageGb, below which the storage alarm fires"),
        // db.t4g.micro's max_connections is at most 112 (1 GiB / 9531392).
        connectionsAbove: z.number().int().min(1).max(100_000).default(60).describe("Connections above which the connections alarm fires"),
      })
      .prefault({})
      .describe("Alarms on CPU credits, free storage and connections, to the alert topic"),
    vpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'must be a VPC id such as "vpc-0abc123"').describe("Id of the existing VPC"),
        subnetIds: z
          .array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id such as "subnet-0abc123"'))
          .min(2, "must list at least 2 subnets in different Availability Zones (an RDS DB subnet group needs two)")
          .describe("Subnets of the DB subnet group, in two Availability Zones at least"),
      })
      .optional()
      .describe("An existing VPC instead of the services' network; services using the database must run in it too"),
  })
  .superRefine((d, ctx) => {
    if (d.maxAllocatedStorageGb !== undefined && d.maxAllocatedStorageGb <= d.allocatedStorageGb) {
      ctx.addIssue({ code: "custom", path: ["maxAllocatedStorageGb"], message: `must be more than allocatedStorageGb, ${d.allocatedStorageGb}: storage autoscaling grows up to it` });
    }
    if (d.stopped && d.scaleToZero.enabled === true) {
      ctx.addIssue({ code: "custom", path: ["scaleToZero", "enabled"], message: `must not be true when stopped is true (database "${d.name}"): a stopped database has no start schedule; set one or the other` });
    }
  });
export type DatabaseSettings = z.infer<typeof DatabaseSettings>;
