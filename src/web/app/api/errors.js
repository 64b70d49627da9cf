// Errors from the API, as the client shows them: the server's stable
// `extensions.code` (docs/API.md), the input field it concerns, and for
// RATE_LIMITED when to try again.

export class ApiError extends Error {
  /**
   * @param {string} code  UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, BAD_USER_INPUT,
   *   CONFLICT, RATE_LIMITED, INTERNAL, or NETWORK when the server was not reached
   * @param {string} message  the server's message, already meant for people
   * @param {{ field?: string, retryAfterSeconds?: number }} [details]
   */
  constructor(code, message, details = {}) {
    super(message);
    this.code = code;
    this.field = details.field ?? null;
    this.retryAfterSeconds = details.retryAfterSeconds ?? null;
  }

  /** @param {{ message: string, extensions?: Record<string, any> }} error */
  static fromGraphql(error) {
    const ext = error.extensions ?? {};
    return new ApiError(ext.code ?? "INTERNAL", error.message, {
      field: ext.field,
      retryAfterSeconds: ext.retryAfterSeconds,
    });
  }
}
