/**
 * The registry of costguard's rules, in the order they are reported. The pack
 * (policy/index.ts), the offline runner and the tests all take the list from here.
 */
import type { Policies } from "@pulumi/policy";
import { allowedInstanceTypes } from "./allowedInstanceTypes";
import { ebsGp3 } from "./ebsGp3";
import { ecrLifecyclePolicy } from "./ecrLifecyclePolicy";
import { forbiddenResourceTypes } from "./forbiddenResourceTypes";
import { iamLeastPrivilege } from "./iamLeastPrivilege";
import { lambdaLogGroupRetention } from "./lambdaLogGroupRetention";
import { logGroupRetention } from "./logGroupRetention";
import { noOpenAdminPorts } from "./noOpenAdminPorts";
import { noPlainSecrets } from "./noPlainSecrets";
import { rdsSafety } from "./rdsSafety";
import { requiredTags } from "./requiredTags";
import { s3BucketSecurity } from "./s3BucketSecurity";
import { snsEncryptedInProd } from "./snsEncryptedInProd";
import { ssmInsteadOfSshInProd } from "./ssmInsteadOfSshInProd";
import { stackCostCap } from "./stackCostCap";

export const POLICY_PACK_NAME = "costguard";

export const policies: Policies = [
  forbiddenResourceTypes,
  requiredTags,
  allowedInstanceTypes,
  stackCostCap,
  logGroupRetention,
  lambdaLogGroupRetention,
  ebsGp3,
  rdsSafety,
  noOpenAdminPorts,
  ssmInsteadOfSshInProd,
  ecrLifecyclePolicy,
  s3BucketSecurity,
  noPlainSecrets,
  iamLeastPrivilege,
  snsEncryptedInProd,
];

export {
  allowedInstanceTypes,
  ebsGp3,
  ecrLifecyclePolicy,
  forbiddenResourceTypes,
  iamLeastPrivilege,
  lambdaLogGroupRetention,
  logGroupRetention,
  noOpenAdminPorts,
  noPlainSecrets,
  rdsSafety,
  requiredTags,
  s3BucketSecurity,
  snsEncryptedInProd,
  ssmInsteadOfSshInProd,
  stackCostCap,
};
