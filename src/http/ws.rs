//! `GET /graphql/ws`: GraphQL over the `graphql-transport-ws` protocol, and
//! only that protocol.
//!
//! We speak the protocol ourselves over axum's WebSocket, because
//! async-graphql's own server lacks what docs/SECURITY.md asks for. Here:
//! - the `Sec-WebSocket-Protocol` must offer `graphql-transport-ws` (400
//!   otherwise);
//! - `connection_init` must come within 3 s (close 4408), once (4429); its
//!   payload carries the bearer credential under `authorization` (any case)
//!   or `headers.authorization` (`admission::init_authorization`), checked
//!   like the HTTP header: any credential that does not check out closes
//!   4403, whatever its key; none at all is an anonymous viewer;
//! - `subscribe` before `connection_ack` closes 4401; an id already active
//!   closes 4409; past 20 active operations the new one gets an `error`
//!   message; a malformed message closes 4400;
//! - a `subscribe` may carry any operation, and passes `http::admission`
//!   as a request over HTTP does (query length, parsing through the
//!   document cache, `graphql::limits`, introspection in production; then
//!   the schema's validation, depth and complexity), as the socket's viewer,
//!   from the address of its upgrade request (the login throttle's key). A
//!   refusal is an `error` message with the code HTTP would send. A
//!   subscription runs through `Schema::execute_stream` until it ends; a
//!   query or mutation gets one `next` and then `complete`, and runs the same
//!   domain functions as over HTTP, rate limits included;
//! - the server pings every 30 s; the socket closes 4403 when the access
//!   token expires or its session ends (sign-out, password change,
//!   deactivation) or its person's role changes, and 1001 when the server
//!   shuts down;
//! - what the server sends waits in a bounded per-socket queue (messages and
//!   bytes); a client that does not keep up is closed with 1013 rather than
//!   buffered for without bound.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::parser::types::OperationType;
use async_graphql::{Response as GqlResponse, Value};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{AbortHandle, Abortable, BoxStream, SelectAll, SplitSink};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::auth::Viewer;
use crate::auth::session_cache::{self, Forgotten};
use crate::error::{Error, Refusal, with_codes};
use crate::graphql::loaders::Loaders;
use crate::http::{App, admission};
use crate::instruments;

/// The only subprotocol served.
pub const PROTOCOL: &str = "graphql-transport-ws";
/// docs/SECURITY.md: `connection_init` within 3 s.
const INIT_TIMEOUT: Duration = Duration::from_secs(3);
/// docs/SECURITY.md: a keep-alive ping every 30 s.
const KEEP_ALIVE: Duration = Duration::from_secs(30);
/// docs/SECURITY.md: at most 20 subscriptions (operations) per socket.
pub const MAX_SUBSCRIPTIONS: usize = 20;
/// Messages waiting to be written to one socket. A healthy client drains
/// them as fast as they come; the kernel's socket buffer absorbs bursts.
const QUEUE_MESSAGES: usize = 256;
/// Bytes waiting to be written to one socket (a post body alone may be
/// 256 KiB).
const QUEUE_BYTES: usize = 4 * 1024 * 1024;
/// The initial read buffer of a socket.
const READ_BUFFER: usize = 4 * 1024;
/// How long a close frame may take to go out before the socket is dropped.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// Close codes of the protocol (and RFC 6455's 1001 and 1013).
mod close {
    pub const GOING_AWAY: u16 = 1001;
    pub const TRY_AGAIN_LATER: u16 = 1013;
    pub const BAD_REQUEST: u16 = 4400;
    pub const UNAUTHORIZED: u16 = 4401;
    pub const FORBIDDEN: u16 = 4403;
    pub const INIT_TIMEOUT: u16 = 4408;
    pub const DUPLICATE_ID: u16 = 4409;
    pub const TOO_MANY_INITS: u16 = 4429;
    pub const INTERNAL: u16 = 4500;
}

/// Why the server closes a socket.
type Close = (u16, String);

pub async fn graphql_ws(
    State(app): State<App>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let upgrade = match upgrade {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let offered = headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == PROTOCOL);
    if !offered {
        return (
            StatusCode::BAD_REQUEST,
            format!("Only the {PROTOCOL} subprotocol is served here (Sec-WebSocket-Protocol)."),
        )
            .into_response();
    }
    let max = app.state.config.limits.body_bytes;
    let client_address =
        admission::client_address(peer, &headers, app.state.config.trusted_proxy_hops);
    upgrade
        .protocols([PROTOCOL])
        // Clients send a few small messages; tungstenite's 128 KiB default
        // read buffer per socket would dwarf everything else an idle
        // subscriber holds (it grows for a larger message when one comes).
        .read_buffer_size(READ_BUFFER)
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| serve(app, socket, client_address))
}

/// What the client sends.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum ClientMessage {
    ConnectionInit {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Ping {
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Pong {
        #[allow(dead_code)]
        #[serde(default)]
        payload: Option<serde_json::Value>,
    },
    Subscribe {
        id: String,
        payload: Box<async_graphql::Request>,
    },
    Complete {
        id: String,
    },
}

/// What waits in a socket's outgoing queue.
enum Outgoing {
    Text(String),
    Close(Close),
}

/// The queue's sending side, bounded in messages and in bytes.
struct Queue {
    sender: mpsc::Sender<Outgoing>,
    bytes: Arc<AtomicUsize>,
}

enum SendError {
    /// The client does not keep up.
    Full,
    /// The connection is gone.
    Gone,
}

impl Queue {
    fn send(&self, message: serde_json::Value) -> Result<(), SendError> {
        let text = message.to_string();
        let len = text.len();
        if self.bytes.fetch_add(len, Ordering::AcqRel) + len > QUEUE_BYTES {
            self.bytes.fetch_sub(len, Ordering::AcqRel);
            return Err(SendError::Full);
        }
        self.sender
            .try_send(Outgoing::Text(text))
            .map_err(|err| match err {
                mpsc::error::TrySendError::Full(_) => SendError::Full,
                mpsc::error::TrySendError::Closed(_) => SendError::Gone,
            })
    }
}

/// Writes the queue to the socket; `abort` jumps the queue with a close.
async fn write(
    mut sink: SplitSink<WebSocket, Message>,
    mut queue: mpsc::Receiver<Outgoing>,
    mut abort: oneshot::Receiver<Close>,
    bytes: Arc<AtomicUsize>,
) {
    loop {
        let next = tokio::select! {
            biased;
            Ok(close) = &mut abort => return send_close(&mut sink, close).await,
            next = queue.recv() => next,
        };
        match next {
            None => return,
            Some(Outgoing::Close(close)) => return send_close(&mut sink, close).await,
            Some(Outgoing::Text(text)) => {
                let len = text.len();
                let sent = tokio::select! {
                    biased;
                    Ok(close) = &mut abort => return send_close(&mut sink, close).await,
                    sent = sink.send(Message::Text(text.into())) => sent,
                };
                bytes.fetch_sub(len, Ordering::AcqRel);
                if sent.is_err() {
                    return;
                }
            }
        }
    }
}

async fn send_close(sink: &mut SplitSink<WebSocket, Message>, (code, reason): Close) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, sink.send(Message::Close(Some(frame)))).await;
}

/// One subscription's responses, tagged with its id and generation; `None`
/// marks its end.
type Tagged = (String, u64, Option<GqlResponse>);

struct Active {
    generation: u64,
    abort: AbortHandle,
    /// A subscription, rather than a query or mutation.
    subscription: bool,
    /// Whether anything was sent for it yet (an error before that is an
    /// `error` message, after it a `next` with errors).
    delivered: bool,
    /// Its type, for the error counts.
    operation: &'static str,
    /// Counts it in `synaps_subscriptions_active` while it runs.
    _live: Option<instruments::Held>,
}

/// One socket's protocol state.
struct Connection {
    app: App,
    queue: Queue,
    /// Set once `connection_init` has been accepted (and acknowledged).
    viewer: Option<Viewer>,
    init_seen: bool,
    /// When the access token expires.
    expires: Option<Instant>,
    /// The `authorization` the socket was opened with, to check again when
    /// sessions change (`session_cache::changes`).
    authorization: Option<String>,
    /// The client's address, as the login throttle keys it.
    client_address: String,
    active: HashMap<String, Active>,
    generation: u64,
    streams: SelectAll<BoxStream<'static, Tagged>>,
}

enum Step {
    Continue,
    Close(Close),
    /// The connection is gone; nothing more to send.
    Gone,
}

impl From<SendError> for Step {
    fn from(err: SendError) -> Self {
        match err {
            SendError::Full => Step::Close((
                close::TRY_AGAIN_LATER,
                "The client is not reading fast enough.".to_owned(),
            )),
            SendError::Gone => Step::Gone,
        }
    }
}

fn sent(result: Result<(), SendError>) -> Step {
    match result {
        Ok(()) => Step::Continue,
        Err(err) => err.into(),
    }
}

async fn serve(app: App, socket: WebSocket, client_address: String) {
    let _open = instruments::Held::new(instruments::WEBSOCKETS_OPEN);
    let mut shutdown = app.state.sockets.subscribe();
    let (sink, mut incoming) = socket.split();
    let (sender, receiver) = mpsc::channel(QUEUE_MESSAGES);
    let (abort, aborted) = oneshot::channel();
    let bytes = Arc::new(AtomicUsize::new(0));
    let writer = tokio::spawn(write(sink, receiver, aborted, bytes.clone()));
    let mut connection = Connection {
        app,
        queue: Queue { sender, bytes },
        viewer: None,
        init_seen: false,
        expires: None,
        authorization: None,
        client_address,
        active: HashMap::new(),
        generation: 0,
        streams: SelectAll::new(),
    };
    let init_deadline = Instant::now() + INIT_TIMEOUT;
    let mut sessions_changed = session_cache::changes();
    let mut keep_alive = tokio::time::interval_at(Instant::now() + KEEP_ALIVE, KEEP_ALIVE);

    let end = loop {
        let step = tokio::select! {
            biased;
            () = stopping(&mut shutdown) => {
                Step::Close((close::GOING_AWAY, "The server is shutting down.".to_owned()))
            }
            _ = sleep_until(connection.expires) => {
                Step::Close((close::FORBIDDEN, "The access token expired.".to_owned()))
            }
            changed = sessions_changed.recv(), if connection.viewer.is_some() => {
                connection.session_changed(changed).await
            }
            _ = sleep_until(Some(init_deadline)), if !connection.init_seen => {
                Step::Close((close::INIT_TIMEOUT, "Connection initialisation timeout".to_owned()))
            }
            // Subscriptions before incoming messages: a subscription is
            // registered with the event hub before a later `ping` is answered.
            Some(tagged) = connection.streams.next(), if !connection.streams.is_empty() => {
                connection.deliver(tagged)
            }
            message = incoming.next() => match message {
                Some(Ok(Message::Text(text))) => connection.handle(text.as_str()).await,
                Some(Ok(Message::Binary(_))) => Step::Close((
                    close::BAD_REQUEST,
                    "Messages must be text.".to_owned(),
                )),
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => Step::Continue,
                Some(Ok(Message::Close(_)) | Err(_)) | None => Step::Gone,
            },
            _ = keep_alive.tick() => sent(connection.queue.send(json!({ "type": "ping" }))),
        };
        match step {
            Step::Continue => {}
            Step::Close(close) => break Some(close),
            Step::Gone => break None,
        }
    };

    for (_, active) in connection.active.drain() {
        active.abort.abort();
    }
    if let Some(close) = end {
        // Through the queue, after what is already there; if it is full,
        // jump it.
        if let Err(mpsc::error::TrySendError::Full(Outgoing::Close(close))) =
            connection.queue.sender.try_send(Outgoing::Close(close))
        {
            let _ = abort.send(close);
        }
    }
    drop(connection);
    let writer_abort = writer.abort_handle();
    if tokio::time::timeout(CLOSE_TIMEOUT * 2, writer)
        .await
        .is_err()
    {
        writer_abort.abort();
    }
}

/// Completes when the server starts shutting down.
async fn stopping(shutdown: &mut watch::Receiver<bool>) {
    if shutdown.wait_for(|stopping| *stopping).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

impl Connection {
    async fn handle(&mut self, text: &str) -> Step {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(_) => {
                return Step::Close((close::BAD_REQUEST, "Invalid message received".to_owned()));
            }
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.init(payload).await,
            ClientMessage::Ping { payload } => {
                let mut pong = json!({ "type": "pong" });
                if let Some(payload) = payload {
                    pong["payload"] = payload;
                }
                sent(self.queue.send(pong))
            }
            ClientMessage::Pong { .. } => Step::Continue,
            ClientMessage::Subscribe { id, payload } => self.subscribe(id, *payload),
            ClientMessage::Complete { id } => {
                if let Some(active) = self.active.remove(&id) {
                    active.abort.abort();
                }
                Step::Continue
            }
        }
    }

    async fn init(&mut self, payload: Option<serde_json::Value>) -> Step {
        if self.init_seen {
            return Step::Close((
                close::TOO_MANY_INITS,
                "Too many initialisation requests".to_owned(),
            ));
        }
        self.init_seen = true;
        let authorization = match admission::init_authorization(payload.as_ref()) {
            Ok(authorization) => authorization,
            Err(_) => return Step::Close((close::FORBIDDEN, "Forbidden".to_owned())),
        };
        let authorization = authorization.as_deref();
        let viewer = match admission::authenticate(&self.app, authorization).await {
            Ok(viewer) => viewer,
            Err(Refusal::Credentials(Error::Internal(cause))) => {
                tracing::error!(error = %cause, "cannot authenticate a WebSocket");
                return Step::Close((close::INTERNAL, "Internal server error".to_owned()));
            }
            Err(Refusal::Credentials(Error::Unavailable(cause))) => {
                tracing::warn!(error = %cause, "cannot authenticate a WebSocket: database unavailable");
                return Step::Close((
                    close::TRY_AGAIN_LATER,
                    "The database is unavailable; connect again in a moment.".to_owned(),
                ));
            }
            Err(_) => return Step::Close((close::FORBIDDEN, "Forbidden".to_owned())),
        };
        let state = &self.app.state;
        // The socket lives only as long as the token it was opened with.
        if let Some(token) = authorization.and_then(admission::bearer) {
            let Some(claims) = state.auth.keys.verify(token) else {
                return Step::Close((close::FORBIDDEN, "Forbidden".to_owned()));
            };
            let left = claims.exp.saturating_sub(chrono::Utc::now().timestamp());
            let left = Duration::from_secs(u64::try_from(left).unwrap_or(0));
            self.expires = Some(Instant::now() + left);
        }
        self.authorization = authorization.map(str::to_owned);
        self.viewer = Some(viewer);
        sent(self.queue.send(json!({ "type": "connection_ack" })))
    }

    /// After a session was revoked or someone's role changed somewhere:
    /// closes the socket (4403) if that was its session or its person.
    /// Its subscriptions were authorised as whom it was; a client that
    /// connects again is authorised as whom it is now.
    async fn session_changed(&mut self, changed: Result<Forgotten, RecvError>) -> Step {
        let Some(Viewer::User(was)) = &self.viewer else {
            return Step::Continue;
        };
        let concerns_us = match changed {
            Ok(forgotten) => forgotten.concerns(was),
            // Missed some: check, to be safe.
            Err(RecvError::Lagged(_)) => true,
            // The sender is a static, never dropped.
            Err(RecvError::Closed) => false,
        };
        if !concerns_us {
            return Step::Continue;
        }
        let now = admission::authenticate(&self.app, self.authorization.as_deref()).await;
        match now {
            Ok(Viewer::User(now)) if now.role == was.role => Step::Continue,
            Ok(_) => Step::Close((
                close::FORBIDDEN,
                "Your role changed: connect again.".to_owned(),
            )),
            Err(Refusal::Credentials(Error::Internal(cause) | Error::Unavailable(cause))) => {
                tracing::error!(error = %cause, "cannot check a WebSocket's session again");
                Step::Continue
            }
            Err(_) => Step::Close((close::FORBIDDEN, "The session ended.".to_owned())),
        }
    }

    fn subscribe(&mut self, id: String, request: async_graphql::Request) -> Step {
        let Some(viewer) = self.viewer.clone() else {
            return Step::Close((close::UNAUTHORIZED, "Unauthorized".to_owned()));
        };
        if self.active.contains_key(&id) {
            return Step::Close((
                close::DUPLICATE_ID,
                format!("Subscriber for {id} already exists"),
            ));
        }
        if self.active.len() >= MAX_SUBSCRIPTIONS {
            return self.refuse(
                &id,
                Refusal::BadRequest(format!(
                    "At most {MAX_SUBSCRIPTIONS} subscriptions may be active on one connection."
                )),
            );
        }
        let admitted = match admission::parse(&self.app, request).and_then(|p| p.admit(&self.app)) {
            Ok(admitted) => admitted,
            Err(refusal) => return self.refuse(&id, refusal),
        };

        let subscription = admitted.operation() == Some(OperationType::Subscription);
        // A subscription lives long: it shares the process's loaders, which
        // prime nothing. A query or mutation is a request like one over HTTP.
        let loaders = if subscription {
            Loaders::sharing(&self.app.live_loaders)
        } else {
            Loaders::new(&self.app.state.db)
        };
        let introspective = admitted.selects_introspection();
        let operation = instruments::operation_type_label(admitted.operation());
        instruments::graphql_operation(
            &instruments::operation_label(admitted.operation_name()),
            operation,
            &[],
            None,
        );
        let request = admitted.into_request(viewer, self.client_address.clone(), loaders);
        let (abort, registration) = AbortHandle::new_pair();
        self.generation += 1;
        let generation = self.generation;
        let tag = id.clone();
        let stream = Abortable::new(
            self.app.schema.execute_stream(request, introspective),
            registration,
        )
        .map(move |response| (tag.clone(), generation, Some(response)))
        .chain(futures_util::stream::once({
            let id = id.clone();
            async move { (id, generation, None) }
        }))
        .boxed();
        self.streams.push(stream);
        self.active.insert(
            id,
            Active {
                generation,
                abort,
                subscription,
                delivered: false,
                operation,
                _live: subscription
                    .then(|| instruments::Held::new(instruments::SUBSCRIPTIONS_ACTIVE)),
            },
        );
        Step::Continue
    }

    /// Refuses an operation with an `error` message.
    fn refuse(&self, id: &str, refusal: Refusal) -> Step {
        sent(self.queue.send(json!({
            "id": id,
            "type": "error",
            "payload": [refusal.to_json()],
        })))
    }

    fn deliver(&mut self, (id, generation, response): Tagged) -> Step {
        let Some(active) = self
            .active
            .get_mut(&id)
            .filter(|a| a.generation == generation)
        else {
            // Completed by the client already (or an earlier subscription
            // under a reused id).
            return Step::Continue;
        };
        let Some(mut response) = response else {
            self.active.remove(&id);
            return sent(self.queue.send(json!({ "id": id, "type": "complete" })));
        };
        with_codes(&mut response.errors);
        instruments::graphql_errors(active.operation, &response.errors);
        let failed = response.data == Value::Null && !response.errors.is_empty();
        let refused = if active.subscription {
            // Validation, or the subscription refused this viewer.
            failed && !active.delivered
        } else {
            // Validation; a failure while running is a result like any.
            failed && response.errors.iter().all(|e| e.path.is_empty())
        };
        if refused {
            // The operation failed before producing anything: `error`, and
            // it is over (no `complete` follows an `error`).
            if let Some(active) = self.active.remove(&id) {
                active.abort.abort();
            }
            return sent(self.queue.send(json!({
                "id": id,
                "type": "error",
                "payload": response.errors,
            })));
        }
        active.delivered = true;
        sent(
            self.queue
                .send(json!({ "id": id, "type": "next", "payload": response })),
        )
    }
}
