import Table from "cli-table3";

/** Progress lines for a person at a terminal. */
export function say(line: string): void {
  console.log(line);
}

/**
 * A plain table for a terminal: no colours or borders, so it reads the same in a pipe,
 * a log and a terminal. Columns are left-aligned unless `aligns` says otherwise.
 */
export function plainTable(
  head: string[],
  aligns?: Array<"left" | "right" | "center">,
): InstanceType<typeof Table> {
  return new Table({
    head,
    ...(aligns ? { colAligns: aligns } : {}),
    style: { head: [], border: [], compact: true },
  });
}
