/**
 * zod as the runtime uses it: `zod/mini`, the same library as the classic API the components use
 * (same core, same checks, same messages) with a functional API esbuild can tree-shake: about
 * 35 KB of a handler bundle, where the classic API is 445 KB and ~30 ms of every cold start
 * whatever a handler uses of it. The classic API loads its English messages when imported; mini
 * loads none and says "Invalid input" for everything, so this module loads the English locale,
 * once (zod keeps its configuration on globalThis: both APIs then speak the same words).
 *
 * Runtime code does `import * as z from "../shared/zod"`, never imports "zod" (the lint config
 * enforces it). Re-exporting the module, not a `z` object, is what keeps tree-shaking: an object
 * holding every export would carry all of them (the 40 locales included) into each bundle.
 */
import { config } from "zod/mini";
import { en } from "zod/locales";

config(en());

export * from "zod/mini";
