//! What operators and load balancers ask: `/healthz` (alive), `/readyz` (the session store and
//! Cognito answer), `/metrics` (Prometheus); on the public router, or alone on `METRICS_ADDR`.

use std::time::Duration;

use axum::{
    http::{header, StatusCode},
    middleware,
    response::IntoResponse,
    routing::get,
    Router,
};

use crate::security;

/// Readiness: the session store answers and the Cognito endpoint accepts connections.
#[derive(Clone)]
pub struct Readiness {
    pub(crate) redis: Option<fred::clients::Pool>,
    pub(crate) cognito: (String, u16),
}

impl Readiness {
    /// `Ok` when ready, else a short reason.
    pub async fn check(&self) -> Result<(), String> {
        use fred::prelude::*;
        let limit = Duration::from_secs(1);
        if let Some(pool) = &self.redis {
            match tokio::time::timeout(limit, pool.next().ping::<String>(None)).await {
                Ok(Ok(_)) => {}
                _ => return Err("session store (Redis) is not answering".into()),
            }
        }
        let (host, port) = &self.cognito;
        match tokio::time::timeout(
            limit,
            tokio::net::TcpStream::connect((host.as_str(), *port)),
        )
        .await
        {
            Ok(Ok(_)) => Ok(()),
            _ => Err(format!("Cognito endpoint {host}:{port} is not reachable")),
        }
    }
}

/// `/metrics` and `/readyz` (and `/healthz`): on the public router, or alone on
/// `METRICS_ADDR`.
pub fn ops_router<S: Clone + Send + Sync + 'static>(ready: Readiness) -> Router<S> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route(
            "/readyz",
            get(move || {
                let ready = ready.clone();
                async move {
                    match ready.check().await {
                        Ok(()) => (StatusCode::OK, "ready".to_string()),
                        Err(why) => {
                            tracing::warn!(reason = %why, "not ready");
                            (StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {why}"))
                        }
                    }
                }
            }),
        )
        .layer(middleware::from_fn_with_state(None, security::headers))
}

async fn metrics_text() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app::metrics::metrics().render(),
    )
}

/// Liveness: the process answers.
pub(crate) async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// Writes the app's counts to standard output every `every`, one line of CloudWatch's embedded
/// metric format each (`METRICS_EMF_SECS`): the `awslogs` driver carries it to CloudWatch
/// Logs, which turns it into metrics in `namespace` (docs "The app's metrics on AWS").
pub async fn emf_lines(every: Duration, namespace: String) {
    use std::io::Write;
    let mut tick = tokio::time::interval(every);
    tick.tick().await;
    loop {
        tick.tick().await;
        let at = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        let line = app::metrics::metrics().emf_line(&namespace, at);
        // One write of one line: the log driver never splits or interleaves it.
        let _ = writeln!(std::io::stdout().lock(), "{line}");
    }
}
