// ISO weeks (`2026-W50`) on the client, for moving between weeks and for
// telling whether the newest check-in is this week's. The server decides
// what is open; these only name weeks, in the person's own time zone.

import { dayKey, language } from "../i18n/index.js";

const DAY = 86_400_000;

/** Today in the person's zone, `YYYY-MM-DD`. */
export const today = () => dayKey(new Date().toISOString());

/** @param {string} ymd @returns {number} UTC midnight of that day */
const utc = (ymd) => Date.parse(`${ymd}T00:00:00Z`);

/** @param {number} ms */
const ymdOf = (ms) => new Date(ms).toISOString().slice(0, 10);

/** The ISO week a day is in. @param {string} ymd */
export function weekOf(ymd) {
  const day = utc(ymd);
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday 0
  const thursday = day + (3 - weekday) * DAY;
  const year = new Date(thursday).getUTCFullYear();
  const week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
  return `${year}-W${String(week).padStart(2, "0")}`;
}

/** The Monday of a week, `YYYY-MM-DD`. @param {string} week */
export function mondayOf(week) {
  const [year, number] = week.split("-W").map(Number);
  const jan4 = Date.UTC(year, 0, 4);
  const monday1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * DAY;
  return ymdOf(monday1 + (number - 1) * 7 * DAY);
}

/** @param {string} week @param {number} by  weeks, negative for earlier */
export const shiftWeek = (week, by) => weekOf(ymdOf(utc(mondayOf(week)) + by * 7 * DAY));

/** @param {string} ymd @param {number} days */
export const addDays = (ymd, days) => ymdOf(utc(ymd) + days * DAY);

/** The current week in the person's zone. */
export const currentWeek = () => weekOf(today());

/**
 * A calendar day (`NaiveDate`, already in the person's own calendar) as
 * people read it: formatted in UTC so no zone shifts it to a neighbour.
 * @param {string} ymd
 * @param {boolean} [long]  with the weekday and year
 */
export function formatDate(ymd, long = false) {
  const locale = language.value === "sv" ? "sv-SE" : "en-GB";
  const options = long
    ? { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" }
    : { timeZone: "UTC", day: "numeric", month: "short" };
  return new Intl.DateTimeFormat(locale, /** @type {Intl.DateTimeFormatOptions} */ (options)).format(new Date(utc(ymd)));
}
