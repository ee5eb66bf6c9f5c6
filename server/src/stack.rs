//! The middleware stack every request passes through, outermost first.

use std::{collections::HashSet, sync::Arc};

use app::{
    config::Settings,
    error_page::{self, ErrorPages},
    limits::RateLimiter,
};
use axum::{
    extract::{MatchedPath, Request, State},
    http::{header, StatusCode},
    middleware::{from_fn, from_fn_with_state as with, Next},
    response::Response,
    Router,
};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};
use tower_sessions::SessionManagerLayer;

use crate::{
    page_cache::{self, PageCache},
    security::{self, CspNonce, Guard},
    store::Backend,
};

/// What the stack needs besides the app.
pub struct Parts {
    pub sessions: SessionManagerLayer<Backend>,
    pub guard: Arc<Guard>,
    pub error_pages: ErrorPages,
    pub page_cache: Arc<PageCache>,
    pub limiter: RateLimiter,
    pub settings: Arc<Settings>,
}

/// `app` inside every middleware, outermost first. They wrap the router once: with
/// `Router::layer` each route would get its own copy of the whole stack, cloned with the
/// page's handler and its state by every layer on every request (a tenth of a rendered page's
/// profile).
pub fn around(app: Router, p: Parts) -> Router {
    let known = known_routes(&p.error_pages);
    let absolute = p.settings.session.absolute.as_secs() as i64;
    let logo = match &p.settings.brand.logo {
        Some(app::branding::Logo::Url(u)) => url_origin(u),
        _ => None,
    };
    let guard = p.guard;
    let service = tower::ServiceBuilder::new()
        // An id per request, sent back too (logs and support tickets name it).
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        // The client's address (from X-Forwarded-For only behind trusted proxies).
        .layer(with(guard.clone(), security::set_client_ip))
        // One span per request: id, method, path (never the query), client.
        .layer(trace())
        // Pages and JSON compressed as sent (built assets come precompressed).
        .layer(
            CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(5))
                .compress_when(compressible),
        )
        // Requests counted by route, method and status.
        .layer(with(known, track))
        // The CSP nonce and the security headers, on every answer.
        .layer(with(logo, security::headers))
        // An allowed `return_to` kept in its cookie (before the cache answers a page).
        .layer(with(guard.clone(), crate::return_to::remember))
        // Accept-Language as the one locale of the app that answers it (zh-HK → zh-Hant).
        .layer(from_fn(security::normalise_languages))
        // Anonymous GETs of the public pages, from the cache (keyed by that locale).
        .layer(with(p.page_cache, page_cache::serve))
        // TRACE and TRACK refused.
        .layer(from_fn(security::refuse_trace))
        // State changes from other sites refused.
        .layer(with(guard.clone(), security::csrf))
        // Bodies within 64 KiB and the body timeout.
        .layer(with(guard.clone(), security::bounded_bodies))
        // A layer's bare 500 (the session store down) becomes the 503 page.
        .layer(with(guard, security::friendly_failures))
        // The server-side session of the cookie.
        .layer(p.sessions)
        // Sessions past their absolute lifetime ended.
        .layer(with(absolute, session_lifetime))
        // Every session write bounded (`app::session::RecordGuard`).
        .layer(with(p.limiter, guard_sessions))
        // The error pages server functions and handlers ask for.
        .layer(with(p.error_pages, error_page::answer::<CspNonce>))
        .service(app);
    Router::new().fallback_service(service)
}

/// Every path the app answers by name: its pages and its server functions (the metrics label
/// of an answer given before routing).
fn known_routes(error_pages: &ErrorPages) -> Arc<HashSet<String>> {
    let functions = leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string());
    Arc::new(error_pages.pages.iter().cloned().chain(functions).collect())
}

/// The request's span: its id, method, path (the query is never logged) and client address.
fn trace() -> TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    fn(&Request) -> tracing::Span,
    (),
> {
    TraceLayer::new_for_http()
        .make_span_with(request_span as fn(&Request) -> tracing::Span)
        .on_request(())
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
}

fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let ip = req
        .extensions()
        .get::<app::state::ClientIp>()
        .map(|c| c.0.to_string())
        .unwrap_or_default();
    tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = req.uri().path(),
        client_ip = %ip,
    )
}

/// `scheme://host[:port]` of an absolute URL.
fn url_origin(u: &str) -> Option<String> {
    let (scheme, rest) = u.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// Whether a response is worth compressing on the fly: HTML and JSON of some size.
fn compressible(
    _: StatusCode,
    _: http::Version,
    headers: &http::HeaderMap,
    _: &http::Extensions,
) -> bool {
    let kind = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let small = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n < 512);
    !small && (kind.starts_with("text/html") || kind.starts_with("application/json"))
}

/// Gives every request, whatever its route, the guard without which its session cannot be
/// written (`app::session::RecordGuard`: bounded values, new records per client).
async fn guard_sessions(
    State(limiter): State<RateLimiter>,
    mut req: Request,
    next: Next,
) -> Response {
    let ip = req
        .extensions()
        .get::<app::state::ClientIp>()
        .map(|c| c.0)
        .unwrap_or(std::net::Ipv4Addr::UNSPECIFIED.into());
    req.extensions_mut()
        .insert(app::session::RecordGuard::for_request(limiter, ip));
    next.run(req).await
}

/// Ends sessions older than the absolute lifetime before any handler sees them.
async fn session_lifetime(State(max_age): State<i64>, req: Request, next: Next) -> Response {
    if let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
        if session.id().is_some() {
            if let Ok(true) = app::session::enforce_lifetime(&session, max_age).await {
                tracing::info!("session ended: absolute lifetime reached");
            }
        }
    }
    next.run(req).await
}

/// Hands the route's pattern out with its answer, for [`track`] (which runs before routing).
pub async fn label_route(req: Request, next: Next) -> Response {
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let mut res = next.run(req).await;
    if let Some(m) = matched {
        res.extensions_mut().insert(m);
    }
    res
}

/// Counts each request by route, method and status. The route is the matched pattern, or for
/// an answer given before routing (a refused request, a cached page) the path when it is one
/// of the app's own (`known`), never any other raw path.
async fn track(
    axum::extract::State(known): axum::extract::State<Arc<std::collections::HashSet<String>>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    let fallback = if known.contains(path) {
        path.to_string()
    } else if path.starts_with("/pkg/") {
        "/pkg".into()
    } else {
        "unmatched".into()
    };
    let method = req.method().to_string();
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    let route = res
        .extensions()
        .get::<MatchedPath>()
        .map_or(fallback.as_str(), MatchedPath::as_str);
    app::metrics::metrics().request(route, &method, res.status().as_u16(), started.elapsed());
    res
}
