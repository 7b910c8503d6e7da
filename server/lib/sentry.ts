// Error reports to Sentry (or a compatible service) when SENTRY_DSN is set: the API's 5xx
// and the worker's failed jobs, tagged with the request id or the job's name and id. Nothing
// that could identify a person leaves: no request headers, cookies, body, query string,
// user or address, no breadcrumb data, no job payload.
import type * as SentryNode from "@sentry/node";
import type { Breadcrumb, ErrorEvent } from "@sentry/node";
import type { Config } from "./config.js";

let sentry: typeof SentryNode | undefined;

/**
 * Loaded only when a DSN is set: @sentry/node sets up OpenTelemetry and hooks into modules,
 * none of which should run (or cost start-up time) in an installation that does not use it.
 */
export async function initSentry(config: Pick<Config, "SENTRY_DSN" | "NODE_ENV" | "APP_VERSION" | "GIT_COMMIT">, processName: string): Promise<void> {
  if (!config.SENTRY_DSN) return;
  sentry = await import("@sentry/node");
  sentry.init({
    dsn: config.SENTRY_DSN,
    environment: config.NODE_ENV,
    release: config.GIT_COMMIT === "unknown" ? config.APP_VERSION : `${config.APP_VERSION}+${config.GIT_COMMIT}`,
    // @sentry/node 11 replaced `sendDefaultPii` with per-category switches, most on by default:
    // each one that could carry a person's data is turned off (scrubEvent checks again).
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
    // Local variables may hold a student's name or a draft; collecting them also opens the inspector.
    includeLocalVariables: false,
    initialScope: { tags: { process: processName } },
    // The error middleware reports 5xx itself, tagged with the request id. Sentry's Express
    // integration would capture them first, untagged, and the tagged report be dropped as a duplicate.
    integrations: (defaults) => defaults.filter((integration) => integration.name !== "Express"),
    beforeSend: scrubEvent,
    beforeBreadcrumb: scrubBreadcrumb,
  });
}

/** Reports an error when Sentry is on; `tags` name the request or job, never its content. */
export function reportError(error: unknown, tags: Record<string, string | undefined>): void {
  sentry?.captureException(error, { tags });
}

/** Keeps what tells where it broke (method and path, no query string); drops everything else. */
export function scrubEvent(event: ErrorEvent): ErrorEvent {
  const { request, user: _user, extra: _extra, ...rest } = event;
  return {
    ...rest,
    ...(request ? { request: { method: request.method, url: pathOf(request.url) } } : {}),
    ...(event.breadcrumbs ? { breadcrumbs: event.breadcrumbs.map(scrubBreadcrumb) } : {}),
  };
}

/** A breadcrumb's data holds URLs with their query strings and call arguments: it is dropped. */
export function scrubBreadcrumb(breadcrumb: Breadcrumb): Breadcrumb {
  const { data: _data, ...rest } = breadcrumb;
  return rest;
}

function pathOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  return new URL(url, "http://localhost").pathname;
}
