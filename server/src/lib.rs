//! The axum server: builds the shared state and the `Router` (so tests can spawn it on any
//! port) and runs it. The routes are `routes.rs`, the middleware stack `stack.rs`, serving
//! and connection limits `serve.rs`, the operator routes `ops.rs`.

#![recursion_limit = "256"]

use std::{sync::Arc, time::Duration};

use app::{
    cognito::Cognito,
    config::{SessionStoreKind, Settings},
    error_page::ErrorPages,
    limits::{LimitStore, MemoryLimits},
    shell,
    state::AppState,
    Branding,
};
use axum::Router;
use leptos::prelude::*;
use tower_sessions::{cookie::SameSite, Expiry, SessionManagerLayer};

pub mod admin;
pub mod health;
pub mod ops;
pub mod options;
pub mod page_cache;
pub mod return_to;
pub mod routes;
pub mod security;
pub mod serve;
pub mod stack;
pub mod store;

pub use ops::{emf_lines, ops_router, Readiness};
pub use options::leptos_options;
pub use routes::{every_route, form_page, HANDLER_ROUTES, LANGUAGE, OPS_ROUTES};
pub use serve::{serve, serve_until, shutdown_signal, Connections};

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
    app::state::check_recovery_attribute(&cognito, &settings).await?;
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

/// The whole app as a `Router`: its routes ([`routes::app`]) inside the middleware stack
/// ([`stack::around`]). Error pages render through the same shell as every page.
pub fn router(services: Services) -> Router {
    let Services {
        state,
        sessions,
        ready,
    } = services;
    let settings = state.settings.clone();
    let listed = routes::app_routes();
    let (context, shell) = renderer(&state);
    let error_pages = ErrorPages {
        render: Arc::new(leptos_axum::render_app_to_stream_with_context(
            context.clone(),
            shell.clone(),
        )),
        pages: Arc::new(routes::pages(&listed)),
    };
    let guard = Arc::new(security::Guard {
        public_origin: settings.http.public_origin.clone(),
        trusted_proxies: settings.http.trusted_proxies.clone(),
        secure_cookies: settings.session.cookie_secure,
        error_pages: error_pages.clone(),
        body_timeout: settings.http.body_timeout,
        app: settings.brand.app.clone(),
    });
    let page_cache = page_cache::PageCache::new(
        (error_pages.pages.iter())
            .filter(|p| page_cache::PUBLIC_PAGES.contains(&p.as_str()))
            .cloned(),
    );
    let limiter = state.limiter.clone();
    let app = routes::app(state, listed, ready, &guard, context, shell);
    stack::around(
        app,
        stack::Parts {
            sessions: session_layer(&settings, sessions),
            guard,
            error_pages,
            page_cache,
            limiter,
            settings,
        },
    )
}

/// The session cookie: `__Host-` and `Secure` where it can be, HTTP-only, `SameSite=Lax`,
/// ending after `SESSION_IDLE_SECS` without use.
fn session_layer(
    settings: &Settings,
    sessions: store::Backend,
) -> SessionManagerLayer<store::Backend> {
    SessionManagerLayer::new(sessions)
        .with_name(settings.cookie_name())
        .with_secure(settings.session.cookie_secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(
            tower_sessions::cookie::time::Duration::seconds(settings.session.idle.as_secs() as i64),
        ))
}

/// How every page renders: the context each render gets (the state, the branding, the
/// response's CSP nonce for the scripts Leptos writes) and the shell around the app.
fn renderer(
    state: &AppState,
) -> (
    impl Fn() + Clone + Send + Sync + 'static,
    impl Fn() -> AnyView + Clone + Send + Sync + 'static,
) {
    let settings = &state.settings;
    let brand = Branding {
        product_name: settings.brand.product_name.as_str().into(),
        support_url: settings.brand.support_url.as_deref().map(Into::into),
        logo: settings.brand.logo.as_ref().map(|l| l.src().into()),
        styled: settings.brand.colour.is_some(),
    };
    let context = {
        let (state, brand) = (state.clone(), brand.clone());
        move || {
            provide_context(state.clone());
            provide_context(brand.clone());
            // How users sign in (the label and type of the field, the messages about it).
            provide_context(state.features.sign_in_with);
            if let Some(a) = &state.settings.brand.app {
                let parts = use_context::<http::request::Parts>();
                provide_context(return_to::continue_to(a, parts.as_ref()));
            }
            let nonce = use_context::<http::request::Parts>()
                .and_then(|p| p.extensions.get::<security::CspNonce>().cloned());
            if let Some(n) = nonce {
                provide_context(leptos::nonce::Nonce::from_value(n.0));
            }
        }
    };
    let options = state.leptos_options.clone();
    (context, move || {
        shell(options.clone(), brand.clone()).into_any()
    })
}
