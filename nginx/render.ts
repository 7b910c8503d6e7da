// Renders korrigo.conf.template outside Docker (the e2e stack, a bare-metal install) exactly
// as the official nginx image's envsubst step would, but refusing to leave a placeholder unset.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const TEMPLATE_PATH = fileURLToPath(new URL("korrigo.conf.template", import.meta.url));
export const NGINX_CONF_PATH = fileURLToPath(new URL("nginx.conf", import.meta.url));

export type NginxValues = {
  KORRIGO_LISTEN: string;
  KORRIGO_API_UPSTREAM: string;
  KORRIGO_WEB_ROOT: string;
  KORRIGO_DATA_DIR: string;
};

/** Only ${KORRIGO_*} are replaced: nginx's own $variables are left as they are. */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(/\$\{(KORRIGO_[A-Z_]+)\}/g, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`nginx: no value for \${${name}} in korrigo.conf.template`);
    return value;
  });
}

export function renderServerBlock(values: NginxValues): string {
  return renderTemplate(readFileSync(TEMPLATE_PATH, "utf8"), values);
}
