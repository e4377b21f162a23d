// ESLint flat config: recommended JavaScript, TypeScript, React and React Hooks rules, and the import
// boundaries of docs/architecture.md ("Layout"), enforced with the built-in no-restricted-imports.
// tests/config/lint-boundaries.test.ts proves each boundary rejects a violating import.
import js from "@eslint/js";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

const TEST_FILES = ["**/*.test.ts", "**/*.test.tsx", "tests/**"];

// Import boundaries. The patterns match the import specifier as written (`~/` is app/, see tsconfig paths),
// so each one covers the alias, relative paths and the baseUrl form (`app/models/...`).
const NO_TESTS = {
  regex: "^(\\.{1,2}/)*tests(/|$)",
  message: "Only tests import from tests/. Move what production code needs into dev/ or scripts/lib.",
};
const NO_MODELS = {
  regex: "^(~/|(\\.\\./)+|(\\./)?app/)models(/|$)",
  message: "Routes never import models: call a service in app/services, which owns the queries.",
};
const NO_SERVER_MODULES = {
  regex: "\\.server(\\.[cm]?[jt]sx?)?$",
  message:
    "app/lib is pure code that also runs in the browser bundle: no .server module, not even for types. Move the shared type or value into app/lib.",
};
// Node's I/O modules; node:crypto (hashing, random IDs) and node:net's isIP are pure and stay allowed.
const IO_MODULES = [
  "child_process",
  "cluster",
  "dgram",
  "dns",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "readline",
  "tls",
  "worker_threads",
];
const NO_IO = [
  ...IO_MODULES.flatMap((name) => [name, `node:${name}`]).map((name) => ({
    name,
    message: "app/lib is pure code with no I/O: do the I/O in app/services, app/models or a .server module outside app/lib.",
  })),
  ...["net", "node:net"].map((name) => ({
    name,
    allowImportNames: ["isIP", "isIPv4", "isIPv6"],
    message: "app/lib is pure code with no I/O: only node:net's address checks are allowed here.",
  })),
];

const restrict = (patterns, paths = []) => ["error", { paths, patterns }];

export default defineConfig(
  {
    ignores: [
      "build/**",
      "coverage/**",
      "test-results/**",
      "extensions/*/dist/**",
      "prisma/generated/**",
      "prisma/postgres/generated/**",
      "app/types/*.d.ts",
      ".shopify/**",
      ".cache/**",
      ".scratch-*/**",
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: "error" } },

  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.node },
    },
    rules: {
      // `_`-prefixed names are the codebase's way of saying "deliberately unused".
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_", ignoreRestSiblings: true },
      ],
    },
  },

  // Browser code: the admin's React components, the theme app embed and the web pixel.
  {
    files: ["app/**/*.tsx", "app/components/**", "extensions/**"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain ES2017 served as written, in the idiom of Meta's own snippet: `catch (e) {}` (no optional catch
    // binding before ES2019) swallows on purpose so the script never throws into the shop's page.
    files: ["extensions/theme-app-embed/assets/**/*.js"],
    languageOptions: { ecmaVersion: 2017, sourceType: "script" },
    rules: {
      "no-empty": ["error", { allowEmptyCatch: true }],
      "@typescript-eslint/no-unused-vars": ["error", { caughtErrors: "none" }],
      "@typescript-eslint/no-unused-expressions": ["error", { allowShortCircuit: true, allowTernary: true }],
      "@typescript-eslint/no-this-alias": "off",
    },
  },
  {
    // Tests read untyped JSON answers and assert on nested fields; a wrong shape fails the assertion.
    files: TEST_FILES,
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.tsx"],
    extends: [react.configs.flat.recommended, react.configs.flat["jsx-runtime"]],
    settings: { react: { version: "18.3" } },
    // TypeScript types the props; PropTypes would only repeat them. App Bridge reads `variant` and `tone` on
    // the buttons inside its elements (SaveBar, TitleBar), and @shopify/app-bridge-types types them.
    rules: { "react/prop-types": "off", "react/no-unknown-property": ["error", { ignore: ["variant", "tone"] }] },
  },
  {
    files: ["**/*.tsx"],
    extends: [reactHooks.configs.flat.recommended],
    rules: { "react-hooks/exhaustive-deps": "error" },
  },

  // Import boundaries, most general first: a later block replaces the rule's options for its files, so each
  // block repeats the patterns of the blocks before it.
  {
    files: ["{app,server,worker,cli,dev,scripts,extensions}/**/*.{js,mjs,cjs,ts,tsx}"],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrict([NO_TESTS]) },
  },
  {
    files: ["app/routes/**"],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrict([NO_TESTS, NO_MODELS]) },
  },
  {
    files: ["app/lib/**"],
    ignores: TEST_FILES,
    rules: { "no-restricted-imports": restrict([NO_TESTS, NO_SERVER_MODULES], NO_IO) },
  },
);
