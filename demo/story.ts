// Printing helpers for the demo: one voice, readable in a terminal.
let chapters = 0;

export function chapter(title: string) {
  console.log(`\n\x1b[1m== ${++chapters}. ${title}\x1b[0m`);
}

export function say(line: string) {
  console.log(`  ${line}`);
}

/** Runs `call`, which should be refused, and tells what the backend answered. */
export async function refused(what: string, call: Promise<unknown>) {
  try {
    await call;
  } catch (error) {
    const data = (error as { data?: { code?: string; message?: string } }).data;
    say(`${what}: refused with ${data?.code ?? "an error"} (${data?.message ?? (error as Error).message})`);
    return data;
  }
  throw new Error(`demo: expected "${what}" to be refused`);
}
