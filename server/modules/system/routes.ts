import type { AppContext } from "../../lib/context.js";
import { allow, SecureRouter } from "../../lib/http/access.js";
import { pingWorker } from "./service.js";

export function systemRoutes(ctx: AppContext): SecureRouter {
  const routes = new SecureRouter();
  routes.post("/ping", allow("ADMIN"), async (_req, res) => {
    res.json(await pingWorker(ctx));
  });
  return routes;
}
