/**
 * A stack config for organisation mode (the example stacks stay single-account): three member
 * accounts, two regions, the root and one OU as StackSet targets, clean-up and the enforcer on.
 */
export const ORG = {
  externalId: "costguard-ext-1",
  organizationId: "o-a1b2c3d4e5",
  deploymentTargets: ["r-ab12", "ou-ab12-cdef5678"],
  accounts: ["111111111111", "222222222222", "333333333333"],
};

export const ORG_CONFIG: Record<string, string> = {
  "costguard:regions": JSON.stringify(["us-east-1", "eu-west-1"]),
  "costguard:organization": JSON.stringify(ORG),
  "costguard:wasteScanner": JSON.stringify({ cleanup: "apply" }),
  "costguard:enforcer": JSON.stringify({ mode: "stop" }),
};
