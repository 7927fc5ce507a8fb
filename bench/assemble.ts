// Global setup/teardown of `npm run bench`: clears old sections before the run
// and joins the new ones into bench/README.md after it.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = join(import.meta.dirname, "results");

export function setup() {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

export function teardown() {
  const sections = readdirSync(dir)
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => readFileSync(join(dir, f), "utf8").trim());
  const header = [
    "# Benchmarks",
    "",
    "Written by `npm run bench`; do not edit by hand. Every figure is read from",
    "Convex's own transaction counters (`ctx.meta.getTransactionMetrics()`) inside",
    "the registered function, run by convex-test with the default per-transaction",
    "limits enforced. A patch counts one read (Convex reads the row it merges into).",
  ].join("\n");
  writeFileSync(join(import.meta.dirname, "README.md"), [header, ...sections].join("\n\n") + "\n");
}
