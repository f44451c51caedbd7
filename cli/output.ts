/** Progress lines for a person at a terminal. */
export function say(line: string): void {
  console.log(line);
}
