//! Protections applied to every request and response: the client IP behind trusted proxies,
//! CSRF checks on state-changing requests, security headers with a per-response CSP nonce,
//! `TRACE` refused, request bodies bounded, the language switch. Their refusals are error
//! pages (`app::error_page`).

use std::net::{IpAddr, SocketAddr};

use std::sync::Arc;

use app::error_page::Asker;
use app::{
    config::IpNet,
    error::AppError,
    error_page::{self, ErrorPages},
    state::ClientIp,
};
use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

/// The CSP nonce of this response (in request extensions; Leptos puts it on its scripts).
#[derive(Clone, Debug)]
pub struct CspNonce(pub String);

/// What the middlewares need from the settings.
#[derive(Clone, Debug)]
pub struct Guard {
    pub public_origin: String,
    pub trusted_proxies: Vec<IpNet>,
    pub secure_cookies: bool,
    /// The error pages, and the app's own page paths (the only places a redirect may send
    /// the browser back to).
    pub error_pages: ErrorPages,
    /// How long a request body may take to arrive.
    pub body_timeout: std::time::Duration,
    /// The operator's app and the origins a `return_to` may lead to (`crate::return_to`).
    pub app: Option<app::config::OperatorApp>,
}

/// The largest request body accepted: every form of the app fits in far less (a username of
/// 128 characters, passwords of 256, a code, a few attributes of up to 2048, all encoded).
pub const MAX_BODY: usize = 64 * 1024;

/// Reads every request body up front, within [`MAX_BODY`] and the body timeout, before any
/// session or server function sees it: a larger body is answered 413 without being read to
/// the end, a body slower than the timeout (or shorter than it said) 408.
pub async fn bounded_bodies(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let guard: &Guard = &guard;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") && !v.contains("text/html"));
    let back = req
        .headers()
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.strip_prefix(guard.public_origin.as_str()))
        .map(|p| p.split(['?', '#']).next().unwrap_or("/"));
    let back = guard.error_pages.back(back).to_string();
    let asker = Asker::of::<CspNonce>(&req);
    let refuse = |status: StatusCode, error: AppError| async move {
        tracing::warn!(status = status.as_u16(), "request body refused");
        if wants_json {
            let mut res = error_page::json(&error);
            *res.status_mut() = status;
            res
        } else {
            guard.error_pages.page(status, error, &back, &asker).await
        }
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge).await;
    }
    let (parts, body) = req.into_parts();
    match tokio::time::timeout(guard.body_timeout, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Ok(Err(_)) if declared.is_none() => {
            refuse(StatusCode::PAYLOAD_TOO_LARGE, AppError::TooLarge).await
        }
        Ok(Err(_)) => refuse(StatusCode::BAD_REQUEST, AppError::BadRequest).await,
        Err(_) => refuse(StatusCode::REQUEST_TIMEOUT, AppError::BadRequest).await,
    }
}

/// The client's address: the peer, unless the peer is a trusted proxy, in which case the
/// right-most `X-Forwarded-For` entry that is not itself a trusted proxy. A header from an
/// untrusted peer is ignored, so clients cannot choose their own rate-limit key.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut hops: Vec<IpAddr> = Vec::new();
    for v in headers.get_all("x-forwarded-for") {
        let Ok(v) = v.to_str() else { return peer };
        for part in v.split(',') {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => hops.push(ip),
                // A malformed hop: nothing left of it can be believed.
                Err(_) => hops.clear(),
            }
        }
    }
    hops.into_iter()
        .rev()
        .find(|ip| !is_trusted(*ip))
        .unwrap_or(peer)
}

/// Puts [`ClientIp`] into the request's extensions.
pub async fn set_client_ip(
    State(guard): State<Arc<Guard>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
        .unwrap_or(IpAddr::from([127, 0, 0, 1]));
    let ip = client_ip(peer, req.headers(), &guard.trusted_proxies);
    req.extensions_mut().insert(ClientIp(ip));
    next.run(req).await
}

/// Whether a state-changing request comes from our own pages: `Sec-Fetch-Site` is
/// `same-origin` or `none` (typed by the user), else `Origin` equals the public origin.
/// `Origin: null` and requests with neither header are refused.
pub fn csrf_allows(headers: &HeaderMap, public_origin: &str) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if site == "same-origin" || site == "none" {
            return true;
        }
    }
    headers
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|o| o == public_origin)
}

/// Refuses cross-site state-changing requests with a readable 403 page.
pub async fn csrf(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD)
        || csrf_allows(req.headers(), &guard.public_origin)
    {
        return next.run(req).await;
    }
    let ip = req
        .extensions()
        .get::<ClientIp>()
        .map(|c| c.0)
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    tracing::warn!(
        target: "audit",
        event = "csrf_refused",
        outcome = "refused",
        client_ip = %ip,
        user = "-",
        path = req.uri().path(),
        origin = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).unwrap_or("-"),
        sec_fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok()).unwrap_or("-"),
        "audit"
    );
    guard
        .error_pages
        .page(
            StatusCode::FORBIDDEN,
            AppError::CrossSite,
            "/",
            &Asker::of::<CspNonce>(&req),
        )
        .await
}

/// Rewrites `Accept-Language` to the one locale of the app that answers it best
/// (`app::text::negotiate`: q-values, `zh-HK` → `zh-Hant`, `nb-NO` → `nb`, `fr-CA` → `fr`), for
/// every part of the app alike: the pages, the error pages and the page cache (which then keeps
/// one copy per language, not one per header a browser can send).
pub async fn normalise_languages(mut req: Request, next: Next) -> Response {
    if let Some(v) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    {
        let best = app::text::code(app::text::negotiate(v));
        req.headers_mut()
            .insert(header::ACCEPT_LANGUAGE, HeaderValue::from_static(best));
    }
    next.run(req).await
}

/// `GET /language/{code}?back=/path`: keeps the chosen language in a cookie and goes back to
/// the page (a plain link, so the switcher works without JavaScript).
pub async fn choose_language(
    State(guard): State<Arc<Guard>>,
    axum::extract::Path(code): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Response {
    let back = guard
        .error_pages
        .back(q.get("back").map(String::as_str))
        .to_string();
    let Some(l) = app::text::parse_locale(&code) else {
        // The error page, in the visitor's language, with the way back.
        return error_page::response(&AppError::BadRequest, &back, Some(StatusCode::NOT_FOUND));
    };
    let cookie = app::text::lang_cookie(l, guard.secure_cookies);
    let mut res = (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().insert(header::SET_COOKIE, v);
    }
    res
}

/// `TRACE` (and `TRACK`) are answered 405 everywhere.
pub async fn refuse_trace(req: Request, next: Next) -> Response {
    if req.method() == Method::TRACE || req.method().as_str() == "TRACK" {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD, POST")],
            "method not allowed",
        )
            .into_response();
    }
    next.run(req).await
}

/// A fresh CSP nonce: 16 random bytes, base64url.
pub fn new_nonce() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 16]>())
}

/// The Content-Security-Policy for a response with `nonce` (and a logo from `img_origin`).
pub fn csp(nonce: &str, img_origin: Option<&str>) -> String {
    let img = img_origin.map(|o| format!(" {o}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:{img}; font-src 'self'; connect-src 'self'; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
    )
}

/// Whether `path` is a built asset with a content hash in its name (`reset.<hash>.wasm`):
/// its content never changes under that name, so it may be cached for good.
fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[parts.len() - 2].len() >= 16
        && parts[parts.len() - 2]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Whether `path` is a static file (built assets and `public/`), which may be cached.
fn is_static(path: &str) -> bool {
    path.starts_with("/pkg/")
        || path
            .rsplit('/')
            .next()
            .is_some_and(|last| last.contains('.'))
}

/// Gives each request a CSP nonce and every response the security headers.
pub async fn headers(
    State(img_origin): State<Option<String>>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = new_nonce();
    req.extensions_mut().insert(CspNonce(nonce.clone()));
    let is_static = is_static(req.uri().path());
    let immutable = is_hashed_asset(req.uri().path());
    let mut res = next.run(req).await;
    let cacheable = is_static && res.status().is_success();
    let h = res.headers_mut();
    let set = |h: &mut HeaderMap, k: &'static str, v: &str| {
        if let Ok(v) = HeaderValue::from_str(v) {
            h.insert(k, v);
        }
    };
    set(
        h,
        "content-security-policy",
        &csp(&nonce, img_origin.as_deref()),
    );
    set(
        h,
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    );
    set(h, "x-content-type-options", "nosniff");
    // A handler may ask for less (the reset link: `no-referrer`).
    if !h.contains_key("referrer-policy") {
        set(h, "referrer-policy", "same-origin");
    }
    set(h, "cross-origin-opener-policy", "same-origin");
    set(h, "cross-origin-resource-policy", "same-origin");
    set(h, "x-frame-options", "DENY");
    set(
        h,
        "permissions-policy",
        "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), fullscreen=(), geolocation=(), gyroscope=(), hid=(), magnetometer=(), microphone=(), midi=(), payment=(), publickey-credentials-create=(self), publickey-credentials-get=(self), screen-wake-lock=(), serial=(), usb=(), xr-spatial-tracking=(), interest-cohort=()",
    );
    // Pages are never cached (they carry one-time state); hashed assets are cached for a
    // year; other files (favicon, logo) are revalidated with their ETag.
    if !cacheable {
        set(h, "cache-control", "no-store");
    } else if immutable {
        set(h, "cache-control", "public, max-age=31536000, immutable");
    } else {
        set(h, "cache-control", "no-cache");
    }
    res
}

/// A bare 500 from a layer (tower-sessions answers one when the session store fails while
/// saving) becomes the friendly "temporarily unavailable" page with 503.
pub async fn friendly_failures(
    State(guard): State<Arc<Guard>>,
    req: Request,
    next: Next,
) -> Response {
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json") && !v.contains("text/html"));
    let asker = Asker::of::<CspNonce>(&req);
    let res = next.run(req).await;
    // Every rendered page spawns leptos_i18n's isomorphic effect; a page that renders
    // without waiting (a 404, a redirect) could otherwise finish its body before that task
    // first ran (see `app::error_page`).
    tokio::task::yield_now().await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    tracing::error!("a layer answered 500 without a body (session store down?)");
    if wants_json {
        return error_page::json(&AppError::Unavailable);
    }
    guard
        .error_pages
        .page(
            StatusCode::SERVICE_UNAVAILABLE,
            AppError::Unavailable,
            "/",
            &asker,
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(v: &[&str]) -> Vec<IpNet> {
        v.iter().map(|s| IpNet::parse(s).unwrap()).collect()
    }

    fn xff(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn only_content_hashed_assets_are_immutable() {
        assert!(is_hashed_asset("/pkg/reset.Xk3v9_aB-cDeFgHiJkLmNo.wasm"));
        assert!(is_hashed_asset("/pkg/reset.Xk3v9_aB-cDeFgHiJkLmNo.css"));
        assert!(!is_hashed_asset("/pkg/reset.wasm"));
        assert!(!is_hashed_asset("/pkg/reset.short.js"));
        assert!(!is_hashed_asset("/favicon.Xk3v9_aB-cDeFgHiJkLmNo.svg"));
        assert!(!is_hashed_asset("/pkg/reset.Xk3v9_aB/cDeFgHiJkLmNo.js"));
    }

    #[test]
    fn a_spoofed_header_from_an_untrusted_peer_is_ignored() {
        let peer: IpAddr = "203.0.113.9".parse().unwrap();
        let ip = client_ip(peer, &xff("1.2.3.4"), &nets(&["10.0.0.0/8"]));
        assert_eq!(ip, peer);
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() {
        let lb: IpAddr = "10.0.0.5".parse().unwrap();
        let trusted = nets(&["10.0.0.0/8"]);
        // The client put a fake first entry; the proxy appended the real address.
        let ip = client_ip(lb, &xff("1.2.3.4, 198.51.100.7, 10.0.0.2"), &trusted);
        assert_eq!(ip, "198.51.100.7".parse::<IpAddr>().unwrap());
        // No header: the proxy itself.
        assert_eq!(client_ip(lb, &HeaderMap::new(), &trusted), lb);
        // Garbage after the real hop invalidates what came before it.
        let ip = client_ip(lb, &xff("198.51.100.7, nonsense"), &trusted);
        assert_eq!(ip, lb);
    }

    #[test]
    fn csrf_needs_same_origin_or_the_public_origin() {
        let origin = "https://reset.example.com";
        let mut h = HeaderMap::new();
        assert!(!csrf_allows(&h, origin), "no headers at all");
        h.insert("sec-fetch-site", HeaderValue::from_static("same-origin"));
        assert!(csrf_allows(&h, origin));
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(!csrf_allows(&h, origin));
        h.insert("origin", HeaderValue::from_static("https://evil.example"));
        assert!(!csrf_allows(&h, origin));
        h.insert("origin", HeaderValue::from_static("null"));
        assert!(!csrf_allows(&h, origin));
        h.insert(
            "origin",
            HeaderValue::from_static("https://reset.example.com"),
        );
        assert!(csrf_allows(&h, origin));
    }

    #[test]
    fn the_csp_has_the_nonce_and_the_required_directives() {
        let c = csp("abc", None);
        assert!(csp("abc", Some("https://cdn.example.com"))
            .contains("img-src 'self' data: https://cdn.example.com;"));
        for d in [
            "'nonce-abc'",
            "'wasm-unsafe-eval'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(c.contains(d), "{d}");
        }
        assert!(!c.contains("unsafe-inline"));
        assert_ne!(new_nonce(), new_nonce());
    }
}
