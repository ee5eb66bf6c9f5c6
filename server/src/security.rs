//! Protections applied to every request and response: the client IP behind trusted proxies,
//! CSRF checks on state-changing requests, security headers with a per-response CSP nonce,
//! `TRACE` refused, and plain error pages for forms posted without JavaScript.

use std::net::{IpAddr, SocketAddr};

use std::{future::Future, pin::Pin, sync::Arc};

use app::{
    config::IpNet,
    error::AppError,
    flow::ctx::{ErrorPage, ERROR_PAGE_HEADER},
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

/// Renders the app's shell for a request (Leptos' handler); used for the error pages, so
/// they look like every other page (stylesheet, branding, language).
type Render = dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync;

/// The error pages of the middlewares below, rendered through the app's own shell.
#[derive(Clone)]
pub struct ErrorPages(pub Arc<Render>);

impl std::fmt::Debug for ErrorPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErrorPages")
    }
}

impl ErrorPages {
    /// The page for `error` (with `status`), in the language `from` asks for, with a way
    /// `back` (one of the app's pages). No script: nothing on it needs one.
    pub async fn page(
        &self,
        status: StatusCode,
        error: AppError,
        back: &str,
        from: &Asker,
    ) -> Response {
        let mut req = Request::new(Body::empty());
        *req.uri_mut() = axum::http::Uri::from_static("/__error");
        *req.headers_mut() = from.headers.clone();
        if let Some(n) = &from.nonce {
            req.extensions_mut().insert(n.clone());
        }
        req.extensions_mut().insert(ErrorPage {
            error,
            back: back.to_string(),
        });
        let render = self.0.clone();
        // At most a few error pages render at once (each on its own thread, see below); more
        // wait their turn.
        static RENDERERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
        let Ok(_turn) = RENDERERS.acquire().await else {
            return (status, "error").into_response();
        };
        // The page renders on a thread of its own, in a runtime of its own with one thread:
        // every task the render spawns (leptos_i18n's isomorphic effect among them) runs there
        // and nowhere else. An error page renders without ever waiting, so on the shared
        // runtime its body could reach its end (where the render's owner is disposed) before,
        // or while, another worker first ran that effect, which then read a disposed signal
        // and panicked (the second review's "tried to access a reactive value … already been
        // disposed"). Here one yield runs it, alone, while everything it reads is alive; then
        // the page is rendered to the end, so a client leaving mid-page leaves no render
        // behind. An error page is a few KiB.
        let rendered = tokio::task::spawn_blocking(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async move {
                let (parts, body) = render(req).await.into_parts();
                tokio::task::yield_now().await;
                axum::body::to_bytes(body, 1 << 20)
                    .await
                    .map(|bytes| (parts, bytes))
                    .map_err(|e| e.to_string())
            })
        })
        .await;
        let (mut parts, body) = match rendered {
            Ok(Ok((parts, bytes))) => (parts, Body::from(bytes)),
            Ok(Err(e)) => {
                tracing::error!(error = %e, "an error page could not be rendered");
                return (status, "error").into_response();
            }
            Err(e) => {
                tracing::error!(error = %e, "an error page could not be rendered");
                return (status, "error").into_response();
            }
        };
        parts.status = status;
        parts.headers.remove(header::CONTENT_LENGTH);
        Response::from_parts(parts, body)
    }
}

/// What an error page takes from the request it answers: the language headers and the
/// response's CSP nonce.
#[derive(Clone, Debug)]
pub struct Asker {
    headers: HeaderMap,
    nonce: Option<CspNonce>,
}

impl Asker {
    pub fn of(req: &Request) -> Asker {
        let mut headers = HeaderMap::new();
        for name in [header::ACCEPT_LANGUAGE, header::COOKIE] {
            for v in req.headers().get_all(&name) {
                headers.append(name.clone(), v.clone());
            }
        }
        Asker {
            headers,
            nonce: req.extensions().get::<CspNonce>().cloned(),
        }
    }
}

/// What the middlewares need from the settings.
#[derive(Clone, Debug)]
pub struct Guard {
    pub public_origin: String,
    pub trusted_proxies: Vec<IpNet>,
    pub secure_cookies: bool,
    /// The app's own page paths: the only places a redirect may send the browser back to.
    pub pages: Arc<std::collections::HashSet<String>>,
    pub error_pages: ErrorPages,
    /// How long a request body may take to arrive.
    pub body_timeout: std::time::Duration,
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
    let back = safe_back(back, &guard.pages).to_string();
    let asker = Asker::of(&req);
    let refuse = |status: StatusCode, error: AppError| async move {
        tracing::warn!(status = status.as_u16(), "request body refused");
        if wants_json {
            let mut res = json_error(&error);
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

/// `back` when it is exactly one of the app's own pages, else `/`. Anything else (other
/// origins, `//host`, `/\host`, control characters, encoded tricks) could send the browser
/// off-site, so it is not parsed or repaired, only compared.
pub fn safe_back<'a>(back: Option<&'a str>, pages: &std::collections::HashSet<String>) -> &'a str {
    match back {
        Some(b) if pages.contains(b) => b,
        _ => "/",
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
            &Asker::of(&req),
        )
        .await
}

/// Rewrites `Accept-Language` so region-named Chinese and plain Portuguese match the app's
/// locales (see `app::text::normalise_tag`), for every part of the app alike.
pub async fn normalise_languages(mut req: Request, next: Next) -> Response {
    if let Some(v) = req
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
    {
        if let Ok(n) = HeaderValue::from_str(&app::text::normalise_accept_language(v)) {
            req.headers_mut().insert(header::ACCEPT_LANGUAGE, n);
        }
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
    let back = safe_back(q.get("back").map(String::as_str), &guard.pages).to_string();
    let Some(l) = app::text::parse_locale(&code) else {
        // The error page, in the visitor's language, with the way back.
        return app::flow::ctx::error_page_response(
            &AppError::BadRequest,
            &back,
            Some(StatusCode::NOT_FOUND),
        );
    };
    let cookie = format!(
        "{}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{}",
        app::text::LANG_COOKIE,
        app::text::code(l),
        if guard.secure_cookies { "; Secure" } else { "" }
    );
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

/// Turns a server function's "answer with a page" marker (JavaScript off) into that page, and
/// gives server-function errors the status their `AppError` calls for (including errors raised
/// before the function body ran, which Leptos answers with 500).
pub async fn error_pages(State(guard): State<Arc<Guard>>, req: Request, next: Next) -> Response {
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let is_api = req.uri().path().starts_with("/api/");
    let asker = Asker::of(&req);
    let res = next.run(req).await;
    // Every rendered page spawns leptos_i18n's isomorphic effect; a page that renders
    // without waiting (a 404, a redirect) could otherwise finish its body before that task
    // first ran (see `ErrorPages::page`).
    tokio::task::yield_now().await;
    if let Some(v) = res.headers().get(ERROR_PAGE_HEADER) {
        let parsed: Option<ErrorPage> = v.to_str().ok().and_then(|s| serde_json::from_str(s).ok());
        let retry_after = res.headers().get(header::RETRY_AFTER).cloned();
        let status = res.status();
        if let Some(p) = parsed {
            let back = safe_back(Some(&p.back), &guard.pages).to_string();
            let mut out = guard.error_pages.page(status, p.error, &back, &asker).await;
            // The session cookie of a record kept for "Go back" must reach the browser.
            for c in res.headers().get_all(header::SET_COOKIE) {
                out.headers_mut().append(header::SET_COOKIE, c.clone());
            }
            if let Some(r) = retry_after {
                out.headers_mut().insert(header::RETRY_AFTER, r);
            }
            return out;
        }
    }
    if is_api && wants_html {
        // Never let an error travel in a URL (Leptos' `?__err=` redirect for plain forms).
        let leaks = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.contains("__err"));
        if leaks {
            return guard
                .error_pages
                .page(StatusCode::BAD_REQUEST, AppError::BadRequest, "/", &asker)
                .await;
        }
    }
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, 64 * 1024)
        .await
        .unwrap_or_default();
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = e.status();
    }
    Response::from_parts(parts, Body::from(bytes))
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
    let asker = Asker::of(&req);
    let res = next.run(req).await;
    // Every rendered page spawns leptos_i18n's isomorphic effect; a page that renders
    // without waiting (a 404, a redirect) could otherwise finish its body before that task
    // first ran (see `ErrorPages::page`).
    tokio::task::yield_now().await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || res.headers().contains_key(header::CONTENT_TYPE)
    {
        return res;
    }
    tracing::error!("a layer answered 500 without a body (session store down?)");
    if wants_json {
        return json_error(&AppError::Unavailable);
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

/// `error` as a server function answers it to JavaScript: its status and its JSON.
pub fn json_error(error: &AppError) -> Response {
    let body = serde_json::to_string(error).unwrap_or_default();
    (
        error.status(),
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
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
