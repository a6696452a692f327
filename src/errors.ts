// API errors: one class with an HTTP status and a stable machine-readable code,
// turned into the JSON error body by the app's single error handler.
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "not_found_error"
  | "conflict_error"
  | "rate_limit_error"
  | "provider_error"
  | "server_error";

export interface ErrorBody {
  error: {
    type: ErrorType;
    code: string;
    message: string;
    param?: string;
    details?: unknown;
  };
}

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly type: ErrorType,
    readonly code: string,
    message: string,
    readonly options: { param?: string; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.name = "ApiError";
  }

  toBody(): ErrorBody {
    return {
      error: {
        type: this.type,
        code: this.code,
        message: this.message,
        ...(this.options.param === undefined ? {} : { param: this.options.param }),
        ...(this.options.details === undefined ? {} : { details: this.options.details }),
      },
    };
  }
}

export function invalidRequest(code: string, message: string, param?: string, details?: unknown): ApiError {
  return new ApiError(400, "invalid_request_error", code, message, { param, details });
}

export function notFound(what: string, id: string): ApiError {
  return new ApiError(404, "not_found_error", "not_found", `${what} '${id}' was not found.`);
}

export function conflict(code: string, message: string): ApiError {
  return new ApiError(409, "conflict_error", code, message);
}

export function payloadTooLarge(message: string, details?: unknown): ApiError {
  return new ApiError(413, "invalid_request_error", "payload_too_large", message, { details });
}
