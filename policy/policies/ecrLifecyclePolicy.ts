/** ECR repositories need a lifecycle policy, or images pile up at $0.10/GB-month. */
import type { StackValidationPolicy } from "@pulumi/policy";
import { asObject } from "./common";

export const ecrLifecyclePolicy: StackValidationPolicy = {
  name: "ecr-lifecycle-policy",
  description: "Every ECR repository has a lifecycle policy (e.g. expire untagged images after 30 days).",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    const covered = new Set(args.resources.filter((r) => r.type === "aws:ecr/lifecyclePolicy:LifecyclePolicy").map((r) => String(r.props.repository)));
    for (const r of args.resources) {
      if (r.type === "aws:ecr/repository:Repository") {
        const names = [r.props.name, r.props.id, r.name].filter((v) => typeof v === "string");
        if (!names.some((n) => covered.has(n as string))) {
          report(`ECR repository "${r.name}" has no lifecycle policy: add an aws.ecr.LifecyclePolicy (e.g. expire untagged images after 30 days) so old images stop costing $0.10/GB-month.`, r.urn);
        }
      } else if (r.type === "awsx:ecr:Repository" && asObject(r.props.lifecyclePolicy).skip === true) {
        report(`awsx ECR repository "${r.name}" skips its lifecycle policy (lifecyclePolicy.skip: true): remove skip, or give lifecyclePolicy rules.`, r.urn);
      }
    }
  },
};
