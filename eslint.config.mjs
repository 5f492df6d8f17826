// typescript-eslint's recommended rules over the whole project (type-aware rules stay off:
// `npm run typecheck` already runs the compiler, and type-aware linting doubles CI time).
import js from "@eslint/js";
import { createNodeResolver, importX } from "eslint-plugin-import-x";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "**/node_modules/**", ".bench/**", "docs/**", "dist/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      // Pulumi programs and tools load modules lazily (e.g. the program under test after mocks are set).
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    // No import cycles anywhere: a cycle makes a module see another half-initialised (an
    // undefined export at load time), and it is how layers start leaning on each other. The
    // resolver finds the .ts files behind extension-less relative imports.
    files: ["**/*.ts"],
    plugins: { "import-x": importX },
    settings: {
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createNodeResolver({ extensions: [".ts", ".js", ".json"] })],
    },
    rules: { "import-x/no-cycle": ["error", { ignoreExternal: true }] },
  },
  {
    // Components are the Pulumi side: they deploy handlers (by name, through GuardFunction's
    // bundle) but never import them, and they take args, not stack config (index.ts maps config
    // onto their args). What handlers and components share lives in runtime/contract.ts and the
    // capabilities' settings modules.
    files: ["components/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["**/runtime/handlers", "**/runtime/handlers/**"], message: "components must not import Lambda handlers: share types through runtime/contract.ts or runtime/<capability>/settings.ts." },
            { group: ["**/config", "**/config/**"], message: "components take their own args: index.ts maps stack config (config/) onto them." },
          ],
        },
      ],
    },
  },
  {
    // Plain CommonJS scripts, run by node without a loader (e.g. the Pulumi TypeScript runner check).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", module: "writable", __dirname: "readonly", process: "readonly", console: "readonly" } },
  },
  {
    // Handlers are bundled into Lambdas: zod's classic API would add 445 KB and ~30 ms of cold
    // start to each. runtime/shared/zod.ts gives zod/mini with zod's English messages.
    files: ["runtime/**/*.ts"],
    ignores: ["runtime/shared/zod.ts"],
    rules: {
      "no-restricted-imports": ["error", { paths: [{ name: "zod", message: 'runtime code imports { z } from runtime/shared/zod (zod/mini with English messages), not "zod".' }] }],
    },
  },
);
