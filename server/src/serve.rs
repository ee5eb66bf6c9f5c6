//! Serving: connections bounded (header timeout, per client, in all), graceful shutdown.

use std::{sync::Arc, time::Duration};

use app::config::Settings;
use axum::{extract::Request, Router};

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}

/// How connections are held: see `HTTP_HEADER_TIMEOUT_SECS`, `MAX_CONNECTIONS` and
/// `MAX_CONNECTIONS_PER_CLIENT`.
#[derive(Clone, Copy, Debug)]
pub struct Connections {
    /// Time allowed for a request's headers, and for an idle keep-alive connection.
    pub header_timeout: Duration,
    /// Open connections at once; more are closed as soon as they are accepted.
    pub max: usize,
    /// Open connections at once from one peer address.
    pub per_client: usize,
}

impl Connections {
    pub fn from_settings(settings: &Settings) -> Self {
        Connections {
            header_timeout: settings.http.header_timeout,
            max: settings.http.max_connections,
            per_client: settings.http.max_connections_per_client,
        }
    }
}

impl Default for Connections {
    fn default() -> Self {
        Connections {
            header_timeout: Duration::from_secs(10),
            max: 1024,
            per_client: 256,
        }
    }
}

/// Open connections per peer address; a [`ClientSlot`] gives its one back when dropped.
#[derive(Clone, Default)]
struct PerClient(Arc<std::sync::Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>);

struct ClientSlot {
    table: PerClient,
    ip: std::net::IpAddr,
}

impl PerClient {
    /// A slot for `ip`, unless it already holds `max`.
    fn take(&self, ip: std::net::IpAddr, max: usize) -> Option<ClientSlot> {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = t.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(ClientSlot {
            table: self.clone(),
            ip,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut t = self.table.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = t.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                t.remove(&self.ip);
            }
        }
    }
}

/// Serves `router` on `listener` until `stop` resolves; then stops accepting, lets in-flight
/// requests finish for at most `grace`, and returns. Connections that are slow to send their
/// headers, or idle for `header_timeout`, are closed; past `conns.max` open connections, new
/// ones are closed at once (a load balancer retries them on another instance).
pub async fn serve_until(
    listener: tokio::net::TcpListener,
    router: Router,
    stop: impl std::future::Future<Output = ()> + Send + 'static,
    grace: Duration,
    conns: Connections,
) -> std::io::Result<()> {
    // HTTP/1.1 only: what browsers and load balancers speak to an app behind TLS
    // termination, and the header timeout then holds from the first byte (a protocol
    // sniffing step would wait on a silent connection without one).
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(conns.header_timeout);
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let admission = Admission {
        permits: Arc::new(tokio::sync::Semaphore::new(conns.max)),
        clients: PerClient::default(),
        conns,
    };
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Some(held) = admission.admit(peer.ip()) else {
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = graceful.watch(builder.serve_connection(
            hyper_util::rt::TokioIo::new(stream),
            service(router.clone(), peer),
        ));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(held);
        });
    }
    drop(listener);
    tracing::info!("shutting down: no new connections; finishing requests in flight");
    tokio::select! {
        _ = graceful.shutdown() => Ok(()),
        _ = tokio::time::sleep(grace) => {
            tracing::warn!("shutdown grace period over; closing the remaining connections");
            Ok(())
        }
    }
}

/// The router as hyper's service for one connection from `peer`.
fn service(
    router: Router,
    peer: std::net::SocketAddr,
) -> impl hyper::service::Service<
    Request<hyper::body::Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future = impl Send,
> + Clone {
    use tower::ServiceExt;
    hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
        req.extensions_mut()
            .insert(axum::extract::ConnectInfo(peer));
        router.clone().oneshot(req.map(axum::body::Body::new))
    })
}

/// Who may open a connection: within `conns.max` in all and `conns.per_client` per address.
struct Admission {
    permits: Arc<tokio::sync::Semaphore>,
    clients: PerClient,
    conns: Connections,
}

impl Admission {
    /// The places a new connection from `ip` holds while open, or `None` (counted and logged)
    /// when a limit is reached.
    fn admit(
        &self,
        ip: std::net::IpAddr,
    ) -> Option<(ClientSlot, tokio::sync::OwnedSemaphorePermit)> {
        let Some(slot) = self.clients.take(ip, self.conns.per_client) else {
            app::metrics::metrics().connection_refused();
            tracing::warn!(
                max = self.conns.per_client,
                client_ip = %ip,
                "connection limit of one client reached: connection closed"
            );
            return None;
        };
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            app::metrics::metrics().connection_refused();
            tracing::warn!(
                max = self.conns.max,
                "connection limit reached: connection closed"
            );
            return None;
        };
        Some((slot, permit))
    }
}

/// Serves `router` on `listener` until SIGTERM/SIGINT (tests spawn it on port 0).
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    conns: Connections,
) -> std::io::Result<()> {
    serve_until(
        listener,
        router,
        shutdown_signal(),
        Duration::from_secs(20),
        conns,
    )
    .await
}
