// No Docker engine runs the compose files here: their properties are checked as written —
// what the development services are, and what production relies on (healthy dependencies, a
// one-shot migration, persistent queues, limits, no secret with a default, scalable workers).
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

interface Service {
  image?: string;
  build?: { context: string; target: string; args?: Record<string, string> };
  command?: string[];
  environment?: Record<string, string>;
  env_file?: string;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
  restart?: string;
  mem_limit?: string;
  deploy?: { resources?: { limits?: { memory?: string } } };
  stop_grace_period?: string;
  container_name?: string;
}

interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const read = (file: string) => readFileSync(file, "utf8");
// `merge`: the app services share their settings through a YAML anchor and `<<:`, as compose reads it.
const load = (file: string) => parse(read(file), { merge: true }) as ComposeFile;

const dev = load("docker-compose.yml");
const prod = load("docker-compose.prod.yml");
const prodText = read("docker-compose.prod.yml");
const service = (name: string) => prod.services[name]!;
const LONG_RUNNING = ["db", "redis", "api", "worker", "nginx"];
const APP_SERVICES = ["migrate", "api", "worker"];

/** Seconds of a compose duration such as "30s" or "1m30s". */
function seconds(duration: string | undefined): number {
  const match = /^(?:(\d+)m)?(?:(\d+)s)?$/.exec(duration ?? "");
  if (!match || !duration) throw new Error(`not a duration: ${duration}`);
  return Number(match[1] ?? 0) * 60 + Number(match[2] ?? 0);
}

/** The path inside the container where `volume` is mounted on `name`, with its options. */
const mountOf = (name: string, volume: string) => service(name).volumes?.find((v) => v.startsWith(`${volume}:`))?.slice(volume.length + 1);

describe("docker-compose.yml (development)", () => {
  it("runs PostgreSQL 15 and Redis 7 only, reachable from this machine only, with health checks", () => {
    expect(Object.keys(dev.services).sort()).toEqual(["db", "redis"]);
    expect(dev.services.db!.image).toBe("postgres:15");
    expect(dev.services.redis!.image).toBe("redis:7");
    for (const [name, svc] of Object.entries(dev.services)) {
      expect(svc.ports?.length, name).toBeGreaterThan(0);
      for (const port of svc.ports ?? []) expect(port, name).toMatch(/^127\.0\.0\.1:/);
      expect(svc.healthcheck?.test.length, name).toBeGreaterThan(0);
    }
  });
});

describe("docker-compose.prod.yml", () => {
  it("has the API, the workers, nginx, PostgreSQL 15, Redis 7 and a one-shot migration", () => {
    expect(Object.keys(prod.services).sort()).toEqual(["api", "db", "migrate", "nginx", "redis", "worker"]);
    expect(service("db").image).toBe("postgres:15");
    expect(service("redis").image).toBe("redis:7");
    for (const name of APP_SERVICES) expect(service(name).build?.target, name).toBe("app");
    expect(service("nginx").build?.target).toBe("web");
  });

  it("restarts every long-running service, and never the migration", () => {
    for (const name of LONG_RUNNING) expect(service(name).restart, name).toBe("unless-stopped");
    expect(service("migrate").restart).toBe("no");
  });

  it("checks the health of every long-running service", () => {
    for (const name of LONG_RUNNING) expect(service(name).healthcheck?.test.length, name).toBeGreaterThan(1);
    expect(service("api").healthcheck!.test.join(" ")).toContain("/api/health/live");
    // The worker serves no HTTP health route: it is healthy while its heartbeat is fresh.
    expect(service("worker").healthcheck!.test.join(" ")).toContain("liveWorkers");
  });

  it("limits the memory of every service", () => {
    for (const [name, svc] of Object.entries(prod.services)) {
      expect(svc.mem_limit ?? svc.deploy?.resources?.limits?.memory, name).toMatch(/^\d+[kmg]$/);
    }
  });

  it("starts a service only once what it depends on is healthy, or done for the migration", () => {
    for (const [name, svc] of Object.entries(prod.services)) {
      for (const [target, { condition }] of Object.entries(svc.depends_on ?? {})) {
        const expected = target === "migrate" ? "service_completed_successfully" : "service_healthy";
        expect(condition, `${name} → ${target}`).toBe(expected);
        if (expected === "service_healthy") expect(service(target).healthcheck, `${target}`).toBeDefined();
      }
    }
    expect(Object.keys(service("migrate").depends_on ?? {})).toEqual(["db"]);
    for (const name of ["api", "worker"]) {
      expect(Object.keys(service(name).depends_on ?? {}).sort(), name).toEqual(["db", "migrate", "redis"]);
    }
    expect(Object.keys(service("nginx").depends_on ?? {})).toEqual(["api"]);
  });

  it("migrates only in the one-shot service, never inside the API or the worker", () => {
    expect(service("migrate").command).toEqual(["npx", "--no-install", "prisma", "migrate", "deploy"]);
    // The API runs the image's CMD (dist/server/index.js), which does not migrate.
    expect(service("api").command).toBeUndefined();
    expect(service("worker").command).toEqual(["node", "dist/server/worker.js"]);
  });

  it("lets the workers be scaled: no fixed name and no published port", () => {
    for (const name of ["api", "worker"]) {
      expect(service(name).container_name, name).toBeUndefined();
      expect(service(name).ports, name).toBeUndefined();
    }
    for (const svc of Object.values(prod.services)) expect(svc.container_name).toBeUndefined();
  });

  it("keeps Redis's queues across a restart (append-only file, fsync every second, no eviction)", () => {
    const command = service("redis").command!.join(" ");
    expect(command).toContain("--appendonly yes");
    expect(command).toContain("--appendfsync everysec");
    expect(command).toContain("--maxmemory-policy noeviction");
    expect(mountOf("redis", "redis-data")).toBe("/data");
  });

  it("keeps the database, the media and the backups in named volumes", () => {
    expect(Object.keys(prod.volumes ?? {}).sort()).toEqual(["backups", "db-data", "media", "redis-data"]);
    expect(mountOf("db", "db-data")).toBe("/var/lib/postgresql/data");
    expect(mountOf("api", "media")).toBe("/data");
    expect(mountOf("worker", "media")).toBe("/data");
    expect(mountOf("api", "backups")).toBe("/backups");
    // nginx only reads the media the API hands it (X-Accel-Redirect).
    expect(mountOf("nginx", "media")).toBe("/data:ro");
    for (const name of APP_SERVICES) expect(service(name).environment?.DATA_DIR, name).toBe("/data");
  });

  it("gives the API time to drain and the worker longer to finish its job", () => {
    const grace = Number(service("api").environment?.SHUTDOWN_GRACE_SECONDS);
    expect(grace).toBeGreaterThan(0);
    expect(seconds(service("api").stop_grace_period)).toBe(30);
    expect(seconds(service("api").stop_grace_period)).toBeGreaterThan(grace);
    expect(seconds(service("worker").stop_grace_period)).toBeGreaterThan(seconds(service("api").stop_grace_period));
  });

  it("trusts exactly the nginx hop, never every proxy", () => {
    for (const name of APP_SERVICES) {
      expect(service(name).environment?.TRUST_PROXY, name).toBe("1");
      expect(service(name).environment?.NODE_ENV, name).toBe("production");
    }
    expect(service("nginx").environment?.KORRIGO_TRUSTED_PROXIES).toBeTruthy();
    // nginx's upload limit follows the API's (nginx/max-body.envsh reads SCAN_MAX_BYTES).
    expect(service("nginx").environment).toHaveProperty("SCAN_MAX_BYTES");
    // Published for the TLS terminator, on this machine only unless configured otherwise.
    expect(service("nginx").ports).toEqual(["${KORRIGO_HTTP_BIND:-127.0.0.1:8080}:80"]);
  });

  it("takes every secret from the environment, with no default", () => {
    const secretish = /SECRET|PASSWORD|TOKEN|_KEY/;
    const references = [...prodText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)([^}]*)\}/g)];
    const secrets = references.filter(([, name]) => secretish.test(name!));
    expect(secrets.map(([, name]) => name)).toEqual(expect.arrayContaining(["SESSION_SECRET", "POSTGRES_PASSWORD"]));
    for (const [reference] of secrets) expect(reference).toMatch(/^\$\{[A-Z0-9_]+:\?.+\}$/);
    // …and no secret written as a value.
    for (const [name, svc] of Object.entries(prod.services)) {
      for (const [key, value] of Object.entries(svc.environment ?? {})) {
        if (secretish.test(key)) expect(value, `${name}.${key}`).toMatch(/\$\{[A-Z0-9_]+:\?/);
      }
    }
    for (const name of ["SESSION_SECRET", "PUBLIC_URL"]) {
      expect(service("api").environment?.[name], name).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
    }
  });

  it("labels the images with the commit they were built from", () => {
    for (const name of [...APP_SERVICES, "nginx"]) {
      expect(service(name).build?.args?.GIT_COMMIT, name).toMatch(/^\$\{GIT_COMMIT/);
      expect(service(name).image, name).toMatch(/:\$\{KORRIGO_VERSION:-latest\}$/);
    }
  });
});

describe(".env.example", () => {
  const example = read(".env.example");
  const documented = new Set([...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));

  it("documents every setting of server/lib/config.ts", () => {
    const schema = /const schema = z\.object\(\{([\s\S]*?)\n\}\);/.exec(read("server/lib/config.ts"))?.[1] ?? "";
    const keys = [...schema.matchAll(/^ {2}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
    expect(keys.length).toBeGreaterThan(40);
    expect(keys.filter((key) => !documented.has(key))).toEqual([]);
  });

  it("documents what docker-compose.prod.yml reads from it", () => {
    const interpolated = new Set([...prodText.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1]!));
    interpolated.delete("GIT_COMMIT"); // a build argument, given on the command line
    expect([...interpolated].filter((name) => !documented.has(name))).toEqual([]);
  });

  it("holds no secret", () => {
    const secrets = [...example.matchAll(/^#?\s?([A-Z][A-Z0-9_]*(?:SECRET|PASSWORD|TOKEN|_KEY)[A-Z0-9_]*)=(.*)$/gm)];
    expect(secrets.map((m) => m[1])).toEqual(expect.arrayContaining(["SESSION_SECRET", "POSTGRES_PASSWORD", "METRICS_TOKEN"]));
    for (const [, name, value] of secrets) expect(value, name).toBe("");
  });
});
