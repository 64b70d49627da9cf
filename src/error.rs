//! The error contract between synaps and its clients.
//!
//! Every failure a client can see is one [`Error`] variant, and each variant
//! maps to exactly one `extensions.code` (docs/DESIGN.md) in [`Error::code`]. The
//! domain layer returns these; GraphQL resolvers pass them through with `?`.
//!
//! Policy:
//! - Database errors are never shown to clients. Call sites that expect a
//!   unique violation turn it into [`Error::Conflict`] naming the field
//!   ([`is_unique_violation`]); a database that cannot be reached (down,
//!   restarting, its connections terminated) is [`Error::Unavailable`]
//!   ([`is_unavailable`]), which the client may retry; everything else
//!   becomes [`Error::Internal`].
//! - [`Error::Internal`] keeps its cause for the log line (which carries the
//!   request id through the request's tracing span) and sends only a generic
//!   message.
//! - `Error` deliberately does not implement `Display`: async-graphql converts
//!   any `Display` type into an error *without* a code, so the only way into a
//!   GraphQL response is the `From` impl below, which sets the code.
//!
//! A request refused before anything runs (by `http::admission`, or by the
//! HTTP handler for what only HTTP has: methods and media types) is a
//! [`Refusal`], whose codes are the transport's; each transport decides only
//! how to send it (a status code, or a WebSocket `error` message or close).
//! Errors async-graphql raises itself carry no code; [`with_codes`] gives
//! them one on every transport.

use std::fmt;

use async_graphql::{ErrorExtensionValues, ErrorExtensions, ServerError};
use sea_orm::{DbErr, RuntimeErr, SqlErr};

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub enum Error {
    /// No valid credentials were presented.
    Unauthenticated(&'static str),
    /// The viewer is known but may not do this.
    Forbidden,
    /// Like `Forbidden`, with a reason the viewer can act on ("join first").
    ForbiddenBecause(&'static str),
    /// The thing does not exist, or the viewer may not know that it exists.
    NotFound(&'static str),
    /// The input is malformed; `field` names the input field at fault.
    BadUserInput { field: String, message: String },
    /// The input clashes with the current state (duplicate, stale version, …).
    Conflict {
        field: Option<String>,
        message: String,
    },
    /// Too many attempts; try again after `retry_after_secs`.
    RateLimited { retry_after_secs: u64 },
    /// The database cannot be reached (down, restarting): try again soon.
    /// The cause is logged, never sent.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// Anything else. The cause is logged, never sent.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn bad_input(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::BadUserInput {
            field: field.into(),
            message: message.into(),
        }
    }

    pub fn conflict(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            field: Some(field.into()),
            message: message.into(),
        }
    }

    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }

    /// The stable `extensions.code` for this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Unauthenticated(_) => "UNAUTHENTICATED",
            Self::Forbidden | Self::ForbiddenBecause(_) => "FORBIDDEN",
            Self::NotFound(_) => "NOT_FOUND",
            Self::BadUserInput { .. } => "BAD_USER_INPUT",
            Self::Conflict { .. } => "CONFLICT",
            Self::RateLimited { .. } => "RATE_LIMITED",
            Self::Unavailable(_) => "UNAVAILABLE",
            Self::Internal(_) => "INTERNAL",
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::Unauthenticated(why) => (*why).to_owned(),
            Self::Forbidden => "You do not have permission to do this.".to_owned(),
            Self::ForbiddenBecause(why) => (*why).to_owned(),
            Self::NotFound(what) => format!("{what} not found."),
            Self::BadUserInput { field, message } => format!("{field}: {message}"),
            Self::Conflict { message, .. } => message.clone(),
            Self::RateLimited { retry_after_secs } => {
                format!("Too many attempts. Try again in {retry_after_secs} seconds.")
            }
            Self::Unavailable(_) => {
                "The service is briefly unavailable (its database cannot be reached); please try again in a few seconds.".to_owned()
            }
            Self::Internal(_) => {
                "Something went wrong on our side. It has been logged; please try again.".to_owned()
            }
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Internal(cause) => write!(f, "INTERNAL: {cause}"),
            Self::Unavailable(cause) => write!(f, "UNAVAILABLE: {cause}"),
            other => write!(f, "{}: {}", other.code(), other.message()),
        }
    }
}

impl From<DbErr> for Error {
    fn from(err: DbErr) -> Self {
        if is_unavailable(&err) {
            Self::Unavailable(Box::new(err))
        } else {
            Self::Internal(Box::new(err))
        }
    }
}

impl From<Error> for async_graphql::Error {
    fn from(err: Error) -> Self {
        match &err {
            // The request id is on the enclosing span (see `http::request_span`).
            Error::Internal(cause) => tracing::error!(error = %cause, "internal error"),
            // Expected while the database restarts; one line per request.
            Error::Unavailable(cause) => tracing::warn!(error = %cause, "database unavailable"),
            _ => {}
        }
        let message = err.message();
        async_graphql::Error::new(message).extend_with(|_, ext| {
            ext.set("code", err.code());
            match &err {
                Error::BadUserInput { field, .. } => ext.set("field", field.as_str()),
                Error::Conflict {
                    field: Some(field), ..
                } => ext.set("field", field.as_str()),
                Error::RateLimited { retry_after_secs } => {
                    ext.set("retryAfterSeconds", *retry_after_secs)
                }
                _ => {}
            }
        })
    }
}

/// Why a request was refused before it ran: one variant per
/// `extensions.code` that a request can get at the door, over HTTP and over
/// the WebSocket alike.
pub enum Refusal {
    /// Not a request we serve as sent: a batch, a body that is not a GraphQL
    /// request, a missing or over-long query, a subscription too many.
    BadRequest(String),
    /// The document does not parse.
    ParseFailed(String),
    /// The document breaks a rule of the schema or one of our limits.
    ValidationFailed(String),
    /// The document selects `__schema` or `__type` where introspection is
    /// off (production).
    IntrospectionDisabled,
    /// A mutation or subscription sent with GET.
    MethodNotAllowed,
    /// A POST whose body is not `application/json`.
    UnsupportedMediaType,
    /// The client accepts neither JSON media type.
    NotAcceptable,
    /// The credentials presented do not check out (`UNAUTHENTICATED`), or
    /// could not be checked (`UNAVAILABLE` while the database is down,
    /// else `INTERNAL`): never an anonymous viewer.
    Credentials(Error),
}

const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

impl Refusal {
    /// The stable `extensions.code` for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "BAD_REQUEST",
            Self::ParseFailed(_) => "GRAPHQL_PARSE_FAILED",
            Self::ValidationFailed(_) => VALIDATION_FAILED,
            Self::IntrospectionDisabled => "INTROSPECTION_DISABLED",
            Self::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            Self::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            Self::NotAcceptable => "NOT_ACCEPTABLE",
            Self::Credentials(err) => err.code(),
        }
    }

    /// The message a client sees.
    pub fn message(&self) -> String {
        match self {
            Self::BadRequest(message)
            | Self::ParseFailed(message)
            | Self::ValidationFailed(message) => message.clone(),
            Self::IntrospectionDisabled => {
                "Introspection is disabled on this server: `__schema` and `__type` may not be queried."
                    .to_owned()
            }
            Self::MethodNotAllowed => "Mutations must be sent with POST.".to_owned(),
            Self::UnsupportedMediaType => {
                "Send the request as Content-Type: application/json.".to_owned()
            }
            Self::NotAcceptable => {
                "Accept application/graphql-response+json or application/json.".to_owned()
            }
            Self::Credentials(err) => err.message(),
        }
    }

    /// The refusal as a GraphQL error: `{ message, extensions: { code } }`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            // The request id is on the enclosing span (see `http::request_span`).
            Self::Credentials(Error::Internal(cause)) => {
                tracing::error!(error = %cause, "cannot check credentials");
            }
            Self::Credentials(Error::Unavailable(cause)) => {
                tracing::warn!(error = %cause, "cannot check credentials: database unavailable");
            }
            _ => {}
        }
        serde_json::json!({ "message": self.message(), "extensions": { "code": self.code() } })
    }
}

impl fmt::Debug for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Credentials(err) => write!(f, "{err:?}"),
            other => write!(f, "{}: {}", other.code(), other.message()),
        }
    }
}

/// Gives the errors async-graphql raised itself a code, as every other error
/// has one: `GRAPHQL_VALIDATION_FAILED` for what it refused before running
/// (no path), `BAD_USER_INPUT` for a field's arguments (a path).
pub fn with_codes(errors: &mut [ServerError]) {
    for error in errors {
        let has_code = error
            .extensions
            .as_ref()
            .is_some_and(|e| e.get("code").is_some());
        if !has_code {
            let code = if error.path.is_empty() {
                VALIDATION_FAILED
            } else {
                "BAD_USER_INPUT"
            };
            error
                .extensions
                .get_or_insert_with(ErrorExtensionValues::default)
                .set("code", code);
        }
    }
}

/// Whether a database error is a unique-constraint violation, so that the
/// call site can name the field that clashed.
pub fn is_unique_violation(err: &DbErr) -> bool {
    if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        return true;
    }
    // Some paths (e.g. `exec` inside a transaction) wrap the driver error
    // differently; fall back to the driver's own classification.
    match err {
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => e
            .as_database_error()
            .is_some_and(|d| d.is_unique_violation()),
        _ => false,
    }
}

/// Whether a database error means the database cannot be reached now, as
/// opposed to a fault in the statement: no connection to be had (refused,
/// the pool's acquire timeout), the connection lost mid-statement, or the
/// server shutting down, starting up or terminating the session (SQLSTATE
/// class 08, and 57P01 to 57P03). What a client should retry in a moment.
pub fn is_unavailable(err: &DbErr) -> bool {
    use sea_orm::sqlx::Error as Sqlx;
    let sqlx = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    match &**sqlx {
        Sqlx::Io(_)
        | Sqlx::Tls(_)
        | Sqlx::PoolTimedOut
        | Sqlx::PoolClosed
        | Sqlx::WorkerCrashed => true,
        Sqlx::Database(db) => db.code().is_some_and(|code| {
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03")
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::{Error, is_unavailable};

    fn sqlx(err: sea_orm::sqlx::Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(err)))
    }

    #[test]
    fn a_database_out_of_reach_is_unavailable_and_a_bad_statement_is_not() {
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        for err in [
            DbErr::ConnectionAcquire(ConnAcquireErr::Timeout),
            sqlx(sea_orm::sqlx::Error::Io(refused)),
            sqlx(sea_orm::sqlx::Error::PoolClosed),
        ] {
            assert!(is_unavailable(&err), "{err:?}");
            assert_eq!(Error::from(err).code(), "UNAVAILABLE");
        }
        for err in [
            sqlx(sea_orm::sqlx::Error::RowNotFound),
            DbErr::Custom("a bug".to_owned()),
        ] {
            assert!(!is_unavailable(&err), "{err:?}");
            assert_eq!(Error::from(err).code(), "INTERNAL");
        }
    }
}
