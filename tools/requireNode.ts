/**
 * costguard's tools and tests run on the Node.js major its functions run on (or later): on an
 * older Node they would test code on a runtime that production never uses. Say so plainly.
 * `npm ci` brings Node 22 on Linux (the node-linux-* optional dependencies); npm scripts put it
 * first on the PATH. Elsewhere, install Node 22 or later.
 */
import { NODE_MAJOR } from "../components/bundle";

const major = Number(process.versions.node.split(".")[0]);
if (major < NODE_MAJOR) {
  console.error(
    `costguard needs Node.js ${NODE_MAJOR} or later (this is ${process.versions.node}, at ${process.execPath}). ` +
      `Run it through npm (npm test, npm run plan), which puts node_modules/.bin/node (Node ${NODE_MAJOR}, installed by npm ci on Linux) first on the PATH, or install Node.js ${NODE_MAJOR}+.`,
  );
  process.exit(64);
}
