// Translations and dates. The language is the person's setting
// (`me.language`) when they chose one; until it is known, or when they did
// not, the last choice in this browser (localStorage), else the browser's
// (`sv*` → Swedish, anything else → English). Dates and times are formatted with Intl in the person's
// own time zone from their profile.

import { signal, computed } from "../vendor/signals.js";
import en from "./en.js";
import sv from "./sv.js";

/** @type {Record<string, Record<string, string>>} */
const CATALOGUES = { en: { ...en }, sv: { ...sv } };

/**
 * Adds a screen's own texts (each screen folder keeps its catalogue in its
 * `i18n.js`, with the same keys in both languages).
 * @param {{ en: Record<string, string>, sv: Record<string, string> }} catalogues
 */
export function register(catalogues) {
  Object.assign(CATALOGUES.en, catalogues.en);
  Object.assign(CATALOGUES.sv, catalogues.sv);
}

/** Every key of each language, for the test that they match. */
export const catalogues = () => CATALOGUES;
const KEY = "synaps.language";

function initial() {
  const chosen = localStorage.getItem(KEY);
  if (chosen && CATALOGUES[chosen]) return chosen;
  return navigator.language?.toLowerCase().startsWith("sv") ? "sv" : "en";
}

export const language = signal(initial());
/** The person's IANA time zone (from `me.timeZone`); the browser's until known. */
export const timeZone = signal(Intl.DateTimeFormat().resolvedOptions().timeZone);

/** @param {string} code */
export function chooseLanguage(code) {
  if (!CATALOGUES[code]) return;
  localStorage.setItem(KEY, code);
  language.value = code;
}

/**
 * Follows the person's own setting (`me.language`); null keeps the browser's.
 * @param {string | null | undefined} code
 */
export function followProfile(code) {
  if (code && CATALOGUES[code]) chooseLanguage(code);
}

/**
 * The text for `key` in the current language, with `{name}` placeholders
 * filled; English when the key is missing from the language, the key itself
 * when missing from both (tests/web checks the catalogues have the same keys).
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 */
export function t(key, params = {}) {
  // `{count}` picks the plural form when the catalogue has one (`key.one`).
  if (typeof params.count === "number") {
    const form = `${key}.${plurals.value.select(params.count)}`;
    if (CATALOGUES[language.value][form]) key = form;
  }
  const text = CATALOGUES[language.value][key] ?? CATALOGUES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(params[name] ?? `{${name}}`));
}

const plurals = computed(() => new Intl.PluralRules(language.value === "sv" ? "sv-SE" : "en-GB"));

const formats = computed(() => {
  const zone = timeZone.value;
  const locale = language.value === "sv" ? "sv-SE" : "en-GB";
  return {
    time: new Intl.DateTimeFormat(locale, { timeZone: zone, hour: "2-digit", minute: "2-digit" }),
    day: new Intl.DateTimeFormat(locale, { timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric" }),
    full: new Intl.DateTimeFormat(locale, { timeZone: zone, dateStyle: "medium", timeStyle: "short" }),
    dayKey: new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }),
    relative: new Intl.RelativeTimeFormat(locale, { numeric: "auto" }),
  };
});

/** @param {string} iso */
export const formatTime = (iso) => formats.value.time.format(new Date(iso));
/** @param {string} iso */
export const formatDay = (iso) => formats.value.day.format(new Date(iso));
/** @param {string} iso */
export const formatDateTime = (iso) => formats.value.full.format(new Date(iso));
/** The calendar day in the person's zone, `YYYY-MM-DD`, for day separators.
 * @param {string} iso */
export const dayKey = (iso) => formats.value.dayKey.format(new Date(iso));
/** @param {number} seconds */
export const inSeconds = (seconds) => formats.value.relative.format(Math.round(seconds), "second");
