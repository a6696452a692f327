// The Hono environment type shared by every route group.
import type { Env } from "../env";
import type { Logger } from "../log/logger";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Logger;
    /** The tenant that owns everything this request creates or reads. */
    tenantId: string;
    isAdmin: boolean;
  };
}
