// Application-wide reaction to API errors: session expiry sends the user back to the
// right login page; access denied, rate limiting and network failures show a notice.
import type { Router } from "vue-router";
import { api, LOGIN_PATHS } from "./api/client";
import { errorMessage, isGlobalError } from "./errors";
import { useNoticeStore } from "./stores/notices";
import { loginPath, useSessionStore } from "./stores/session";

export function installApiErrorHandling(router: Router): void {
  api.onError((error, path) => {
    // Login forms report their own errors next to the fields.
    if (LOGIN_PATHS.includes(path) || !isGlobalError(error)) return;
    useNoticeStore().show(errorMessage(error));
    const session = useSessionStore();
    // Several requests may fail together: only the first one signs the user out.
    if (error.code === "UNAUTHENTICATED" && session.user) {
      const target = loginPath(session.user.kind);
      session.clear();
      void router.push(target);
    }
  });
}
