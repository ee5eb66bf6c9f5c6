//! An error with a page of its own (403, 408, 413, 429, 503, a bad language link, …): its type,
//! how it travels from where it happens to the answer, and how it renders. Everything about
//! these pages is here; the server only puts [`answer`] around the app.
//!
//! How it travels: a server function posted without JavaScript ([`answer_with`]) or a plain
//! handler ([`response`]) says "answer with this page"; [`answer`], the outermost middleware,
//! finds it (in a slot it put into the request's extensions, or in the response's extensions)
//! and renders the page through the app's own shell for the same request (its path, language
//! and CSP nonce), with the status already chosen and no script. Nothing is serialised and
//! nothing goes through a header.

use leptos::prelude::*;
use leptos_meta::Title;
use serde::{Deserialize, Serialize};

use crate::{error::AppError, i18n::td_string, text};

/// A page of its own for an error: the error and the page to go back to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorPage {
    pub error: AppError,
    pub back: String,
}

/// The error page this render is for, if any (server only: a request extension).
pub fn current() -> Option<ErrorPage> {
    use_context::<http::request::Parts>().and_then(|p| p.extensions.get::<ErrorPage>().cloned())
}

/// What happened and a way back to the form (the server sets the status).
#[component]
pub fn ProblemPage(page: ErrorPage) -> impl IntoView {
    let l = text::locale();
    let title = match page.error.status().as_u16() {
        429 => td_string!(l, pages.wait_title),
        503 => td_string!(l, pages.unavailable_title),
        403 => td_string!(l, pages.refused_title),
        _ => td_string!(l, pages.error_title),
    };
    let message = text::error_text(l, &page.error);
    let status = page.error.status().as_u16();
    // Someone made to wait is likely locked out for having forgotten the password: the reset
    // (unless that is where they were), and for a wait or an outage the support contact.
    let reset = (status == 429 && !page.back.starts_with(crate::paths::RESET)).then(|| {
        view! { <li><a href=crate::paths::RESET>{td_string!(l, sign_in.forgot)}</a></li> }
    });
    let help = crate::branding::support_url()
        .filter(|_| matches!(status, 429 | 503))
        .map(|url| view! { <li><a href=url.to_string()>{td_string!(l, app.get_help)}</a></li> });
    view! {
        <Title text=title/>
        <h1>{title}</h1>
        <div class="alert alert-error" role="alert" id="error-summary"><p>{message}</p></div>
        <p><a class="button primary" href=page.back>{td_string!(l, pages.go_back)}</a></p>
        {(reset.is_some() || help.is_some()).then(|| view! { <ul class="links">{reset}{help}</ul> })}
    }
}

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use std::{
        collections::HashSet,
        future::Future,
        pin::Pin,
        sync::{Arc, Mutex},
    };

    use axum::{
        body::Body,
        extract::{Request, State},
        middleware::Next,
        response::{IntoResponse, Response},
    };
    use http::{header, HeaderMap, HeaderValue, StatusCode, Uri};

    use super::ErrorPage;
    use crate::error::AppError;

    /// Where a server function leaves its error page for [`answer`] (one per request).
    #[derive(Clone, Default)]
    struct Slot(Arc<Mutex<Option<ErrorPage>>>);

    /// From a server function (JavaScript off): answer this request with the page for `error`,
    /// with a way `back`. The status is the server function's own.
    pub fn answer_with(error: &AppError, back: &str) {
        let slot = leptos::prelude::use_context::<http::request::Parts>()
            .and_then(|p| p.extensions.get::<Slot>().cloned());
        if let Some(Slot(slot)) = slot {
            *slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(ErrorPage {
                error: error.clone(),
                back: back.to_string(),
            });
        }
    }

    /// From a plain axum handler: a response that [`answer`] turns into the page for `error`
    /// (in the visitor's language, with a way `back`), with `status` (the error's own when
    /// `None`) and its Retry-After.
    pub fn response(error: &AppError, back: &str, status: Option<StatusCode>) -> Response {
        let mut res = status.unwrap_or_else(|| error.status()).into_response();
        res.extensions_mut().insert(ErrorPage {
            error: error.clone(),
            back: back.to_string(),
        });
        let h = res.headers_mut();
        if let Some(secs) = error.retry_after() {
            h.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        res
    }

    /// `error` as a server function answers it to JavaScript: its status and its JSON.
    pub fn json(error: &AppError) -> Response {
        let body = serde_json::to_string(error).unwrap_or_default();
        (
            error.status(),
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }

    /// Renders the app's shell for a request (Leptos' handler).
    pub type Render =
        dyn Fn(Request) -> Pin<Box<dyn Future<Output = Response> + Send>> + Send + Sync;

    /// Renders error pages through the app's own shell, so they look like every other page
    /// (stylesheet, branding, language); `pages` are the only places "Go back" may lead.
    #[derive(Clone)]
    pub struct ErrorPages {
        pub render: Arc<Render>,
        pub pages: Arc<HashSet<String>>,
    }

    impl std::fmt::Debug for ErrorPages {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("ErrorPages")
        }
    }

    /// What an error page takes from the request it answers: its path, its language headers
    /// and the response's CSP nonce.
    #[derive(Clone, Debug)]
    pub struct Asker {
        uri: Uri,
        headers: HeaderMap,
        extensions: http::Extensions,
    }

    impl Asker {
        /// Of `req`; `nonce` is the type of the CSP nonce in its extensions, kept for the page.
        pub fn of<N: Clone + Send + Sync + 'static>(req: &Request) -> Asker {
            let mut headers = HeaderMap::new();
            for name in [header::ACCEPT_LANGUAGE, header::COOKIE] {
                for v in req.headers().get_all(&name) {
                    headers.append(name.clone(), v.clone());
                }
            }
            let mut extensions = http::Extensions::new();
            if let Some(n) = req.extensions().get::<N>() {
                extensions.insert(n.clone());
            }
            Asker {
                uri: Uri::builder()
                    .path_and_query(req.uri().path())
                    .build()
                    .unwrap_or_default(),
                headers,
                extensions,
            }
        }
    }

    impl ErrorPages {
        /// `back` when it is exactly one of the app's own pages, else `/`. Anything else
        /// (other origins, `//host`, encoded tricks) could send the browser off-site, so it is
        /// not parsed or repaired, only compared.
        pub fn back<'a>(&self, back: Option<&'a str>) -> &'a str {
            match back {
                Some(b) if self.pages.contains(b) => b,
                _ => "/",
            }
        }

        /// The page for `error` (with `status`) for the request `from`, with a way `back`.
        pub async fn page(
            &self,
            status: StatusCode,
            error: AppError,
            back: &str,
            from: &Asker,
        ) -> Response {
            let mut req = Request::new(Body::empty());
            *req.uri_mut() = from.uri.clone();
            *req.headers_mut() = from.headers.clone();
            *req.extensions_mut() = from.extensions.clone();
            let back = self.back(Some(back)).to_string();
            req.extensions_mut().insert(ErrorPage { error, back });
            match render_alone(self.render.clone(), req).await {
                Ok((mut parts, bytes)) => {
                    parts.status = status;
                    parts.headers.remove(header::CONTENT_LENGTH);
                    Response::from_parts(parts, Body::from(bytes))
                }
                Err(e) => {
                    tracing::error!(error = %e, "an error page could not be rendered");
                    (status, "error").into_response()
                }
            }
        }
    }

    /// Renders `req` to the end on a thread of its own, in a runtime of its own with one
    /// thread: every task the render spawns (leptos_i18n's isomorphic effect among them) runs
    /// there and nowhere else. An error page renders without ever waiting, so on the shared
    /// runtime its body could reach its end (where the render's owner is disposed) before, or
    /// while, another worker first ran that effect, which then read a disposed signal and
    /// panicked (the second review's "tried to access a reactive value … already been
    /// disposed"). Here one yield runs it, alone, while everything it reads is alive; then the
    /// page is rendered to the end, so a client leaving mid-page leaves no render behind. An
    /// error page is a few KiB. At most a few render at once; more wait their turn.
    async fn render_alone(
        render: Arc<Render>,
        req: Request,
    ) -> Result<(http::response::Parts, axum::body::Bytes), String> {
        static RENDERERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
        let _turn = RENDERERS.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(move || {
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
        .await
        .map_err(|e| e.to_string())?
    }

    /// The middleware: answers with the page a server function or handler asked for (see
    /// the module), never lets an error travel in a URL (Leptos' `?__err=` redirect for plain
    /// forms), and gives server-function errors the status their `AppError` calls for
    /// (including errors raised before the function body ran, which Leptos answers with 500).
    /// `N` is the type of the CSP nonce in the request's extensions.
    pub async fn answer<N: Clone + Send + Sync + 'static>(
        State(pages): State<ErrorPages>,
        mut req: Request,
        next: Next,
    ) -> Response {
        let wants_html = req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"));
        let is_api = req.uri().path().starts_with("/api/");
        let asker = Asker::of::<N>(&req);
        let slot = Slot::default();
        req.extensions_mut().insert(slot.clone());
        let res = next.run(req).await;
        // Every rendered page spawns leptos_i18n's isomorphic effect; a page that renders
        // without waiting (a 404, a redirect) could otherwise finish its body before that task
        // first ran (see `render_alone`).
        tokio::task::yield_now().await;
        let asked = slot.0.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(p) = asked.or_else(|| res.extensions().get::<ErrorPage>().cloned()) {
            return with_page(&pages, res, p, &asker).await;
        }
        let leaks = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|l| l.contains("__err"));
        if is_api && wants_html && leaks {
            let error = AppError::BadRequest;
            return pages
                .page(StatusCode::BAD_REQUEST, error, "/", &asker)
                .await;
        }
        with_error_status(res).await
    }

    /// `res` answered with the page `p`: its status, its session cookie (a record kept for
    /// "Go back" must reach the browser) and its Retry-After.
    async fn with_page(pages: &ErrorPages, res: Response, p: ErrorPage, asker: &Asker) -> Response {
        let mut out = pages.page(res.status(), p.error, &p.back, asker).await;
        for c in res.headers().get_all(header::SET_COOKIE) {
            out.headers_mut().append(header::SET_COOKIE, c.clone());
        }
        if let Some(r) = res.headers().get(header::RETRY_AFTER) {
            out.headers_mut().insert(header::RETRY_AFTER, r.clone());
        }
        out
    }

    /// A server function's 500 carrying an [`AppError`] gets the error's own status.
    async fn with_error_status(res: Response) -> Response {
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
}
