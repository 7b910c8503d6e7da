// Number and date formatting shared by the pages (French conventions).
import { i18n } from "./i18n";

const numbers = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 2 });

/** 12.5 → "12,5". */
export function formatNumber(value: number): string {
  return numbers.format(value);
}

/** Exam dates are calendar days (YYYY-MM-DD): read them in local time, not UTC. */
export function calendarDay(value: string): Date {
  return new Date(`${value}T00:00:00`);
}

export function formatDay(value: string): string {
  return i18n.global.d(calendarDay(value), "day");
}

export function formatDateTime(value: string): string {
  return i18n.global.d(new Date(value), "dateTime");
}

/** Today as YYYY-MM-DD, in local time. */
export function today(now = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Bytes as megabytes, one decimal: 1 572 864 → "1,5 Mo". */
export function formatMegabytes(bytes: number): string {
  return `${new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 }).format(bytes / (1024 * 1024))} Mo`;
}
