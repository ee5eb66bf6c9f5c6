//! The axum server: builds the shared state and the `Router` (so tests can spawn it on any
//! port) and runs it.

use std::{sync::Arc, time::Duration};

use app::{
    cognito::Cognito, config::Settings, password::PasswordPolicy, shell, state::AppState, App,
    Branding,
};
use axum::{
    extract::Request,
    http::header,
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub mod admin;
pub mod security;
pub mod store;

/// Leptos' options: from the `LEPTOS_*` variables cargo-leptos sets, else defaults that fit
/// this workspace; the listen address always comes from the settings.
pub fn leptos_options(settings: &Settings) -> LeptosOptions {
    let env = |k: &str, d: &str| std::env::var(k).unwrap_or_else(|_| d.to_string());
    LeptosOptions::builder()
        .output_name(env("LEPTOS_OUTPUT_NAME", "reset"))
        .site_root(env("LEPTOS_SITE_ROOT", "target/site"))
        .site_pkg_dir(env("LEPTOS_SITE_PKG_DIR", "pkg"))
        .site_addr(settings.listen_addr)
        .env(if env("LEPTOS_ENV", "DEV").eq_ignore_ascii_case("PROD") {
            leptos::config::Env::PROD
        } else {
            leptos::config::Env::DEV
        })
        .build()
}

/// Builds the state: the Cognito client and the password policy in force.
pub async fn build_state(settings: Settings, leptos_options: LeptosOptions) -> AppState {
    let cognito = Cognito::from_settings(&settings).await;
    let policy = app::state::policy_in_force(&cognito, &settings).await;
    state_with(settings, cognito, policy, leptos_options)
}

/// Builds the state from parts (tests pass a mocked Cognito).
pub fn state_with(
    settings: Settings,
    cognito: Cognito,
    policy: PasswordPolicy,
    leptos_options: LeptosOptions,
) -> AppState {
    if settings.server_secret.is_none() {
        tracing::warn!("SERVER_SECRET is not set: using a random key for this process; set it (the same on every instance) when running more than one");
    }
    AppState::new(
        settings,
        cognito,
        policy,
        leptos_options,
        Arc::new(app::limits::MemoryLimits::default()),
    )
}

/// The whole app as a `Router`.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let settings = state.settings.clone();
    let sessions = SessionManagerLayer::new(store::MemoryStore::with_purge_every(
        Duration::from_secs(60),
    ))
    .with_name(settings.cookie_name())
    .with_secure(settings.cookie_secure)
    .with_http_only(true)
    .with_same_site(SameSite::Lax)
    .with_path("/")
    .with_expiry(Expiry::OnInactivity(
        tower_sessions::cookie::time::Duration::seconds(settings.session_idle.as_secs() as i64),
    ));
    let guard = security::Guard {
        public_origin: settings.public_origin.clone(),
        trusted_proxies: settings.trusted_proxies.clone(),
        product_name: settings.product_name.clone(),
    };

    let brand = Branding {
        product_name: settings.product_name.clone(),
        support_url: settings.support_url.clone(),
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
    let error_shell = move |options| shell(options, brand.clone());
    let absolute = settings.session_absolute.as_secs() as i64;

    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, error_shell))
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::error_pages,
        ))
        .layer(middleware::from_fn(move |req: Request, next: Next| {
            session_lifetime(absolute, req, next)
        }))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(
            guard.clone(),
            security::csrf,
        ))
        .layer(middleware::from_fn(security::refuse_trace))
        .layer(middleware::from_fn(security::headers))
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
        .layer(middleware::from_fn_with_state(
            guard,
            security::set_client_ip,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Ends sessions older than the absolute lifetime before any handler sees them.
async fn session_lifetime(max_age: i64, req: Request, next: Next) -> Response {
    if let Some(session) = req.extensions().get::<tower_sessions::Session>().cloned() {
        if session.id().is_some() {
            let s = app::session::AppSession(session);
            if let Ok(true) = s.enforce_lifetime(max_age).await {
                tracing::info!("session ended: absolute lifetime reached");
            }
        }
    }
    next.run(req).await
}

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// Serves `router` on `listener` until the process is told to stop.
pub async fn serve(listener: tokio::net::TcpListener, router: Router) -> std::io::Result<()> {
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
