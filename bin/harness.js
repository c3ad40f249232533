#!/usr/bin/env node
// The installed entry point: runs the compiled CLI (built by `npm run build`, which `prepare` runs).
import("../dist/cli.js").then(
  (cli) => cli.main(process.argv),
  (error) => {
    process.stderr.write(
      `harness: could not load its compiled code (${error.message}).\n` +
        "Run `npm run build` in the harness checkout, or reinstall the package.\n",
    );
    process.exitCode = 70;
  },
);
