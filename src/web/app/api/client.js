// The one client that talks to synaps: queries and mutations over
// `POST /graphql`, subscriptions over `graphql-transport-ws` at
// `/graphql/ws`. Both carry the session's access token; an expired token is
// refreshed once (state/session.js) and the request retried.
//
// Subscriptions are resumed by this module, not by graphql-ws: after a
// dropped connection each one is subscribed again with *fresh* variables
// (`live()` asks for them), so `messageAdded(after:)` resumes from the last
// message the screen has, not from where it started. A connection that
// stops answering pings (a laptop waking from sleep, a cut network) is
// closed within `PONG_TIMEOUT_MS` and resumed.

import { createClient } from "../vendor/graphql-ws.js";
import { signal } from "../vendor/signals.js";
import { ApiError } from "./errors.js";
import { accessToken, refreshSession, sessionExpired } from "../state/session.js";

const PING_INTERVAL_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;

/** "up" while the socket is connected, "down" while resuming. */
export const connection = signal(/** @type {"up" | "down" | "idle"} */ ("idle"));

/**
 * Sends one operation; resolves to its `data`, or rejects with an ApiError.
 * @param {string} query
 * @param {Record<string, any>} [variables]
 * @returns {Promise<any>}
 */
export async function gql(query, variables = {}) {
  let response = await send(query, variables);
  if (isUnauthenticated(response) && accessToken() && (await refreshSession())) {
    response = await send(query, variables);
  }
  if (isUnauthenticated(response) && accessToken()) {
    sessionExpired();
  }
  if (response.errors?.length) {
    throw ApiError.fromGraphql(response.errors[0]);
  }
  return response.data;
}

/** @param {any} response */
function isUnauthenticated(response) {
  return response.errors?.some((/** @type {any} */ e) => e.extensions?.code === "UNAUTHENTICATED");
}

/**
 * @param {string} query
 * @param {Record<string, any>} variables
 * @returns {Promise<{ data?: any, errors?: any[] }>}
 */
async function send(query, variables) {
  /** @type {Record<string, string>} */
  const headers = { "content-type": "application/json", accept: "application/graphql-response+json, application/json" };
  const token = accessToken();
  if (token) headers.authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch {
    throw new ApiError("NETWORK", "synaps cannot be reached. Check your connection; nothing was lost.");
  }
  try {
    return await response.json();
  } catch {
    throw new ApiError("INTERNAL", `synaps answered ${response.status} without a GraphQL response.`);
  }
}

/** @type {ReturnType<typeof createClient> | null} */
let socket = null;
/** @type {ReturnType<typeof setTimeout> | undefined} */
let pongTimer;

function client() {
  if (socket) return socket;
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  socket = createClient({
    url: `${scheme}//${location.host}/graphql/ws`,
    lazy: true,
    // Resuming is ours (see the top of this file): graphql-ws would resend
    // each subscription with the variables it started with.
    retryAttempts: 0,
    keepAlive: PING_INTERVAL_MS,
    connectionParams: async () => {
      const token = accessToken();
      return token ? { authorization: `Bearer ${token}` } : {};
    },
    on: {
      connected: () => { connection.value = "up"; },
      closed: () => { connection.value = "down"; clearTimeout(pongTimer); },
      ping: (received) => {
        if (received) return;
        clearTimeout(pongTimer);
        pongTimer = setTimeout(() => socket?.terminate(), PONG_TIMEOUT_MS);
      },
      pong: (received) => { if (received) clearTimeout(pongTimer); },
    },
  });
  return socket;
}

/**
 * A subscription that lives until `stop()` is called: resumed after every
 * drop with `variables()` asked again, after a short, growing pause.
 * @param {string} query
 * @param {() => Record<string, any>} variables  asked at each (re)subscribe
 * @param {(data: any) => void} onData
 * @param {{ onResume?: () => void, onError?: (e: ApiError) => void }} [options]
 * @returns {() => void} stop
 */
export function live(query, variables, onData, options = {}) {
  let stopped = false;
  let attempt = 0;
  /** @type {(() => void) | null} */
  let dispose = null;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let retryTimer;
  const start = () => {
    if (stopped) return;
    dispose = client().subscribe(
      { query, variables: variables() },
      {
        next: (result) => {
          attempt = 0;
          if (result.errors?.length) {
            const error = ApiError.fromGraphql(/** @type {any} */ (result.errors[0]));
            options.onError?.(error);
            return;
          }
          onData(result.data);
        },
        error: async (error) => {
          if (stopped) return;
          // Closed 4403: the token expired or the session ended.
          if (/** @type {any} */ (error)?.code === 4403 && !(await refreshSession())) {
            sessionExpired();
          }
          if (Array.isArray(error)) {
            const first = ApiError.fromGraphql(error[0]);
            options.onError?.(first);
            if (first.code !== "INTERNAL" && first.code !== "RATE_LIMITED") return;
          }
          attempt += 1;
          const pause = Math.min(10_000, 500 * 2 ** Math.min(attempt, 5)) * (0.5 + Math.random() / 2);
          retryTimer = setTimeout(() => { options.onResume?.(); start(); }, pause);
        },
        complete: () => {},
      },
    );
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(retryTimer);
    dispose?.();
  };
}

/** Closes the socket now (sign-out, or a wake from sleep): live ones resume. */
export function dropConnection() {
  socket?.terminate();
}

// A laptop that slept: timers stop, then fire late. A gap far longer than
// the interval means the socket may be dead without knowing it.
let lastTick = Date.now();
setInterval(() => {
  const now = Date.now();
  if (now - lastTick > 3 * PING_INTERVAL_MS) dropConnection();
  lastTick = now;
}, PING_INTERVAL_MS);
addEventListener("online", () => dropConnection());
