//! A graphql-transport-ws client for the subscription tests, and `synaps
//! serve` processes as extra replicas.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::{self, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::TEST_SECRET;

/// How long a test waits for something that should not come.
pub const QUIET: Duration = Duration::from_millis(300);

/// A client socket speaking graphql-transport-ws.
pub struct Ws {
    pub socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

pub fn ws_url(address: &str) -> String {
    format!("{}/graphql/ws", address.replacen("http://", "ws://", 1))
}

/// Opens a socket offering `protocol`; returns it with the protocol the
/// server selected.
pub async fn connect_with_protocol(
    address: &str,
    protocol: &str,
) -> Result<(WebSocketStream<MaybeTlsStream<TcpStream>>, Option<String>), tungstenite::Error> {
    let mut request = ws_url(address).into_client_request().expect("request");
    request.headers_mut().insert(
        "sec-websocket-protocol",
        HeaderValue::from_str(protocol).expect("header"),
    );
    tokio_tungstenite::connect_async(request)
        .await
        .map(|(socket, response)| {
            let selected = response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            (socket, selected)
        })
}

impl Ws {
    pub async fn connect(address: &str) -> Ws {
        Ws {
            socket: connect_with_protocol(address, "graphql-transport-ws")
                .await
                .expect("socket opens")
                .0,
        }
    }

    /// Connects and initialises with `token` (anonymous when `None`).
    pub async fn open(address: &str, token: Option<&str>) -> Ws {
        let mut ws = Ws::connect(address).await;
        ws.init(token).await;
        let ack = ws.next(Duration::from_secs(5)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    /// Connects and initialises with `payload` as it is; expects the ack.
    pub async fn open_with(address: &str, payload: Value) -> Ws {
        let mut ws = Ws::connect(address).await;
        ws.init_with(payload).await;
        let ack = ws.next(Duration::from_secs(5)).await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    /// Sends `connection_init` with `payload` as it is.
    pub async fn init_with(&mut self, payload: Value) {
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
    }

    /// Runs a query or mutation as `id`; returns the messages for it, up to
    /// and including its `complete` or `error` (nothing else may come
    /// meanwhile).
    pub async fn operation(&mut self, id: &str, query: &str, variables: Value) -> Vec<Value> {
        self.subscribe_with(id, query, variables).await;
        let mut messages = Vec::new();
        loop {
            let message = self.next(Duration::from_secs(5)).await;
            assert_eq!(message["id"], id, "{message}");
            let last = message["type"] == "complete" || message["type"] == "error";
            messages.push(message);
            if last {
                return messages;
            }
        }
    }

    pub async fn send(&mut self, message: Value) {
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("message sent");
    }

    pub async fn init(&mut self, token: Option<&str>) {
        let payload = match token {
            Some(token) => json!({ "authorization": format!("Bearer {token}") }),
            None => json!({}),
        };
        self.send(json!({ "type": "connection_init", "payload": payload }))
            .await;
    }

    pub async fn subscribe(&mut self, id: &str, query: &str) {
        self.subscribe_with(id, query, Value::Null).await;
    }

    pub async fn subscribe_with(&mut self, id: &str, query: &str, variables: Value) {
        self.send(json!({
            "id": id,
            "type": "subscribe",
            "payload": { "query": query, "variables": variables },
        }))
        .await;
    }

    /// Waits until the server has handled everything sent before (a ping
    /// answered after the subscriptions before it are registered).
    pub async fn sync(&mut self) {
        self.send(json!({ "type": "ping", "payload": { "sync": true } }))
            .await;
        let pong = self.next(Duration::from_secs(5)).await;
        assert_eq!(pong["type"], "pong", "{pong}");
    }

    /// The next protocol message within `within` (server pings answered and
    /// skipped); panics on a close or a timeout.
    pub async fn next(&mut self, within: Duration) -> Value {
        match self.try_next(within).await {
            Some(Ok(message)) => message,
            Some(Err(code)) => panic!("the socket closed with {code}"),
            None => panic!("nothing arrived within {within:?}"),
        }
    }

    /// `Some(Ok(message))`, `Some(Err(close code))`, or `None` on timeout.
    pub async fn try_next(&mut self, within: Duration) -> Option<Result<Value, u16>> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Message::Text(text))) => {
                    let message: Value = serde_json::from_str(&text).expect("JSON message");
                    if message["type"] == "ping" {
                        self.send(json!({ "type": "pong" })).await;
                        continue;
                    }
                    return Some(Ok(message));
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Err(frame.map_or(1005, |f| u16::from(f.code))));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Some(Err(1006)),
            }
        }
    }

    /// Asserts that the server closes the socket with `code` within `within`.
    pub async fn expect_close(&mut self, code: u16, within: Duration) {
        loop {
            match self.try_next(within).await {
                Some(Err(got)) => {
                    assert_eq!(got, code, "closed with {got}, expected {code}");
                    return;
                }
                Some(Ok(message)) if message["type"] == "connection_ack" => continue,
                Some(Ok(message)) => panic!("expected close {code}, got {message}"),
                None => panic!("the socket was not closed within {within:?}"),
            }
        }
    }

    /// Asserts that nothing but pings arrives for a moment.
    pub async fn expect_quiet(&mut self) {
        if let Some(got) = self.try_next(QUIET).await {
            panic!("expected nothing, got {got:?}");
        }
    }
}

/// A `synaps serve` process on the test's database, killed when dropped.
pub struct Replica {
    child: std::process::Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Replica {
    pub async fn start(database_url: &str) -> Replica {
        Replica::start_with(database_url, &[]).await
    }

    /// Like [`Replica::start`], with further environment variables
    /// (`SYNAPS_REMINDER_TIME`, …).
    pub async fn start_with(database_url: &str, env: &[(&str, &str)]) -> Replica {
        use std::io::{BufRead, BufReader};
        let dir = tempfile::tempdir().expect("temp dir");
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_synaps"))
            .arg("serve")
            .envs(env.iter().copied())
            .env("DATABASE_URL", database_url)
            .env("SYNAPS_BIND", "127.0.0.1:0")
            .env("SYNAPS_JWT_SECRET", TEST_SECRET)
            .env("SYNAPS_DATA_DIR", dir.path())
            .env("SYNAPS_DB_POOL_SIZE", "4")
            .env_remove("SYNAPS_ENV")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("synaps starts");
        let stdout = child.stdout.take().expect("stdout");
        let (first_tx, first_rx) = tokio::sync::oneshot::channel();
        // Keep reading: a closed pipe would make its next println! fail.
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let _ = first_tx.send(lines.next().and_then(Result::ok).unwrap_or_default());
            for _ in lines {}
        });
        let first = tokio::time::timeout(Duration::from_secs(30), first_rx)
            .await
            .expect("synaps announces its address")
            .expect("reader");
        let address = first
            .strip_prefix("synaps is listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {first}"))
            .trim()
            .to_owned();
        Replica {
            child,
            address,
            _dir: dir,
        }
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
