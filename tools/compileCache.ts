/**
 * V8's compile cache on disk (Node ≥ 22.1): a module compiled once is loaded from its cached
 * code afterwards. Every tool and test process loads @pulumi/pulumi, @pulumi/aws and the AWS SDK
 * (about 0.5 s of CPU each); with the cache, about half of that. Import this first: modules
 * loaded before it are not cached.
 *
 * The directory sits beside the bundle cache (node_modules/.cache, rebuilt by `npm ci`); the
 * cache is keyed by content and Node's version and checked on read, so an edited file or another
 * Node simply misses. Children (test files, the plans tests spawn) inherit NODE_COMPILE_CACHE.
 */
import * as nodeModule from "node:module";
import * as path from "node:path";

export const COMPILE_CACHE_DIR = process.env.NODE_COMPILE_CACHE || path.join(__dirname, "..", "node_modules", ".cache", "node-compile-cache");

// Absent on Node 20: requireNode.ts then says to run on Node 22.
const enable = (nodeModule as { enableCompileCache?: (dir: string) => unknown }).enableCompileCache;
enable?.(COMPILE_CACHE_DIR);
process.env.NODE_COMPILE_CACHE ??= COMPILE_CACHE_DIR;
