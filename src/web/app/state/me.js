// The signed-in person, loaded once per session.

import { signal } from "../vendor/signals.js";
import { gql } from "../api/client.js";
import { timeZone, followProfile } from "../i18n/index.js";

export const ME = `query Me {
  me { id handle displayName role timeZone language departments { id slug name } }
}`;

/** @typedef {{ id: string, handle: string, displayName: string, role: "STAFF" | "MANAGER" | "COMMS" | "ADMIN", timeZone: string, language: string | null, departments: { id: string, slug: string, name: string }[] }} Me */

export const me = signal(/** @type {Me | null} */ (null));

export async function loadMe() {
  const data = await gql(ME);
  me.value = data.me;
  if (data.me.timeZone) timeZone.value = data.me.timeZone;
  followProfile(data.me.language);
  return data.me;
}

/** @param {Me | null} person */
export const isComms = (person) => person?.role === "COMMS" || person?.role === "ADMIN";
/** @param {Me | null} person */
export const isManager = (person) => person?.role !== "STAFF" && person !== null;
