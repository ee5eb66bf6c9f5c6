//! The password reset app: pages, components and server functions. Built twice: with `ssr`
//! into the server, which renders every page, and with `hydrate` into the WASM, which holds
//! only the islands (`islands`) that make parts of a page live in the browser.
#![recursion_limit = "256"]

pub mod account;
pub mod branding;
pub mod components;
pub mod confirm_sign_up;
pub mod error;
pub mod error_page;
pub mod forgot_username;
pub mod forms;
pub mod invitation;
pub mod islands;
pub mod mfa;
pub mod new_password;
pub mod not_me;
pub mod notify;
pub mod page_script;
pub mod passkey_button;
pub mod password;
pub mod paths;
pub mod policy;
pub mod pool;
pub mod reset;
pub mod security;
pub mod sign_in;
pub mod text;
pub mod totp;

include!(concat!(env!("OUT_DIR"), "/i18n/mod.rs"));

#[cfg(feature = "ssr")]
pub mod audit;
#[cfg(feature = "ssr")]
pub mod clock;
#[cfg(feature = "ssr")]
pub mod cognito;
#[cfg(feature = "ssr")]
pub mod config;
#[cfg(feature = "ssr")]
pub mod device;
#[cfg(feature = "ssr")]
pub mod flow;
#[cfg(feature = "ssr")]
pub mod limits;
#[cfg(feature = "ssr")]
pub mod mailer;
#[cfg(feature = "ssr")]
pub mod metrics;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(all(test, feature = "ssr"))]
mod shape;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(all(test, feature = "ssr"))]
pub mod testing;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, Html, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes, A},
    hooks::use_location,
    path, SsrMode,
};

use crate::i18n::{td_string, I18nContextProvider, Locale};
pub use branding::{Branding, ContinueTo};
use leptos_i18n::Locale as _;

/// The HTML document around the app (server only renders it). The script that wakes the
/// islands comes last, and only on a page that holds one: any other page loads no WASM and no
/// JavaScript. When the request carries an [`error_page::ErrorPage`] (the server's error
/// pages), that page is rendered in place of the routes and no script is sent.
pub fn shell(options: LeptosOptions, brand: Branding) -> impl IntoView {
    // Islands: only they hydrate, so the rest of the page carries no hydration markers.
    if let Some(context) = Owner::current_shared_context() {
        context.set_is_hydrating(false);
    }
    let islands = islands::IslandsUsed::default();
    provide_context(islands.clone());
    provide_context(islands::ScriptOptions {
        options: options.clone(),
        live: error_page::current().is_none(),
    });
    let help = brand.support_url.clone();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light dark"/>
                <meta name="referrer" content="same-origin"/>
                <HashedStylesheet options/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <meta name="application-name" content=brand.product_name.clone()/>
                {help.map(|h| view! { <link rel="help" href=h/> })}
                {brand.styled.then(|| view! { <link rel="stylesheet" href="/brand.css"/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
                // Islands outside a page's loaded state (pages without one); those inside it
                // get their script with it (`components::page_state`).
                {move || islands::island_script(&islands)}
            </body>
        </html>
    }
}

/// The app: layout and routes. Every route renders fully on the server before it is sent, so
/// each page works without JavaScript.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        // Chooses the locale (cookie, then Accept-Language). `<html lang dir>` is set by the
        // layout: `dir` from the locale file (`text::is_rtl`), as ICU's data leaves some
        // locales `auto` (`nb`).
        <I18nContextProvider cookie_name="lang" set_lang_attr_on_html=false set_dir_attr_on_html=false>
            <Layout/>
        </I18nContextProvider>
    }
}

#[component]
fn Layout() -> impl IntoView {
    let brand = use_context::<Branding>().unwrap_or_default();
    let name = brand.product_name.clone();
    let title_name = name.clone();
    let l = text::locale();
    let dir = if text::is_rtl(l) { "rtl" } else { "ltr" };
    view! {
        <Html attr:lang=text::code(l) attr:dir=dir/>
        <Title formatter=move |t: String| td_string!(l, app.title, page = t, product = title_name.clone()).to_string()/>
        <Router>
          <div class="app">
            <a class="skip-link" href="#main">{td_string!(l, app.skip_link)}</a>
            <header class="site-header">
                <A exact=true href={crate::paths::HOME} attr:class="brand">
                    {brand.logo.clone().map(|src| view! { <img class="logo" src=src alt="" height="32"/> })}
                    {name}
                </A>
            </header>
            <main id="main" class="card">
                {match error_page::current() {
                    Some(page) => view! { <error_page::ProblemPage page/> }.into_any(),
                    None => view! { <Pages/> }.into_any(),
                }}
            </main>
            <footer class="site-footer">
                {brand.support_url.map(|url| view! { <a href=url>{td_string!(l, app.get_help)}</a> })}
                <span class="secure-note">{td_string!(l, app.secure_note)}</span>
                <Languages current=l/>
            </footer>
          </div>
          {error_page::current().is_none().then(|| view! { <page_script::FormScript/> })}
        </Router>
    }
}

/// The pages, by path.
#[component]
fn Pages() -> impl IntoView {
    view! {
                <Routes fallback=Fallback>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in") view=sign_in::SignInPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset") view=reset::ForgotPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset/confirm") view=reset::ConfirmResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/reset/link/used") view=reset::LinkUsedPage ssr=SsrMode::Async/>
                    <Route path=path!("/not-me") view=not_me::NotMePage ssr=SsrMode::Async/>
                    <Route path=path!("/new-password") view=new_password::NewPasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/code") view=mfa::MfaCodePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/choose") view=mfa::MfaChoosePage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/setup") view=mfa::MfaSetupPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/recovery") view=mfa::MfaRecoveryPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/lost") view=mfa::MfaLostPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/invitation") view=invitation::InvitationPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/confirm") view=confirm_sign_up::ConfirmSignUpPage ssr=SsrMode::Async/>
                    <Route path=path!("/sign-in/username") view=forgot_username::ForgotUsernamePage ssr=SsrMode::Async/>
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/password") view=account::ChangePasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/security") view=security::SecurityPage ssr=SsrMode::Async/>
                </Routes>
    }
}

/// The language switcher: plain links (they work without JavaScript) to `/language/<code>`,
/// which keeps the choice in a cookie and comes back to this page.
#[component]
fn Languages(current: Locale) -> impl IntoView {
    let location = use_location();
    view! {
        <nav aria-label=td_string!(current, app.language)>
            <ul class="languages">
                {Locale::get_all().iter().map(|l| {
                    let l = *l;
                    let href = move || format!("/language/{}?back={}", l.as_str(), location.pathname.get());
                    view! {
                        <li>
                            <a href=href rel="external" hreflang=l.as_str() lang=l.as_str()
                                aria-current=if l == current { Some("true") } else { None }>
                                {text::language_name(l)}
                            </a>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}

/// `/`: where to go.
#[component]
fn HomePage() -> impl IntoView {
    let l = text::locale();
    view! {
        <Title text=td_string!(l, home.title)/>
        <h1>{td_string!(l, home.heading)}</h1>
        <p class="lead">{td_string!(l, home.lead)}</p>
        <ul class="choices">
            <li><A exact=true href={crate::paths::RESET} attr:class="button primary">{td_string!(l, home.forgot)}</A></li>
            <li><A exact=true href={crate::paths::SIGN_IN} attr:class="button secondary">{td_string!(l, home.sign_in)}</A></li>
        </ul>
        <p class="hint">{td_string!(l, home.hint)}</p>
    }
}

/// What no route matches: a 404.
#[component]
fn Fallback() -> impl IntoView {
    view! { <NotFound/> }
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
    let l = text::locale();
    view! {
        <Title text=td_string!(l, not_found.title)/>
        <h1>{td_string!(l, not_found.title)}</h1>
        <p>{td_string!(l, not_found.text)}</p>
        <p><A exact=true href={crate::paths::HOME}>{td_string!(l, not_found.start)}</A></p>
    }
}

/// The browser entry point: wakes the islands on the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panic messages in the console while developing; a release build aborts at once on a panic
    // (scripts/lib.sh), with no messages to show.
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
