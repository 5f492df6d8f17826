// typescript-eslint's recommended rules over the whole project (type-aware rules stay off:
// `npm run typecheck` already runs the compiler, and type-aware linting doubles CI time).
import js from "@eslint/js";
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
