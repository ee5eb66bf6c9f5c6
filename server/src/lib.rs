//! The axum server: builds the shared state and the `Router` (so tests can spawn it on any
//! port) and runs it.

use std::{sync::Arc, time::Duration};

use app::{
    cognito::Cognito, config::Settings, error::AppError, password::PasswordPolicy, shell,
    state::AppState, App, Branding,
};
use axum::{
    body::Body,
    extract::Request,
    http::{header, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub mod admin;
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
    let decoy_key: [u8; 32] = rand::random();
    AppState {
        settings: Arc::new(settings),
        cognito,
        policy,
        leptos_options,
        decoy_key: Arc::new(decoy_key),
    }
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
        tower_sessions::cookie::time::Duration::minutes(30),
    ));

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
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        let brand = brand.clone();
        move || shell(options.clone(), brand.clone())
    };
    let error_shell = move |options| shell(options, brand.clone());

    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, context.clone(), render_shell)
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(context, error_shell))
        .layer(middleware::from_fn(server_fn_status))
        .layer(sessions)
        .with_state(state)
}

/// Liveness: the process answers.
async fn healthz() -> impl IntoResponse {
    ([(header::CACHE_CONTROL, "no-store")], "ok")
}

/// Gives server-function errors the status their `AppError` calls for, including errors
/// raised before the function body ran (malformed arguments), which Leptos answers with 500.
async fn server_fn_status(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
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
