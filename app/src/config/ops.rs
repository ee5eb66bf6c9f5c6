//! `METRICS_ADDR`, `SHUTDOWN_*`: running the service.

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
}

pub(super) fn ops(get: Get) -> Result<OpsSettings, ConfigError> {
    Ok(OpsSettings {
        metrics_addr: get("METRICS_ADDR")
            .map(|v| address(&v, "METRICS_ADDR", "127.0.0.1:9100"))
            .transpose()?,
        shutdown_grace: secs(get, "SHUTDOWN_GRACE_SECS", 20, 0, 600)?,
    })
}
