//! The password reset app: pages, components and server functions. Built twice: with `ssr`
//! into the server, and with `hydrate` into the WASM that makes pages live in the browser.
#![recursion_limit = "256"]

pub mod account;
pub mod components;
pub mod error;
pub mod forms;
pub mod new_password;
pub mod password;
pub mod reset;
pub mod sign_in;

#[cfg(feature = "ssr")]
pub mod cognito;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(all(test, feature = "ssr"))]
pub mod testing;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    path, SsrMode,
};
use serde::{Deserialize, Serialize};

/// Operator branding shown on every page.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Branding {
    pub product_name: String,
    pub support_url: Option<String>,
}

/// The branding of this deployment.
#[server(prefix = "/api", endpoint = "branding")]
pub async fn load_branding() -> Result<Branding, error::AppError> {
    let state = use_context::<state::AppState>().ok_or(error::AppError::Unexpected)?;
    Ok(Branding {
        product_name: state.settings.product_name.clone(),
        support_url: state.settings.support_url.clone(),
    })
}

/// The HTML document around the app (server only renders it).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en" dir="ltr">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="referrer" content="same-origin"/>
                <link rel="stylesheet" href="/pkg/reset.css"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// The app: layout and routes. Every route renders fully on the server before it is sent, so
/// each page works without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let brand = Resource::new_blocking(|| (), |_| load_branding());
    let name = move || {
        brand
            .get()
            .and_then(|b| b.ok())
            .map(|b| b.product_name)
            .unwrap_or_default()
    };
    let support = move || brand.get().and_then(|b| b.ok()).and_then(|b| b.support_url);
    // Tests (and curious users) can tell a hydrated page from a server-rendered one.
    let hydrated = components::use_hydrated();
    view! {
        <Title formatter=move |t: String| format!("{t} · {}", name())/>
        <Router>
          <div class="app" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <Suspense fallback=|| ()>
                    <A href="/" attr:class="brand">{name}</A>
                </Suspense>
            </header>
            <main id="main" class="card">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=sign_in::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=reset::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset/confirm") view=reset::ConfirmResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/new-password") view=new_password::NewPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/password") view=account::ChangePasswordPage ssr=SsrMode::Async/>
                </Routes>
            </main>
            <footer class="site-footer">
                <Suspense fallback=|| ()>
                    {move || support().map(|url| view! { <a href=url>"Get help"</a> })}
                </Suspense>
                <span class="secure-note">"Your password is sent only to the sign-in service, never stored here."</span>
            </footer>
          </div>
        </Router>
    }
}

/// `/`: where to go.
#[component]
fn HomePage() -> impl IntoView {
    view! {
        <Title text="Home"/>
        <h1>"Get back into your account"</h1>
        <p class="lead">"Forgot your password, or were you given a temporary one? Start here."</p>
        <ul class="choices">
            <li><A href="/reset" attr:class="button primary">"Forgot password"</A></li>
            <li><A href="/sign-in" attr:class="button secondary">"Sign in"</A></li>
        </ul>
        <p class="hint">"You'll need access to the email address or phone number on your account."</p>
    }
}

/// Any unknown path: a 404 page.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Page not found"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing at this address. It may have been mistyped."</p>
        <p><A href="/">"Go to the start page"</A></p>
    }
}

/// The browser entry point: hydrates the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
}
