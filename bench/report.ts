// Helpers for bench files: capture the metrics the builders report, and write
// a Markdown section for bench/README.md.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { TransactionMetrics } from "convex/server";

export type Call = {
  name: string;
  documentsRead: number;
  documentsWritten: number;
  bytesRead: number;
  bytesWritten: number;
};

/** Runs `work` and returns every query/mutation it ran, with its counts, in order. */
export async function measure(work: () => Promise<unknown>): Promise<Call[]> {
  const calls: Call[] = [];
  globalThis.__transactionMetricsSink = (name: string, m: TransactionMetrics) =>
    calls.push({
      name,
      documentsRead: m.documentsRead.used,
      documentsWritten: m.documentsWritten.used,
      bytesRead: m.bytesRead.used,
      bytesWritten: m.bytesWritten.used,
    });
  try {
    await work();
  } finally {
    globalThis.__transactionMetricsSink = undefined;
  }
  return calls;
}

/** The single call `work` made (fails loudly if it made another number). */
export async function measureOne(work: () => Promise<unknown>): Promise<Call> {
  const calls = await measure(work);
  if (calls.length !== 1) throw new Error(`expected one measured call, got ${calls.length}`);
  return calls[0]!;
}

/** Writes a section of bench/README.md and prints it. */
export function writeSection(
  file: string,
  title: string,
  intro: string,
  header: string[],
  rows: (string | number)[][],
) {
  const line = (cells: (string | number)[]) => `| ${cells.join(" | ")} |`;
  const text = [`## ${title}`, "", intro, "", line(header), line(header.map(() => "---")), ...rows.map(line)].join(
    "\n",
  );
  writeFileSync(join(import.meta.dirname, "results", `${file}.md`), text + "\n");
  console.log(`\n${text}\n`);
}
