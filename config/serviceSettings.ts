/**
 * The `costguard:services` entries: cost-aware Fargate services (components/fargateService.ts),
 * Fargate's valid task sizes, secrets by reference only, working-hours schedules with
 * Application Auto Scaling's rules. No @pulumi imports.
 */
import { z } from "zod";
import { databaseNameReference } from "./databaseSettings";
import { isTimeZone, scalingScheduleProblem } from "./scheduleExpression";
import { secretLikeReason } from "./secretLike";

/**
 * Fargate's valid task sizes: CPU units → the memory sizes (MiB) allowed with it.
 * https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size
 */
export const FARGATE_TASK_SIZES: Record<number, number[]> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};
function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}
function sizesText(sizes: number[]): string {
  return sizes.length > 4 ? `${sizes[0]} to ${sizes[sizes.length - 1]} in steps of ${sizes[1]! - sizes[0]!}` : sizes.join(", ");
}

/** Application Auto Scaling schedules: cron(...), rate(...) or at(...), with the service's rules. */
const scalingSchedule = z.string().superRefine((v, ctx) => {
  const problem = scalingScheduleProblem(v);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});
const timeZone = z.string().refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "UTC"');
const envVarName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name (letters, digits, _)");
/** Where a container secret comes from: an SSM parameter or Secrets Manager secret, never a value. */
export const secretReference = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter\/[\w.\-/]+|arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+(:[^:]*:[^:]*:[^:]*)?|\/[\w.\-/]+)$/,
    "must reference a secret, not hold one: the ARN of an SSM parameter or Secrets Manager secret, or an SSM parameter name starting with /",
  );

export const ServiceSettings = z
  .strictObject({
    name: z.string().regex(/^[a-z][a-z0-9-]{0,30}$/, "must be lower-case letters, digits and dashes (max 31)").describe("Service name: the ECS service and container, its log group (/costguard/<stack>/services/<name>) and ECR repository (costguard-<stack>/<name>)"),
    image: z.string().min(1, "must name a container image").describe("Container image to run, e.g. the service's ECR repository URL with a tag"),
    cpu: z
      .number()
      .int()
      .refine((v) => v in FARGATE_TASK_SIZES, `must be a Fargate CPU size: ${Object.keys(FARGATE_TASK_SIZES).join(", ")}`)
      .default(256)
      .describe("Fargate CPU units of a task (1024 = 1 vCPU)"),
    memory: z.number().int().min(512, "must be at least 512 MiB").default(512).describe("Memory of a task in MiB: one of Fargate's sizes for the CPU"),
    cpuArchitecture: z.enum(["X86_64", "ARM64"]).default("X86_64").describe("X86_64 (may run on Fargate Spot, about 70 % cheaper) or ARM64 (20 % cheaper on demand, never on Spot)"),
    port: z.number().int().min(1).max(65535).optional().describe("Container port the service listens on; none for a worker that serves nothing"),
    ingressCidrs: z.array(z.cidrv4("must be an IPv4 CIDR such as 203.0.113.0/24")).default(["0.0.0.0/0"]).describe("CIDRs allowed to reach the port: on the tasks' public IPs, or on the load balancer"),
    desiredCount: z.number().int().min(0).max(100).default(1).describe("Number of tasks; 0 declares the service stopped (no alarms, no schedule)"),
    loadBalancer: z.boolean().default(false).describe("Put an application load balancer in front (about $16/month before traffic); needs port"),
    healthCheck: z
      .strictObject({
        command: z.array(z.string()).min(1).optional().describe("Docker HEALTHCHECK command; default with a port: an HTTP GET of / on it"),
        intervalSeconds: z.number().int().min(5).max(300).default(30).describe("Seconds between health checks"),
        timeoutSeconds: z.number().int().min(2).max(60).default(5).describe("Seconds a health check may take"),
        retries: z.number().int().min(1).max(10).default(3).describe("Failed checks in a row that make the container unhealthy"),
        startPeriodSeconds: z.number().int().min(0).max(300).default(15).describe("Seconds after start during which failed checks do not count"),
      })
      .prefault({})
      .describe("Container health check; ECS replaces an unhealthy task"),
    secrets: z.record(envVarName, secretReference).default({}).describe("Container env var name → ARN of an SSM parameter or Secrets Manager secret, or an SSM parameter name: secrets by reference, never by value"),
    environment: z.record(envVarName, z.string()).default({}).describe("Plain, non-secret env vars of the container (secret-looking values are refused)"),
    scaleToZero: z
      .strictObject({
        enabled: z.boolean().optional().describe("Default: on outside production; refused in production"),
        stopSchedule: scalingSchedule.default("cron(0 18 ? * MON-FRI *)").describe("When to scale to zero: Application Auto Scaling cron(), rate() or at()"),
        startSchedule: scalingSchedule.default("cron(0 8 ? * MON-FRI *)").describe("When to scale back to desiredCount"),
        timezone: timeZone.default("UTC").describe("IANA time zone of the schedules"),
      })
      .prefault({})
      .describe("Scale to zero tasks outside working hours (non-production stacks only)"),
    databases: z.array(databaseNameReference).max(10).default([]).describe("Names of costguard:databases the service uses: it may reach them and gets their address and, by reference, their credentials (PGHOST, PGUSER, …)"),
    vpc: z
      .strictObject({
        vpcId: z.string().regex(/^vpc-[0-9a-f]+$/, 'must be a VPC id such as "vpc-0abc123"').describe("Id of the existing VPC"),
        subnetIds: z
          .array(z.string().regex(/^subnet-[0-9a-f]+$/, 'must be a subnet id such as "subnet-0abc123"'))
          .min(1, "must list at least one public subnet")
          .describe("Public subnets (a route to an internet gateway) the tasks run in"),
      })
      .optional()
      .describe("Run in an existing VPC instead of costguard's service network"),
  })
  .superRefine((s, ctx) => {
    const allowed = FARGATE_TASK_SIZES[s.cpu];
    if (allowed && !allowed.includes(s.memory)) {
      ctx.addIssue({ code: "custom", path: ["memory"], message: `is not a valid Fargate size with cpu ${s.cpu}: use ${sizesText(allowed)} MiB` });
    }
    for (const [name, value] of Object.entries(s.environment)) {
      const reason = secretLikeReason(name, value);
      if (reason) {
        ctx.addIssue({
          code: "custom",
          path: ["environment", name],
          message: `looks like a secret (${reason}): store it in SSM Parameter Store (SecureString) or Secrets Manager and list it under "secrets" by ARN or parameter name instead`,
        });
      }
    }
    const clash = Object.keys(s.secrets).find((k) => k in s.environment);
    if (clash) ctx.addIssue({ code: "custom", path: ["secrets", clash], message: "is also set in environment: give it in one place only" });
    if (!s.healthCheck.command && s.port === undefined) {
      ctx.addIssue({ code: "custom", path: ["healthCheck", "command"], message: "is required when the service has no port (there is nothing to probe by default)" });
    }
    if (s.loadBalancer && s.port === undefined) ctx.addIssue({ code: "custom", path: ["port"], message: "is required with loadBalancer: true" });
  });
export type ServiceSettings = z.infer<typeof ServiceSettings>;
