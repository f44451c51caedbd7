/**
 * Errors a route throws on purpose. Each has an HTTP status and a stable machine-readable
 * code; the error handler (error-handler.ts) turns it into
 * `{ error: { code, message, fields?: [{ path, message }] } }`.
 */
export interface FieldProblem {
  /** Where in the request, e.g. "body.email" or "params.id". */
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly fields?: FieldProblem[],
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const badRequest = (code: string, message: string, fields?: FieldProblem[]) =>
  new ApiError(400, code, message, fields);

export const unauthorized = (code: string, message: string) => new ApiError(401, code, message);

export const forbidden = (code: string, message: string) => new ApiError(403, code, message);

/** A missing entity, and also one the caller may not know exists. */
export const notFound = (what: string, id: string, path?: string) =>
  new ApiError(
    404,
    "not_found",
    `${what} ${id} does not exist`,
    path ? [{ path, message: `no ${what} with this id` }] : undefined,
  );

export const conflict = (code: string, message: string, fields?: FieldProblem[]) =>
  new ApiError(409, code, message, fields);

/** A view could not reach the log's end in time: the check cannot be made now. */
export const unavailable = (code: string, message: string) => new ApiError(503, code, message);
