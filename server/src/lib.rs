//! The axum server: builds the shared state and the `Router` (so tests can spawn it on any
//! port) and runs it.

use std::{sync::Arc, time::Duration};

use app::{
    cognito::Cognito,
    config::{SessionStoreKind, Settings},
    limits::{LimitStore, MemoryLimits},
    shell,
    state::AppState,
    App, Branding,
};
use axum::{
    extract::{MatchedPath, Request},
    handler::Handler,
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    services::ServeDir,
    trace::TraceLayer,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub mod admin;
pub mod health;
pub mod page_cache;
pub mod security;
pub mod store;

/// Leptos' options: from the `LEPTOS_*` variables cargo-leptos sets, else defaults that fit
/// this workspace; the listen address always comes from the settings.
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    let hash_file = hash_file();
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "reset"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(settings.http.listen_addr)
        .hash_files(hash_file.is_some())
        .hash_file(
            hash_file
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|| "hash.txt".into())
                .into(),
        )
        .env(if env("LEPTOS_ENV", "DEV").eq_ignore_ascii_case("PROD") {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .build()
}

/// The `hash.txt` cargo-leptos writes when it gives the built assets content-hashed names:
/// `LEPTOS_HASH_FILE`, else beside the executable (where cargo-leptos puts it), else one
/// level up (test and example binaries live in `target/<profile>/deps|examples`).
/// Absolute, as Leptos joins it onto the executable's directory.
fn hash_file() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("LEPTOS_HASH_FILE") {
        let p = std::path::PathBuf::from(p);
        return p.is_file().then(|| std::path::absolute(&p).unwrap_or(p));
    }
    let exe = std::env::current_exe().ok()?;
    let dir = exe.parent()?;
    [dir.join("hash.txt"), dir.parent()?.join("hash.txt")]
        .into_iter()
        .find(|p| p.is_file())
}

/// Everything the router needs: the app state, the session store, the readiness checks.
#[derive(Clone)]
pub struct Services {
    pub state: AppState,
    pub sessions: store::Backend,
    pub ready: Readiness,
}

/// Builds the services from the settings: the session and rate-limit stores, the Cognito
/// client and the password policy in force.
pub async fn build(settings: Settings, leptos_options: LeptosOptions) -> Result<Services, String> {
    let (sessions, limits, redis): (store::Backend, Arc<dyn LimitStore>, _) = match &settings
        .session
        .store
    {
        SessionStoreKind::Memory => (
            store::Backend::Memory(store::memory_store()),
            Arc::new(MemoryLimits::default()),
            None,
        ),
        SessionStoreKind::Redis(url) => {
            let pool = store::redis_pool(url, Duration::from_secs(2))?;
            (
                store::Backend::Redis(tower_sessions_redis_store::RedisStore::new(pool.clone())),
                Arc::new(store::RedisLimits(pool.clone())),
                Some(pool),
            )
        }
    };
    let cognito = Cognito::from_settings(&settings).await;
    let (policy, features) = app::state::pool_in_force(&cognito, &settings).await;
    if let Some(w) = settings.brand.colour.as_ref().and_then(|c| c.warning()) {
        tracing::warn!("{w}");
    }
    if settings.server_secret.is_none() {
        tracing::warn!("SERVER_SECRET is not set: using a random key for this process; set it (the same on every instance) when running more than one");
    }
    let ready = Readiness {
        redis,
        cognito: settings.cognito.endpoint.clone(),
    };
    let mailer = app::mailer::Mailer::from_settings(&settings).await;
    let state = AppState::new(settings, cognito, policy, leptos_options, limits)
        .with_mailer(mailer)
        .with_features(features);
    Ok(Services {
        state,
        sessions,
        ready,
    })
}

/// Readiness: the session store answers and the Cognito endpoint accepts connections.
#[derive(Clone)]
pub struct Readiness {
    redis: Option<fred::clients::Pool>,
    cognito: (String, u16),
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

/// The app's routes, listed once per process. Listing them runs the app with resource loading
/// suppressed process-wide (leptos_server's `SuppressResourceLoad`, leptos issue #4773): a
/// page another thread rendered meanwhile would wait for ever. Tests build many routers in one
/// process; a server builds one before it serves.
///
/// Listing renders the app once, and nothing that render spawns is meant to run: it runs on a
/// thread and a one-thread runtime of its own, dropped right after, so no task it spawned
/// outlives it (leptos_i18n's isomorphic effect, polled after the listing's owner was
/// disposed, once panicked at start-up: "already been disposed").
fn app_routes() -> Vec<AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES
        .get_or_init(|| {
            std::thread::scope(|s| {
                s.spawn(|| {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("a runtime for the route listing");
                    rt.block_on(async { generate_route_list(App) })
                })
                .join()
                .expect("the route listing")
            })
        })
        .clone()
}

/// The whole app as a `Router`.
pub fn router(services: Services) -> Router {
    let Services {
        state,
        sessions,
        ready,
    } = services;
    let routes = app_routes();
    let pages: std::collections::HashSet<String> = routes
        .iter()
        .map(|r| r.path().to_string())
        .filter(|p| !p.contains(['{', ':', '*']))
        .collect();
    let page_cache = page_cache::PageCache::new(
        pages
            .iter()
            .filter(|p| page_cache::PUBLIC_PAGES.contains(&p.as_str()))
            .cloned(),
    );
    let settings = state.settings.clone();
    let sessions = SessionManagerLayer::new(sessions)
        .with_name(settings.cookie_name())
        .with_secure(settings.session.cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(settings.session.idle.as_secs() as i64),
        ));

    let brand = Branding {
        product_name: settings.brand.product_name.as_str().into(),
        support_url: settings.brand.support_url.as_deref().map(Into::into),
        logo: settings.brand.logo.as_ref().map(|l| l.src().into()),
        styled: settings.brand.colour.is_some(),
    };
    let context = {
        let state = state.clone();
        let brand = brand.clone();
        move || {
            provide_context(state.clone());
            provide_context(brand.clone());
            // The response's CSP nonce, for the scripts Leptos writes.
            let nonce = use_context::<http::request::Parts>()
                .and_then(|p| p.extensions.get::<security::CspNonce>().cloned());
            if let Some(n) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(n.0));
            }
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        let brand = brand.clone();
        move || shell(options.clone(), brand.clone())
    };
    // The middlewares' error pages go through the same shell as every page.
    let render =
        leptos_axum::render_app_to_stream_with_context(context.clone(), render_shell.clone());
    let error_pages = app::error_page::ErrorPages {
        render: Arc::new(render),
        pages: Arc::new(pages),
    };
    let guard = Arc::new(security::Guard {
        public_origin: settings.http.public_origin.clone(),
        trusted_proxies: settings.http.trusted_proxies.clone(),
        secure_cookies: settings.session.cookie_secure,
        error_pages: error_pages.clone(),
        body_timeout: settings.http.body_timeout,
    });
    let absolute = settings.session.absolute.as_secs() as i64;
    let limiter = state.limiter.clone();
    let logo_origin = match &settings.brand.logo {
        Some(app::branding::Logo::Url(u)) => url_origin(u),
        _ => None,
    };

    let ops_here = settings.ops.metrics_addr.is_none();
    let router = if ops_here {
        ops_router::<AppState>(ready)
    } else {
        Router::<AppState>::new().route("/healthz", get(healthz))
    };
    let mut router = router.merge(brand_routes(&settings));
    for path in HANDLER_ROUTES {
        router = router.route(path, handler_route(path, &guard));
    }
    let app = router
        // Built assets: brotli or gzip files written next to them at build time are sent
        // as they are (no compression work per request).
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            ServeDir::new(format!(
                "{}/{}",
                state.leptos_options.site_root, state.leptos_options.site_pkg_dir
            ))
            .precompressed_br()
            .precompressed_gzip(),
        )
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell.clone())
        .route_layer(middleware::from_fn(label_route))
        // Files of the site root (favicon, logo) are served here, not by Leptos' file
        // handler: that one reads its response options from the reactive owner current on
        // the thread, which can be another request's render, and so sent a static file with
        // another visitor's status and cookies (`lang=ar` switched people's language). What
        // is not a file is the not-found page, rendered like every page.
        .fallback_service(
            ServeDir::new(state.leptos_options.site_root.to_string()).fallback(
                leptos_axum::render_app_to_stream_with_context(context, render_shell)
                    .with_state(state.clone()),
            ),
        )
        .with_state(state);
    // The middlewares wrap the router once, outermost first. (With `Router::layer` each route
    // would get its own copy of the whole stack, cloned with the page's handler and its state
    // by every layer on every request; that was a tenth of a rendered page's profile.)
    let known_routes: Arc<std::collections::HashSet<String>> = Arc::new(
        error_pages
            .pages
            .iter()
            .cloned()
            .chain(leptos::server_fn::axum::server_fn_paths().map(|(p, _)| p.to_string()))
            .collect(),
    );
    let service = tower::ServiceBuilder::new()
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::set_client_ip,
        ))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request| {
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
                    // The path only: query strings are not logged.
                    tracing::info_span!(
                        "request",
                        request_id = %id,
                        method = %req.method(),
                        path = req.uri().path(),
                        client_ip = %ip,
                    )
                })
                .on_request(())
                .on_response(
                    tower_http::trace::DefaultOnResponse::new().level(tracing::Level::INFO),
                ),
        )
        // Pages and server-function answers are compressed as they are sent (built assets
        // come precompressed, see `/pkg` above).
        .layer(
            CompressionLayer::new()
                .quality(tower_http::CompressionLevel::Precise(5))
                .compress_when(compressible),
        )
        .layer(middleware::from_fn_with_state(known_routes, track))
        .layer(middleware::from_fn_with_state(
            logo_origin,
            security::headers,
        ))
        .layer(middleware::from_fn_with_state(
            page_cache,
            page_cache::serve,
        ))
        .layer(middleware::from_fn(security::normalise_languages))
        .layer(middleware::from_fn(security::refuse_trace))
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::csrf,
        ))
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::bounded_bodies,
        ))
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::friendly_failures,
        ))
        .layer(sessions)
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            session_lifetime(absolute, req, next)
        }))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            guard_sessions(limiter.clone(), req, next)
        }))
        .layer(middleware::from_fn_with_state(
            error_pages,
            app::error_page::answer::<security::CspNonce>,
        ))
        .service(app);
    Router::new().fallback_service(service)
}

/// Where the language switch is (`/language/<code>?back=<page>`).
pub const LANGUAGE: &str = "/language/{code}";

/// The routes answered by plain axum handlers (all `GET`), besides the pages, the server
/// functions, `/pkg` and the operator routes. The router serves exactly these (see
/// [`handler_route`]), and the tests' route walk reads them from here.
pub const HANDLER_ROUTES: [&str; 3] = [app::paths::RESET_LINK, app::paths::NOT_ME_LINK, LANGUAGE];

/// `/healthz`, `/metrics` and `/readyz` (on the public router unless `METRICS_ADDR` is set).
pub const OPS_ROUTES: [&str; 3] = ["/healthz", "/metrics", "/readyz"];

fn handler_route(
    path: &str,
    guard: &Arc<security::Guard>,
) -> axum::routing::MethodRouter<AppState> {
    match path {
        app::paths::RESET_LINK => get(app::reset::link::ssr::handler),
        app::paths::NOT_ME_LINK => get(app::not_me::ssr::handler),
        LANGUAGE => get(security::choose_language).with_state(guard.clone()),
        other => unreachable!("no handler for {other}"),
    }
}

/// Every route the router knows, with its method: the pages (GET), the server functions
/// (their own method), the handler routes and the operator routes (GET), and the brand
/// routes `settings` asks for. The route walk in the tests covers each.
pub fn every_route(settings: &Settings) -> Vec<(String, http::Method)> {
    let mut all: Vec<(String, http::Method)> = app_routes()
        .iter()
        .map(|r| (r.path().to_string(), http::Method::GET))
        .collect();
    all.extend(leptos::server_fn::axum::server_fn_paths().map(|(p, m)| (p.to_string(), m)));
    all.extend(
        HANDLER_ROUTES
            .iter()
            .chain(OPS_ROUTES.iter())
            .map(|p| (p.to_string(), http::Method::GET)),
    );
    if settings.brand.colour.is_some() {
        all.push(("/brand.css".into(), http::Method::GET));
    }
    if let Some(app::branding::Logo::File { path, .. }) = &settings.brand.logo {
        all.push((path.to_string(), http::Method::GET));
    }
    all.sort();
    all.dedup();
    all
}

/// `scheme://host[:port]` of an absolute URL.
fn url_origin(u: &str) -> Option<String> {
    let (scheme, rest) = u.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| format!("{scheme}://{host}"))
}

/// `/brand.css` (the primary colour) and `/brand/logo.*` (a logo file), when configured.
fn brand_routes(settings: &Settings) -> Router<AppState> {
    let mut r = Router::new();
    if let Some(c) = &settings.brand.colour {
        let css = c.css();
        r = r.route(
            "/brand.css",
            get(move || {
                let css = css.clone();
                async move { ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], css) }
            }),
        );
    }
    if let Some(app::branding::Logo::File {
        bytes,
        content_type,
        path,
        ..
    }) = &settings.brand.logo
    {
        let (bytes, content_type) = (bytes.clone(), *content_type);
        r = r.route(
            path,
            get(move || {
                let bytes = bytes.clone();
                async move { ([(header::CONTENT_TYPE, content_type)], bytes) }
            }),
        );
    }
    r
}

/// Gives every request, whatever its route, the guard without which its session cannot be
/// written (`app::session::RecordGuard`: bounded values, new records per client).
async fn guard_sessions(
    limiter: app::limits::RateLimiter,
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
async fn session_lifetime(max_age: i64, req: Request, next: Next) -> Response {
    if let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
        if session.id().is_some() {
            if let Ok(true) = app::session::enforce_lifetime(&session, max_age).await {
                tracing::info!("session ended: absolute lifetime reached");
            }
        }
    }
    next.run(req).await
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

/// Hands the route's pattern out with its answer, for [`track`] (which runs before routing).
async fn label_route(req: Request, next: Next) -> Response {
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

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

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
    use hyper_util::{
        rt::{TokioIo, TokioTimer},
        server::graceful::GracefulShutdown,
    };
    use tower::ServiceExt;

    // HTTP/1.1 only: what browsers and load balancers speak to an app behind TLS
    // termination, and the header timeout then holds from the first byte (a protocol
    // sniffing step would wait on a silent connection without one).
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(conns.header_timeout);
    let graceful = GracefulShutdown::new();
    let permits = Arc::new(tokio::sync::Semaphore::new(conns.max));
    let clients = PerClient::default();
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
        let Some(slot) = clients.take(peer.ip(), conns.per_client) else {
            app::metrics::metrics().connection_refused();
            tracing::warn!(
                max = conns.per_client,
                client_ip = %peer.ip(),
                "connection limit of one client reached: connection closed"
            );
            drop(stream);
            continue;
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            app::metrics::metrics().connection_refused();
            tracing::warn!(
                max = conns.max,
                "connection limit reached: connection closed"
            );
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: Request<hyper::body::Incoming>| {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(peer));
            router.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = conn.await;
            drop(permit);
            drop(slot);
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

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn the_router_serves_exactly_the_pages_the_app_names() {
        let mut listed: Vec<String> = super::app_routes()
            .iter()
            .map(|r| r.path().to_string())
            .collect();
        listed.sort();
        listed.dedup();
        let mut named: Vec<String> = app::paths::PAGES.iter().map(|p| p.to_string()).collect();
        named.sort();
        assert_eq!(listed, named);
    }
}
