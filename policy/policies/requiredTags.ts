/** Required tags on every taggable resource, with allowed Environment values. */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { TAGGABLE_TYPES } from "../generated/taggableTypes";
import { effectiveTags, ENVIRONMENT_TAG, stringList, withDefaults } from "./common";

export interface RequiredTagsConfig {
  requiredTags: string[];
  allowedEnvironments: string[];
}

export const REQUIRED_TAGS_DEFAULTS: RequiredTagsConfig = {
  requiredTags: ["Environment", "Project"],
  allowedEnvironments: ["dev", "staging", "prod"],
};

export const requiredTags: ResourceValidationPolicy = {
  name: "required-tags",
  description: "Every taggable AWS resource carries the required tags (its own or the provider's default tags), and Environment has an allowed value.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      requiredTags: stringList("Tag keys every taggable resource must carry", REQUIRED_TAGS_DEFAULTS.requiredTags),
      allowedEnvironments: stringList("Allowed values of the Environment tag", REQUIRED_TAGS_DEFAULTS.allowedEnvironments),
    },
  },
  validateResource: (args, report) => {
    if (!TAGGABLE_TYPES.has(args.type)) return;
    const cfg = withDefaults(REQUIRED_TAGS_DEFAULTS, args.getConfig<Partial<RequiredTagsConfig>>());
    const tags = effectiveTags(args.props, args.provider);
    const missing = cfg.requiredTags.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
    if (missing.length) {
      report(`${args.type} "${args.name}" is missing tag${missing.length > 1 ? "s" : ""} ${missing.join(", ")}: set them in the resource's tags or, better, in the provider's defaultTags so every resource gets them.`);
    }
    const env = tags[ENVIRONMENT_TAG];
    if (env !== undefined && cfg.allowedEnvironments.length && !cfg.allowedEnvironments.includes(env)) {
      report(`${args.type} "${args.name}" has Environment="${env}", which is not one of ${cfg.allowedEnvironments.join(", ")}.`);
    }
  },
};
