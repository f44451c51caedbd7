/** A command-line option that must be a whole number ≥ 1; `name` is how the user wrote it. */
export function positiveWhole(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not "${value}"`);
  return n;
}
