import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/**", "build/**", "coverage/**", "**/*.js", "**/*.mjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-non-null-assertion": "off",
      "no-constant-condition": ["error", { checkLoops: false }],
    },
  },
  {
    files: ["firmware/**/*.ts", "emulation/**/*.ts"],
    ignores: ["firmware/platform/**", "firmware/main.ts"],
    rules: {
      "no-restricted-globals": ["error", "Buffer", "process", "setTimeout", "setInterval", "setImmediate", "console", "require", "__dirname"],
      // Node built-ins by exact name (a pattern "crypto" would also ban ./crypto files of our own).
      "no-restricted-imports": ["error", { paths: ["fs", "path", "net", "os", "crypto", "child_process"], patterns: ["node:*", "embedded:*"] }],
    },
  },
);
