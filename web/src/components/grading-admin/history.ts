// A copy's grading history as the administrators' dialog lists it.
import type { CopyHistoryEvent } from "../../api/types";
import { formatDateTime } from "../../format";
import { i18n } from "../../i18n";

const { t, te } = i18n.global;

export interface HistoryRow {
  key: string;
  at: string;
  action: string;
  actor: string;
  /** "Prête → En correction", or empty when the status did not change. */
  transition: string;
  detail: string;
  /** A graded event: its PDF, kept even after the copy was reopened or graded again. */
  pdfUrl: string | null;
}

const field = (data: unknown, name: string): unknown => (typeof data === "object" && data !== null ? (data as Record<string, unknown>)[name] : undefined);

const statusName = (status: string) => t(`gradingAdmin.statuses.${status}`);

/** What an event's data says that is worth reading: the failure, a take-over, the draft version. */
export function eventDetail(event: Pick<CopyHistoryEvent, "data">): string {
  const reason = field(event.data, "reason");
  if (typeof reason === "string") return reason;
  if (field(event.data, "takeOver") === true) return t("gradingAdmin.history.takeOver");
  const version = field(event.data, "version");
  return typeof version === "number" ? t("gradingAdmin.history.version", { version }) : "";
}

/** The PDF a "graded" event produced, by the draft version it was drawn from. */
function gradedPdfUrl(copyId: string, event: Pick<CopyHistoryEvent, "type" | "data">): string | null {
  const version = field(event.data, "version");
  return event.type === "graded" && typeof version === "number" ? `/api/copies/${encodeURIComponent(copyId)}/graded.pdf?version=${version}` : null;
}

export function historyRows(copyId: string, events: readonly CopyHistoryEvent[]): HistoryRow[] {
  return events.map((e, index) => {
    const key = `gradingAdmin.history.types.${e.type}`;
    return {
      key: `${index}-${e.at}`,
      at: formatDateTime(e.at),
      action: te(key) ? t(key) : e.type,
      actor: e.actor ?? t("gradingAdmin.history.system"),
      transition: e.fromStatus && e.toStatus && e.fromStatus !== e.toStatus ? `${statusName(e.fromStatus)} → ${statusName(e.toStatus)}` : "",
      detail: eventDetail(e),
      pdfUrl: gradedPdfUrl(copyId, e),
    };
  });
}
