import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "templates/", "tests/fixtures/", "coverage/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
    },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
      "no-console": "error",
    },
  },
  {
    // The output module and the debug logger are the only places that write to the terminal.
    files: ["src/output.ts", "bench/**", "bin/**"],
    rules: { "no-console": "off" },
  },
  {
    // Only the CLI entry decides the exit code; library code returns or throws typed errors.
    files: ["src/**/*.ts", "src/**/*.tsx"],
    ignores: ["src/cli.ts"],
    rules: {
      "no-restricted-properties": [
        "error",
        { object: "process", property: "exit", message: "Only src/cli.ts exits." },
      ],
    },
  },
);
