// @ts-check
// typescript-eslint's recommended type-checked rules (https://typescript-eslint.io/users/configs#recommended-type-checked)
// over ESLint's recommended ones. Each rule changed below says why.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // Generated or fetched, never edited by hand.
  { ignores: ["node_modules/", "out/", ".cache/"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // Tuned, not off: a leading underscore names a value destructured only to leave it out
      // (`const { eks: _eks, ...rest } = config`), the clearest way to drop a key.
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", destructuredArrayIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
    },
  },
  {
    // Off here: these files require() on purpose. The npm scripts load the Pulumi SDK only once their
    // arguments are known good (most of a run's time), and the plan loads the program afresh for each
    // stack through require.cache; scripts/register-ts.js hooks require(), not import(), and
    // policy/main.js must install it before it requires the pack, and pulumi-package/index.js before it requires the
    // package's entry point; pulumi-package/install-repository.js is its plain Node postinstall. .mocharc.js is
    // CommonJS, as mocha loads it.
    files: ["scripts/**", "plan/run.ts", "policy/main.js", "pulumi-package/*.js", ".mocharc.js"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // Plain CommonJS run by Node (the .ts loader): no type information, Node's module globals.
    files: ["**/*.js", "**/*.mjs"],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: "commonjs",
      globals: {
        require: "readonly",
        module: "writable",
        exports: "writable",
        __dirname: "readonly",
        process: "readonly",
        console: "readonly",
      },
    },
  },
  { files: ["**/*.mjs"], languageOptions: { sourceType: "module" } },
);
