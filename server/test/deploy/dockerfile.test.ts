// The Dockerfile, read as written (no Docker engine here): one multi-stage build, a slim
// non-root runtime with production dependencies only, a health check, the commit as a label;
// and the nginx image able to fill in every placeholder of the template it renders.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Instruction {
  keyword: string;
  args: string;
}

/** Instructions by stage name, continuation lines joined, comments dropped. */
function stagesOf(dockerfile: string): Map<string, Instruction[]> {
  const stages = new Map<string, Instruction[]>();
  let current: Instruction[] = [];
  const lines = dockerfile.replace(/\\\n/g, " ").split("\n");
  for (const line of lines.map((l) => l.trim()).filter((l) => l && !l.startsWith("#"))) {
    const [, keyword = "", args = ""] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === "FROM") {
      current = [];
      stages.set(/\bAS\s+(\S+)$/i.exec(args)?.[1] ?? `#${stages.size}`, current);
    }
    current.push({ keyword: keyword.toUpperCase(), args });
  }
  return stages;
}

const stages = stagesOf(readFileSync("Dockerfile", "utf8"));
const stage = (name: string) => stages.get(name) ?? [];
const all = (name: string, keyword: string) => stage(name).filter((i) => i.keyword === keyword).map((i) => i.args);
const last = (name: string, keyword: string) => all(name, keyword).at(-1);
/** A path the image runs (dist/server/x.js) exists as a source the build compiles (server/x.ts). */
const compiledFrom = (distPath: string) => distPath.replace(/^\.?\/?dist\//, "").replace(/\.js$/, ".ts");

describe("Dockerfile", () => {
  it("builds in one stage and runs from a slim one, plus the nginx image", () => {
    expect([...stages.keys()]).toEqual(["build", "app", "web"]);
    const [buildFrom, appFrom] = [all("build", "FROM")[0], all("app", "FROM")[0]];
    expect(appFrom).toMatch(/^node:\d+-\S*slim AS app$/);
    // Same Node in both: native modules are built for the one that runs them.
    expect(buildFrom!.split(" ")[0]).toBe(appFrom!.split(" ")[0]);
    expect(all("web", "FROM")[0]).toMatch(/^nginx:/);
  });

  it("keeps only production dependencies and the build output in the runtime", () => {
    expect(all("build", "RUN").some((r) => r.includes("npm ci"))).toBe(true);
    expect(all("build", "RUN").some((r) => /npm prune --omit=dev/.test(r))).toBe(true);
    const copies = all("app", "COPY");
    expect(copies.every((c) => c.startsWith("--from=build "))).toBe(true);
    expect(copies.some((c) => c.includes("/app/node_modules"))).toBe(true);
    expect(copies.some((c) => c.includes("/app/dist"))).toBe(true);
    expect(all("app", "RUN").some((r) => r.includes("npm"))).toBe(false);
  });

  it("installs the tools the API, the worker and the CLI call", () => {
    const packages = all("app", "RUN").join(" ");
    for (const tool of ["qpdf", "poppler-utils", "postgresql-client-15", "util-linux"]) expect(packages).toContain(tool);
    expect(packages).toContain("--no-install-recommends");
    expect(packages).toContain("rm -rf /var/lib/apt/lists/*");
  });

  it("runs as an unprivileged user that owns only the volumes' mount points", () => {
    const user = last("app", "USER");
    expect(user).toBeDefined();
    expect(user).not.toMatch(/^(root|0)(:|$)/);
    const userIndex = stage("app").findIndex((i) => i.keyword === "USER");
    // Nothing after USER may need root; CMD, HEALTHCHECK, EXPOSE are all that follow.
    expect(stage("app").slice(userIndex + 1).map((i) => i.keyword).sort()).toEqual(["CMD", "EXPOSE", "HEALTHCHECK"]);
    expect(all("app", "RUN").some((r) => r.includes(`chown ${user}:${user} /data /backups`))).toBe(true);
  });

  it("checks the API's liveness and starts the API by default", () => {
    expect(last("app", "HEALTHCHECK")).toContain("/api/health/live");
    const cmd = JSON.parse(last("app", "CMD")!) as string[];
    expect(cmd).toEqual(["node", "dist/server/index.js"]);
    expect(existsSync(compiledFrom(cmd[1]!))).toBe(true);
  });

  it("labels the image with the commit and exposes it to the app", () => {
    expect(all("app", "ARG")).toContain("GIT_COMMIT=unknown");
    expect(all("app", "LABEL").join(" ")).toContain("org.opencontainers.image.revision=$GIT_COMMIT");
    expect(all("app", "ENV")).toContain("GIT_COMMIT=$GIT_COMMIT");
    expect(all("web", "LABEL").join(" ")).toContain("org.opencontainers.image.revision=$GIT_COMMIT");
  });

  it("runs what docker-compose.prod.yml names from the build output", () => {
    const compose = parse(readFileSync("docker-compose.prod.yml", "utf8"), { merge: true }) as {
      services: Record<string, { command?: string[]; healthcheck?: { test: string[] } }>;
    };
    const named = [
      ...(compose.services.worker!.command ?? []),
      ...[...compose.services.worker!.healthcheck!.test.join("\n").matchAll(/"\.\/(dist\/[^"]+\.js)"/g)].map((m) => m[1]!),
    ].filter((part) => part.startsWith("dist/"));
    expect(named.length).toBeGreaterThan(1);
    for (const file of named) expect(existsSync(compiledFrom(file)), file).toBe(true);
  });
});

describe("the nginx image (web stage)", () => {
  const template = readFileSync("nginx/korrigo.conf.template", "utf8");
  const envLines = all("web", "ENV").join(" ");

  it("renders the template with the official image's mechanism, and installs its snippets where it includes them", () => {
    expect(all("web", "COPY")).toContain("nginx/korrigo.conf.template /etc/nginx/templates/default.conf.template");
    for (const [, include] of template.matchAll(/^\s*include (korrigo\/\S+);/gm)) {
      expect(existsSync(`nginx/${include}`), include).toBe(true);
    }
    expect(all("web", "COPY")).toContain("nginx/korrigo /etc/nginx/korrigo");
    expect(envLines).toContain("NGINX_ENVSUBST_FILTER=^KORRIGO_");
    // Sourced (.envsh, executable) before the image's 20-envsubst-on-templates.sh.
    expect(all("web", "COPY")).toContain("--chmod=755 nginx/max-body.envsh /docker-entrypoint.d/15-korrigo-max-body.envsh");
  });

  it("has a value for every placeholder of the template", () => {
    const compose = parse(readFileSync("docker-compose.prod.yml", "utf8")) as { services: { nginx: { environment: Record<string, string> } } };
    const provided = new Set([
      ...[...envLines.matchAll(/(KORRIGO_[A-Z_]+)=/g)].map((m) => m[1]),
      ...Object.keys(compose.services.nginx.environment),
      ...[...readFileSync("nginx/max-body.envsh", "utf8").matchAll(/^export (KORRIGO_[A-Z_]+)=/gm)].map((m) => m[1]),
    ]);
    const placeholders = new Set([...template.matchAll(/\$\{(KORRIGO_[A-Z_]+)\}/g)].map((m) => m[1]));
    expect(placeholders.size).toBeGreaterThan(5);
    expect([...placeholders].filter((name) => !provided.has(name))).toEqual([]);
  });
});

describe(".dockerignore", () => {
  it("keeps local dependencies, data, secrets and results out of the build context", () => {
    const ignored = readFileSync(".dockerignore", "utf8").split("\n").map((l) => l.trim());
    for (const entry of ["node_modules", ".git", "data", ".env", "dist", "bench/results", "e2e/.run", "test-results"]) {
      expect(ignored, entry).toContain(entry);
    }
  });
});
