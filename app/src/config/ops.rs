//! `METRICS_ADDR`, `METRICS_EMF_*`, `SHUTDOWN_*`, `LOG_FORMAT`: running the service.

use super::*;

/// Running the service: metrics and shutdown.
#[derive(Clone, Debug)]
pub struct OpsSettings {
    /// `METRICS_ADDR`: when set, `/metrics` and `/readyz` are served on this address only
    /// (not on the public listener).
    pub metrics_addr: Option<SocketAddr>,
    /// `SHUTDOWN_GRACE_SECS`: on SIGTERM/SIGINT, how long in-flight requests may take to
    /// finish (default 20 s).
    pub shutdown_grace: Duration,
    /// `METRICS_EMF_SECS` (default 0: off) and `METRICS_EMF_NAMESPACE` (default
    /// `CognitoReset`): every so many seconds, one line on standard output in CloudWatch's
    /// embedded metric format with the counts of that interval (requests, 5xx, Cognito calls,
    /// throttled and failed, emails sent and failed, rate-limited requests), which CloudWatch
    /// Logs turns into metrics.
    pub emf: Option<(Duration, String)>,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT` (off when unset) and `OTEL_SERVICE_NAME` (default
    /// `cognito-reset`): traces of every request and of each Cognito, SES and Redis call
    /// inside it, sent over OTLP/HTTP (JSON) to `<endpoint>/v1/traces`.
    pub otlp: Option<(String, String)>,
    /// `LOG_FORMAT`: `json` (the default: one JSON object a line, with the request's id) or
    /// `text` (for a terminal).
    pub log_json: bool,
}

pub(super) fn ops(get: Get) -> Result<OpsSettings, ConfigError> {
    Ok(OpsSettings {
        metrics_addr: get("METRICS_ADDR")
            .map(|v| address(&v, "METRICS_ADDR", "127.0.0.1:9100"))
            .transpose()?,
        shutdown_grace: secs(get, "SHUTDOWN_GRACE_SECS", 20, 0, 600)?,
        emf: emf(get)?,
        otlp: match get("OTEL_EXPORTER_OTLP_ENDPOINT") {
            None => None,
            Some(e) if e.starts_with("http://") || e.starts_with("https://") => Some((
                e.trim_end_matches('/').to_string(),
                get("OTEL_SERVICE_NAME").unwrap_or_else(|| "cognito-reset".into()),
            )),
            Some(e) => {
                return Err(err(
                    "OTEL_EXPORTER_OTLP_ENDPOINT",
                    format!("is malformed: expected an http:// or https:// URL of an OTLP/HTTP collector (got {e:?})"),
                ))
            }
        },
        log_json: match get("LOG_FORMAT").as_deref() {
            None | Some("json") => true,
            Some("text") => false,
            Some(v) => {
                return Err(err(
                    "LOG_FORMAT",
                    format!("is malformed: expected json or text (got {v:?})"),
                ))
            }
        },
    })
}

fn emf(get: Get) -> Result<Option<(Duration, String)>, ConfigError> {
    let every = secs(get, "METRICS_EMF_SECS", 0, 0, 3600)?;
    let namespace = get("METRICS_EMF_NAMESPACE").unwrap_or_else(|| "CognitoReset".into());
    let fits = (1..=255).contains(&namespace.len())
        && !namespace.starts_with("AWS/")
        && namespace
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "./-_#:".contains(c));
    if !fits {
        return Err(err(
            "METRICS_EMF_NAMESPACE",
            format!("is malformed: expected 1 to 255 letters, digits or . - _ / # : and not AWS/ (got {namespace:?})"),
        ));
    }
    Ok((!every.is_zero()).then_some((every, namespace)))
}
