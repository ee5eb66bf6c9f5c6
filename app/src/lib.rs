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
pub mod audit;
#[cfg(feature = "ssr")]
pub mod cognito;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod metrics;
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

/// Operator branding shown on every page. The server renders it into `<head>`; the browser
/// reads it back from there before hydrating, so both render the same header.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Branding {
    pub product_name: String,
    pub support_url: Option<String>,
}

/// The HTML document around the app (server only renders it).
pub fn shell(options: LeptosOptions, brand: Branding) -> impl IntoView {
    let help = brand.support_url.clone();
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
                <meta name="application-name" content=brand.product_name.clone()/>
                {help.map(|h| view! { <link rel="help" href=h/> })}
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
    let brand = use_context::<Branding>().unwrap_or_default();
    let name = brand.product_name.clone();
    let title_name = name.clone();
    // Tests (and curious users) can tell a hydrated page from a server-rendered one.
    let hydrated = components::use_hydrated();
    view! {
        <Title formatter=move |t: String| format!("{t} · {title_name}")/>
        <Router>
          <div class="app" data-hydrated=move || if hydrated.get() { "true" } else { "false" }>
            <a class="skip-link" href="#main">"Skip to content"</a>
            <header class="site-header">
                <A href="/" attr:class="brand">{name}</A>
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
                {brand.support_url.map(|url| view! { <a href=url>"Get help"</a> })}
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
    let head = |selector: &str, attr: &str| {
        web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.query_selector(selector).ok().flatten())
            .and_then(|e| e.get_attribute(attr))
    };
    let brand = Branding {
        product_name: head("meta[name=application-name]", "content").unwrap_or_default(),
        support_url: head("link[rel=help]", "href"),
    };
    // After a form succeeds, load the next page from the server (not a client-side route):
    // names are only ever sent inside server-rendered HTML, never in a JSON answer.
    let _ = leptos::server_fn::redirect::set_redirect_hook(|loc: &str| {
        if let Some(w) = web_sys::window() {
            let _ = w.location().assign(loc);
        }
    });
    leptos::mount::hydrate_body(move || {
        provide_context(brand);
        view! { <App/> }
    });
}
