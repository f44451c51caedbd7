/** An error the stack reports to a person: what went wrong and what to do about it. */
export class StackError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(hint ? `${message}\n  → ${hint}` : message);
    this.name = "StackError";
  }
}
