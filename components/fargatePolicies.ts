/**
 * The policy documents of a cost-aware Fargate service, as plain data: its execution role's
 * statements (pull its own images, write its own logs, read exactly its secrets), the trust
 * policies of its roles, and its repository's lifecycle.
 */
import type * as pulumi from "@pulumi/pulumi";

type Statement = { Sid: string; Effect: "Allow"; Action: string | string[]; Resource: pulumi.Input<string> | pulumi.Input<string>[] };

/** IAM resource ARN of a container secret reference (as validated by `secretReference`). */
export function secretResourceArn(reference: string, region: string, accountId: string, partition = "aws"): string {
  if (reference.startsWith("/")) return `arn:${partition}:ssm:${region}:${accountId}:parameter${reference}`;
  // Secrets Manager references may carry `:json-key:version-stage:version-id`; IAM wants the secret.
  if (/^arn:[^:]+:secretsmanager:/.test(reference)) return reference.split(":").slice(0, 7).join(":");
  return reference;
}

/** ECR lifecycle: untagged images (superseded builds) expire after 30 days. */
export function ecrLifecyclePolicy(): object {
  return {
    rules: [
      {
        rulePriority: 1,
        description: "Expire untagged images after 30 days",
        selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: 30 },
        action: { type: "expire" },
      },
    ],
  };
}

export function trustPolicy(scope?: { account: string; region: string; partition: string }): object {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Service: "ecs-tasks.amazonaws.com" },
        Action: "sts:AssumeRole",
        // Only tasks of this account and region may take the role (confused-deputy protection).
        ...(scope && {
          Condition: {
            ArnLike: { "aws:SourceArn": `arn:${scope.partition}:ecs:${scope.region}:${scope.account}:*` },
            StringEquals: { "aws:SourceAccount": scope.account },
          },
        }),
      },
    ],
  };
}

export function executionStatements(repositoryArn: string, logGroupArn: string, secretArns: string[]): Statement[] {
  const statements: Statement[] = [
    // GetAuthorizationToken has no resource-level permissions.
    { Sid: "EcrLogin", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
    { Sid: "PullOwnImages", Effect: "Allow", Action: ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"], Resource: repositoryArn },
    { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroupArn}:*` },
  ];
  const ssm = secretArns.filter((a) => /^arn:[^:]+:ssm:/.test(a));
  const secretsManager = secretArns.filter((a) => /^arn:[^:]+:secretsmanager:/.test(a));
  if (ssm.length) statements.push({ Sid: "ReadSsmSecrets", Effect: "Allow", Action: "ssm:GetParameters", Resource: ssm });
  if (secretsManager.length) statements.push({ Sid: "ReadSecretsManagerSecrets", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secretsManager });
  return statements;
}
