// Renders korrigo.conf.template outside Docker (the e2e stack, the deploy tests) exactly as
// the official nginx image's envsubst step would, but refusing to leave a placeholder unset.
// The upload limit is not a value of its own: it comes from the API's configuration (in the
// image, max-body.envsh computes the same from the same SCAN_MAX_BYTES).
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadConfig, type Config } from "../server/lib/config.js";
import { MULTIPART_ALLOWANCE_BYTES } from "../server/modules/scans/upload.js";

const TEMPLATE_PATH = fileURLToPath(new URL("korrigo.conf.template", import.meta.url));
const NGINX_CONF_PATH = fileURLToPath(new URL("nginx.conf", import.meta.url));
/** Files korrigo.conf includes, as they are (no placeholders): installed next to it. */
const SNIPPETS_DIR = fileURLToPath(new URL("korrigo", import.meta.url));

export type NginxValues = {
  KORRIGO_LISTEN: string;
  KORRIGO_API_UPSTREAM: string;
  KORRIGO_WEB_ROOT: string;
  KORRIGO_DATA_DIR: string;
  /** The proxy in front of nginx (address or CIDR) whose X-Forwarded-For is believed. */
  KORRIGO_TRUSTED_PROXIES: string;
};

/** nginx's client_max_body_size for uploads: the API's own limit on a request (see upload.ts). */
export function maxBodyBytes(config: Pick<Config, "SCAN_MAX_BYTES">): number {
  return config.SCAN_MAX_BYTES + MULTIPART_ALLOWANCE_BYTES;
}

/** Only ${KORRIGO_*} are replaced: nginx's own $variables are left as they are. */
function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{(KORRIGO_[A-Z_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx: no value for \${${name}} in korrigo.conf.template`);
    return value;
  });
}

/**
 * Lays out a prefix directory for an unprivileged nginx (conf/ with nginx.conf, korrigo.conf
 * and its snippets; logs/; temp/) and returns the arguments that run nginx on it.
 */
export function prepareNginxPrefix(prefix: string, values: NginxValues, config: Pick<Config, "SCAN_MAX_BYTES"> = loadConfig()): string[] {
  for (const dir of ["conf", "logs", "temp"]) mkdirSync(path.join(prefix, dir), { recursive: true });
  const conf = path.join(prefix, "conf", "nginx.conf");
  const rendered = renderTemplate(readFileSync(TEMPLATE_PATH, "utf8"), {
    ...values,
    KORRIGO_MAX_BODY: String(maxBodyBytes(config)),
    KORRIGO_ACCESS_LOG: "logs/access.log",
  });
  writeFileSync(path.join(prefix, "conf", "korrigo.conf"), rendered);
  cpSync(SNIPPETS_DIR, path.join(prefix, "conf", "korrigo"), { recursive: true });
  cpSync(NGINX_CONF_PATH, conf);
  // As root, nginx would switch its workers to `nobody`, who may not be able to read the
  // checkout; the directive is only valid (and only needed) when the master runs as root.
  return ["-p", prefix, "-c", conf, ...(process.getuid?.() === 0 ? ["-g", "user root;"] : [])];
}
