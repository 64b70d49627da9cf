// Periods and figures for the synapses screen: the half-open ranges of
// UTC days the API counts in, the heat levels, and how a figure that may
// be suppressed (too few people behind it, for managers) reads.

import { language, t } from "../i18n/index.js";

/** The periods the picker offers, in days ending today (UTC, included). */
export const PERIODS = /** @type {const} */ ({ month: 28, quarter: 91 });

/** How long without crossing activity makes a link quiet, in days. */
export const QUIET_DAYS = 14;

/** @typedef {keyof typeof PERIODS} Period */
/** @typedef {{ value: number | null, previous?: number | null, change?: number | null, suppressed: boolean, reason?: string | null }} Figure */

/** `YYYY-MM-DD` of a Date in UTC. @param {Date} day */
const isoDay = (day) => day.toISOString().slice(0, 10);

/**
 * The API's range for a period: `from` the first UTC day counted, `to` the
 * day after the last (today is counted, so `to` is tomorrow).
 * @param {Period} period
 * @param {Date} [now]
 */
export function periodRange(period, now = new Date()) {
  const to = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
  const from = new Date(to.getTime() - PERIODS[period] * 86_400_000);
  return { from: isoDay(from), to: isoDay(to) };
}

/**
 * A calendar day from the API (`NaiveDate`, a UTC day), as people read it.
 * Formatted in UTC: in the person's zone midnight UTC may be the day before.
 * @param {string} day
 */
export function formatDate(day) {
  const locale = language.value === "sv" ? "sv-SE" : "en-GB";
  return new Intl.DateTimeFormat(locale, { timeZone: "UTC", day: "numeric", month: "short" }).format(new Date(`${day}T00:00:00Z`));
}

/**
 * The sum of several figures: suppressed if any is (a sum must not reveal
 * a hidden part), its previous known only when all are.
 * @param {Figure[]} figures
 * @returns {Figure}
 */
export function sum(figures) {
  const hidden = figures.find((f) => f.suppressed);
  if (hidden) return { value: null, previous: null, change: null, suppressed: true, reason: hidden.reason };
  const value = figures.reduce((total, f) => total + (f.value ?? 0), 0);
  const known = figures.every((f) => f.previous !== null && f.previous !== undefined);
  const previous = known ? figures.reduce((total, f) => total + (f.previous ?? 0), 0) : null;
  return { value, previous, change: previous === null ? null : value - previous, suppressed: false, reason: null };
}

/** How many colour steps the heat map has above zero. */
export const LEVELS = 5;

/** The colour step (0 … LEVELS) of `value` against the largest shown.
 * @param {number} value @param {number} max */
export function level(value, max) {
  if (value <= 0 || max <= 0) return 0;
  return Math.min(LEVELS, Math.ceil((value / max) * LEVELS));
}

/** The values each step stands for, for the legend (empty steps left out).
 * @param {number} max */
export function legendSteps(max) {
  /** @type {{ level: number, low: number, high: number }[]} */
  const steps = [];
  for (let k = 1; k <= LEVELS; k++) {
    const low = Math.floor((max * (k - 1)) / LEVELS) + 1;
    const high = Math.floor((max * k) / LEVELS);
    if (high >= low && level(high, max) === k) steps.push({ level: k, low, high });
  }
  return steps;
}

/** A bar's width class, in twentieths of the largest value (no inline styles
 * under the CSP). @param {number} value @param {number} max */
export function barWidth(value, max) {
  if (max <= 0 || value <= 0) return "bar-w-0";
  return `bar-w-${Math.max(1, Math.round((value / max) * 20))}`;
}

/** A whole number in the person's language. @param {number} n */
export const formatNumber = (n) => new Intl.NumberFormat(language.value === "sv" ? "sv-SE" : "en-GB").format(n);

/** A share 0–1 as a percentage. @param {number} share */
export const formatPercent = (share) =>
  new Intl.NumberFormat(language.value === "sv" ? "sv-SE" : "en-GB", { style: "percent", maximumFractionDigits: 0 }).format(share);

/** A duration in seconds, in the largest unit that reads well (minutes, hours, days).
 * @param {number} seconds */
export function formatDuration(seconds) {
  const locale = language.value === "sv" ? "sv-SE" : "en-GB";
  const [amount, unit] = seconds < 3600 ? [seconds / 60, "minute"] : seconds < 172_800 ? [seconds / 3600, "hour"] : [seconds / 86_400, "day"];
  return new Intl.NumberFormat(locale, { style: "unit", unit, unitDisplay: "long", maximumFractionDigits: amount < 10 ? 1 : 0 }).format(amount);
}

/** The change against the previous period, signed ("+3", "−2"), or "new"
 * when there was nothing to compare with. @param {Figure} figure */
export function formatChange(figure) {
  if (figure.change === null || figure.change === undefined) return t("analytics.noPrevious");
  if (figure.change === 0) return t("analytics.unchanged");
  const sign = figure.change > 0 ? "+" : "−";
  return `${sign}${formatNumber(Math.abs(figure.change))}`;
}
