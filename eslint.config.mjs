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
);
