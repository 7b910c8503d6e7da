// What the publication panel shows: the warnings before publishing (copies not graded yet,
// booklets nobody was found for), the classes' states, and the review deadline as the value of
// a datetime-local input.
import { ApiError } from "../../api/client";
import type { PublicationClass, PublicationWarnings } from "../../api/types";
import { i18n } from "../../i18n";
import { formatDateTime } from "../../format";

const { t } = i18n.global;

/** Code of the 409 refusing to publish until the admin confirms; its details are the warnings. */
export const PUBLISH_WARNINGS = "PUBLISH_WARNINGS";

function isWarnings(value: unknown): value is PublicationWarnings {
  if (typeof value !== "object" || value === null) return false;
  const w = value as Partial<PublicationWarnings>;
  return Array.isArray(w.ungradedCopies) && typeof w.unidentifiedBooklets === "number";
}

/** The warnings of a refused publication, or null when the error is something else. */
export function publishWarningsOf(error: unknown): PublicationWarnings | null {
  if (!(error instanceof ApiError) || error.code !== PUBLISH_WARNINGS) return null;
  return isWarnings(error.details) ? error.details : null;
}

export function hasWarnings(warnings: PublicationWarnings): boolean {
  return warnings.ungradedCopies.length > 0 || warnings.unidentifiedBooklets > 0;
}

/** "3 copies non corrigées · 2 livrets non identifiés", or that all is ready. */
export function warningSummary(warnings: PublicationWarnings): string {
  if (!hasWarnings(warnings)) return t("publication.warnings.none");
  const parts: string[] = [];
  if (warnings.ungradedCopies.length > 0) parts.push(t("publication.warnings.ungraded", warnings.ungradedCopies.length));
  if (warnings.unidentifiedBooklets > 0) parts.push(t("publication.warnings.unidentified", warnings.unidentifiedBooklets));
  return parts.join(" · ");
}

/** One line per copy not graded: its code, its student when known, its state. */
export function ungradedLines(warnings: PublicationWarnings): string[] {
  return warnings.ungradedCopies.map((c) => {
    const who = c.studentName ? ` — ${c.studentName}${c.className ? ` (${c.className})` : ""}` : "";
    const status = t(`grading.statuses.${c.status}`);
    return `${c.anonymousCode}${who} : ${status}`;
  });
}

/** "Publiée le 3 déc. 2026, 14:05" or "Non publiée". */
export function classState(cls: PublicationClass): string {
  if (!cls.published) return t("publication.notPublished");
  return cls.publishedAt ? t("publication.publishedAt", { at: formatDateTime(cls.publishedAt) }) : t("publication.published");
}

const pad = (n: number) => String(n).padStart(2, "0");

/** An ISO instant as a datetime-local value ("2026-12-12T18:00"), in local time; "" for none. */
export function toDateTimeInput(iso: string | null): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A datetime-local value (local time) as an ISO instant; null when empty or not a date. */
export function fromDateTimeInput(value: string): string | null {
  if (value.trim() === "") return null;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
