// Deny by default: every route states who may call it. SecureRouter is the only way to
// declare a route, and it refuses one without an access declaration; the guard it puts
// first in each route's stack is tagged so a test can audit the whole route table.
import express, { type NextFunction, type Request, type RequestHandler, type Response } from "express";
import { ForbiddenError, UnauthenticatedError } from "../errors.js";
import type { Principal } from "../auth/principal.js";

export type Role = "ADMIN" | "TEACHER" | "STUDENT";
export type Access = { kind: "public" } | { kind: "roles"; roles: readonly Role[] };

export const PUBLIC: Access = { kind: "public" };
export const allow = (...roles: [Role, ...Role[]]): Access => ({ kind: "roles", roles });

export const ACCESS = Symbol("korrigo.access");
type GuardHandler = RequestHandler & { [ACCESS]: Access };

export function roleOf(principal: Principal): Role {
  return principal.kind === "student" ? "STUDENT" : principal.role;
}

function guardFor(access: Access): GuardHandler {
  const guard = ((req: Request, _res: Response, next: NextFunction) => {
    if (access.kind === "public") return next();
    const principal = req.user?.principal;
    if (!principal) return next(new UnauthenticatedError());
    if (!access.roles.includes(roleOf(principal))) return next(new ForbiddenError());
    next();
  }) as GuardHandler;
  guard[ACCESS] = access;
  return guard;
}

type Method = "get" | "post" | "put" | "patch" | "delete";

export interface DeclaredRoute {
  method: Method;
  path: string;
  access: Access;
}

export class SecureRouter {
  readonly router = express.Router();
  readonly routes: DeclaredRoute[] = [];

  get(path: string, access: Access, ...handlers: RequestHandler[]) {
    return this.route("get", path, access, handlers);
  }
  post(path: string, access: Access, ...handlers: RequestHandler[]) {
    return this.route("post", path, access, handlers);
  }
  put(path: string, access: Access, ...handlers: RequestHandler[]) {
    return this.route("put", path, access, handlers);
  }
  patch(path: string, access: Access, ...handlers: RequestHandler[]) {
    return this.route("patch", path, access, handlers);
  }
  delete(path: string, access: Access, ...handlers: RequestHandler[]) {
    return this.route("delete", path, access, handlers);
  }

  private route(method: Method, path: string, access: Access, handlers: RequestHandler[]): this {
    if (access?.kind !== "public" && !(access?.kind === "roles" && access.roles.length > 0)) {
      throw new Error(`Route ${method.toUpperCase()} ${path} declares no access: refusing to mount it`);
    }
    this.router[method](path, guardFor(access), ...handlers);
    this.routes.push({ method, path, access });
    return this;
  }
}

const DECLARED = "korrigoDeclaredRoutes";

/** Mounts a SecureRouter; plain express routers are not accepted. */
export function mount(app: express.Express, path: string, routes: SecureRouter): void {
  app.use(path, routes.router);
  const declared = (app.locals[DECLARED] ??= []) as DeclaredRoute[];
  const prefix = path === "/" ? "" : path;
  declared.push(...routes.routes.map((r) => ({ ...r, path: `${prefix}${r.path === "/" ? "" : r.path}` || "/" })));
}

/** Every route mounted through `mount`, with its full path and access. */
export function declaredRoutes(app: express.Express): DeclaredRoute[] {
  return (app.locals[DECLARED] ?? []) as DeclaredRoute[];
}

interface StackLayer {
  route?: { path: string; stack: { handle: unknown; method?: string }[] };
  handle?: { stack?: StackLayer[] };
}

/** Every route in Express' own table, however it was added, with whether an access guard comes first. */
export function routeTable(app: express.Express): { route: string; guarded: boolean }[] {
  const found: { route: string; guarded: boolean }[] = [];
  const walk = (stack: StackLayer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const first = layer.route.stack[0];
        const guarded = Boolean((first?.handle as Partial<GuardHandler> | undefined)?.[ACCESS]);
        found.push({ route: `${first?.method ?? "?"} ${layer.route.path}`, guarded });
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app.router as unknown as { stack: StackLayer[] }).stack);
  return found;
}
