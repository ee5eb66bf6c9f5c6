//! Every route the app answers: its pages and server functions (Leptos), the handler routes,
//! the operator routes, the brand files, the built assets and the site root's files.

use std::sync::Arc;

use std::collections::HashSet;

use app::{config::Settings, state::AppState, App};
use axum::{
    handler::Handler, http::header, middleware, response::IntoResponse, routing::get, Router,
};
use leptos::prelude::AnyView;
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use tower_http::services::ServeDir;

use crate::{ops, security, stack, Readiness};

/// The app's routes with the state applied: the operator routes (unless `METRICS_ADDR` takes
/// them), the brand files, the handler routes, the built assets, the pages and server
/// functions, and the site root's files; anything else is the not-found page.
pub fn app(
    state: AppState,
    listed: Vec<AxumRouteListing>,
    ready: Readiness,
    guard: &Arc<security::Guard>,
    context: impl Fn() + Clone + Send + Sync + 'static,
    shell: impl Fn() -> AnyView + Clone + Send + Sync + 'static,
) -> Router {
    let settings = state.settings.clone();
    let options = &state.leptos_options;
    let router = if settings.ops.metrics_addr.is_none() {
        ops::ops_router::<AppState>(ready)
    } else {
        Router::<AppState>::new().route("/healthz", get(ops::healthz))
    };
    let mut router = router.merge(brand_routes(&settings));
    for path in HANDLER_ROUTES {
        router = router.route(path, handler_route(path, guard));
    }
    // A server function's address opened in the browser (a reload of the page a post was
    // answered with, a bookmark): its form's page, not a 405. (Leptos adds the POST.)
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        if method != http::Method::GET {
            router = router.route(path, get(to_form_page));
        }
    }
    // Built assets: brotli or gzip files written next to them at build time are sent as they
    // are (no compression work per request).
    let pkg = format!("{}/{}", options.site_root, options.site_pkg_dir);
    let pkg = ServeDir::new(pkg).precompressed_br().precompressed_gzip();
    // Files of the site root (favicon, logo) are served here, not by Leptos' file handler:
    // that one reads its response options from the reactive owner current on the thread,
    // which can be another request's render, and so sent a static file with another
    // visitor's status and cookies (`lang=ar` switched people's language). What is not a
    // file is the not-found page, rendered like every page.
    let not_found = leptos_axum::render_app_to_stream_with_context(context.clone(), shell.clone());
    let site =
        ServeDir::new(options.site_root.to_string()).fallback(not_found.with_state(state.clone()));
    router
        .nest_service(&format!("/{}", options.site_pkg_dir), pkg)
        .leptos_routes_with_context(&state, listed, context, shell)
        .route_layer(middleware::from_fn(stack::label_route))
        .fallback_service(site)
        .with_state(state)
}

/// The paths of the pages (no parameters).
pub fn pages(listed: &[AxumRouteListing]) -> HashSet<String> {
    listed
        .iter()
        .map(|r| r.path().to_string())
        .filter(|p| !p.contains(['{', ':', '*']))
        .collect()
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
pub fn app_routes() -> Vec<AxumRouteListing> {
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

/// The page of the form that posts to the server function at `api` (its state loader: the
/// page it loads). [`app`] sends a GET of the address there; the route walk checks that every
/// server function the router has is named here (none falls to the start page).
pub fn form_page(api: &str) -> &'static str {
    use app::paths as p;
    match api.strip_prefix("/api/").unwrap_or(api) {
        "sign-in" | "sign-in-state" | "sign-in/passkey" | "sign-in/passkey/options" => p::SIGN_IN,
        "reset/request" | "reset/request-state" | "reset/start-over" => p::RESET,
        "reset/confirm" | "reset/confirm-state" | "reset/resend" => p::RESET_CONFIRM,
        "new-password" | "new-password-state" => p::NEW_PASSWORD,
        "mfa/code" | "mfa/restart" | "mfa-state" => p::MFA_CODE,
        "mfa/choose" => p::MFA_CHOOSE,
        "mfa/setup" => p::MFA_SETUP,
        "mfa/recovery" => p::MFA_RECOVERY,
        "mfa/lost/send" | "mfa/lost/confirm" | "mfa/lost/state" => p::MFA_LOST,
        "sign-in/invitation" | "sign-in/invitation-state" => p::INVITATION,
        "sign-in/username" | "sign-in/username-state" => p::FORGOT_USERNAME,
        "sign-in/confirm" | "sign-in/confirm-state" | "sign-in/confirm-resend" => {
            p::CONFIRM_SIGN_UP
        }
        "account-state" | "sign-out" => p::ACCOUNT,
        "account/password" => p::ACCOUNT_PASSWORD,
        "not-me/secure" | "not-me/state" | "not-me/cancel" => p::NOT_ME,
        s if s == "security-state" || s.starts_with("security/") => p::ACCOUNT_SECURITY,
        _ => p::HOME,
    }
}

/// A GET of a server function's address: a 303 to its form's page ([`form_page`]).
async fn to_form_page(uri: http::Uri) -> axum::response::Response {
    axum::response::Redirect::to(form_page(uri.path())).into_response()
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
