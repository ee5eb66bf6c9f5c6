//! The context of one request as server functions see it, and the shape every server
//! function has: rate limit → logic → audit ([`Ctx::step`]) → respond ([`Ctx::finish`]).

use std::{future::Future, time::Duration};

use leptos::prelude::*;

use crate::{
    clock::now,
    error::AppError,
    forms::{Flash, FormId},
    limits::Action,
    session::AppSession,
    state::{AppState, ClientIp},
};

/// What a server function runs its logic under: the rate limit counted first (if any), the
/// audit event written after (if any), and the least time the whole takes (so the answer time
/// does not tell one outcome from another).
#[derive(Clone, Copy, Debug, Default)]
pub struct Step {
    pub limit: Option<Action>,
    pub audit: Option<&'static str>,
    pub at_least: Option<Duration>,
    /// The security notification a success sends (see [`crate::notify`]).
    pub notify: Option<crate::notify::Change>,
}

impl Step {
    /// Counted against the limits of `action`, audited as `event`.
    pub fn limited(action: Action, event: &'static str) -> Self {
        Step {
            limit: Some(action),
            audit: Some(event),
            at_least: None,
            notify: None,
        }
    }

    /// Audited as `event`, not rate limited.
    pub fn audited(event: &'static str) -> Self {
        Step {
            audit: Some(event),
            ..Step::default()
        }
    }

    /// On success, emails the user that `change` happened.
    pub fn notifies(self, change: crate::notify::Change) -> Self {
        Step {
            notify: Some(change),
            ..self
        }
    }

    /// Takes at least `d`, whatever the outcome.
    pub fn at_least(self, d: Duration) -> Self {
        Step {
            at_least: Some(d),
            ..self
        }
    }
}

fn set_retry_after(res: &leptos_axum::ResponseOptions, error: &AppError) {
    if let Some(secs) = error.retry_after() {
        res.insert_header(http::header::RETRY_AFTER, http::HeaderValue::from(secs));
    }
}

/// Gives a page the status of the error its state could not be loaded with (e.g. 503 when
/// the session store is down), so the page is not a 200 that only says "unavailable".
pub fn page_result<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(e.status());
        }
    }
    result
}

/// The fields of a form that keeps none after a failure.
pub const NO_FIELDS: &[(&str, &str)] = &[];

/// Loads a page's state: the request's context, then `load` with it. A failure gives the page
/// its status (see [`page_result`]).
pub async fn load_page<T>(
    load: impl AsyncFnOnce(&Ctx) -> Result<T, AppError>,
) -> Result<T, AppError> {
    let result = async {
        let ctx = Ctx::get().await?;
        load(&ctx).await
    }
    .await;
    page_result(result)
}

/// What a server function works with: the state, the session, and whether the request is a
/// plain form post (JavaScript off).
pub struct Ctx {
    pub state: AppState,
    pub session: AppSession,
    pub no_js: bool,
    /// The client's IP (see [`ClientIp`]); unspecified if the server did not set it.
    pub ip: std::net::IpAddr,
    /// The call runs while a page is rendered on the server (not a JSON call from the browser).
    pub page_render: bool,
    /// The device cookie's value, if the browser sent one (checked per user when used).
    pub device_cookie: Option<String>,
}

impl Ctx {
    /// Reads the context of the current request.
    pub async fn get() -> Result<Self, AppError> {
        let state = use_context::<AppState>().ok_or_else(|| {
            tracing::error!("AppState missing from context");
            AppError::Unexpected
        })?;
        let parts = use_context::<http::request::Parts>();
        let session = parts
            .as_ref()
            .and_then(AppSession::from_parts)
            .ok_or_else(|| {
                tracing::error!("session layer or record guard missing");
                AppError::Unexpected
            })?;
        let no_js = parts
            .as_ref()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        let ip = parts
            .as_ref()
            .and_then(|p| p.extensions.get::<ClientIp>())
            .map(|c| c.0)
            .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        let page_render = parts
            .as_ref()
            .map(|p| !p.uri.path().starts_with("/api/"))
            .unwrap_or(true);
        let device_cookie = parts
            .as_ref()
            .and_then(|p| crate::device::read(&p.headers, state.settings.device_cookie_name()));
        // Cognito's calls for this request carry the user's address (threat protection).
        let mut state = state;
        state.cognito = state.cognito.for_user_at(ip);
        Ok(Self {
            state,
            session,
            no_js,
            ip,
            page_render,
            device_cookie,
        })
    }

    /// Gives this browser a device cookie for `username` after a successful sign-in, so its
    /// later attempts for that user are counted on their own (see [`crate::device`]).
    pub fn remember_device(&self, username: &str) {
        let hash = self.state.user_hash(username);
        let value = crate::device::issue(&self.state.device_key, &hash, now());
        let cookie = crate::device::set_cookie(
            self.state.settings.device_cookie_name(),
            &value,
            self.state.settings.session.cookie_secure,
        );
        if let (Some(res), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&cookie),
        ) {
            res.append_header(http::header::SET_COOKIE, v);
        }
    }

    /// Gives this browser the device cookie when `result` signed `username` in.
    pub fn remember_device_after(
        &self,
        result: &Result<&'static str, AppError>,
        username: Option<&str>,
    ) {
        if let (Ok(crate::paths::ACCOUNT), Some(u)) = (result, username) {
            self.remember_device(u);
        }
    }

    /// Counts one attempt at `action` (for `username`, when known) against the rate limits.
    /// A refusal is logged as an audit event and answered with how long to wait.
    pub async fn limit(&self, action: Action, username: Option<&str>) -> Result<(), AppError> {
        let user = username.map(|u| self.state.user_hash(u));
        let device = match (&user, &self.device_cookie) {
            (Some(hash), Some(cookie)) => {
                crate::device::verify(&self.state.device_key, cookie, hash, now())
            }
            _ => None,
        };
        let key = user.as_deref().map(|hash| crate::limits::UserKey {
            hash,
            device: device.as_deref(),
        });
        match self.state.limiter.check(action, self.ip, key).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(limited)) => Err(limited.refuse(action.name(), Some(self.ip), user.as_deref())),
            Err(e) => Err(crate::limits::store_failed(e, action.name())),
        }
    }

    /// Runs `logic` as `step` says, for `username` when known: the limit first (a refusal
    /// skips the logic), then the logic, then the wait up to `at_least`, then the audit event.
    pub async fn step<T>(
        &self,
        step: Step,
        username: Option<&str>,
        logic: impl Future<Output = Result<T, AppError>>,
    ) -> Result<T, AppError> {
        let started = tokio::time::Instant::now();
        let result = async {
            if let Some(action) = step.limit {
                self.limit(action, username).await?;
            }
            logic.await
        }
        .await;
        if let Some(d) = step.at_least {
            tokio::time::sleep_until(started + d).await;
        }
        if let Some(event) = step.audit {
            self.audit(event, username, &result);
        }
        if let (Some(change), Some(user), Ok(_)) = (step.notify, username, &result) {
            self.notify(change, user);
        }
        result
    }

    /// Emails `username` that `change` happened, from this request (on its own task).
    pub fn notify(&self, change: crate::notify::Change, username: &str) {
        self.notify_to(change, username, None);
    }

    /// Like [`Self::notify`], to `to` when given (the address the user had before a change).
    pub fn notify_to(&self, change: crate::notify::Change, username: &str, to: Option<String>) {
        if crate::notify::mailer_for(&self.state, change).is_none() {
            return;
        }
        crate::notify::spawn(&self.state, change, username, self.origin(), to);
    }

    /// Where and when this request comes from, as a notification tells it.
    pub fn origin(&self) -> crate::notify::Origin {
        let headers = use_context::<http::request::Parts>()
            .map(|p| p.headers)
            .unwrap_or_default();
        crate::notify::Origin::of_request(&headers, self.ip)
    }

    /// Writes an audit event for `result` of this request.
    pub fn audit<T>(
        &self,
        name: &'static str,
        username: Option<&str>,
        result: &Result<T, AppError>,
    ) {
        let user = username.map(|u| self.state.user_hash(u));
        crate::audit::event(
            name,
            &crate::audit::outcome(result),
            self.ip,
            user.as_deref(),
        );
    }

    /// Answers an island's call (JSON): an error gets its status and is also left for `form`
    /// on the page the island goes to next, with the non-secret `fields` (the page shows it in
    /// its language; the island has no words of its own).
    pub async fn island_answer<T>(
        &self,
        form: FormId,
        fields: &[(&str, &str)],
        result: Result<T, AppError>,
    ) -> Result<T, AppError> {
        if let Err(error) = &result {
            let flash = Flash {
                form,
                error: error.clone(),
                fields: fields
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            };
            // A client past its allowance of new records gets the answer without it.
            match self.session.set_flash(&flash).await {
                Err(AppError::RateLimited(_)) => {}
                other => other?,
            }
        }
        page_result(result)
    }

    /// Ends a form post. Success goes to `next`. A failure with JavaScript on is returned (with
    /// its HTTP status) for the page to show; with JavaScript off it is kept in the session with
    /// the non-secret `fields`, and the browser is sent back to the form (post/redirect/get).
    pub async fn finish(
        &self,
        form: FormId,
        fields: &[(impl AsRef<str>, impl AsRef<str>)],
        result: Result<&'static str, AppError>,
    ) -> Result<(), AppError> {
        let fields: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_ref(), v.as_ref()))
            .collect();
        let fields = &fields[..];
        match result {
            Ok(next) => {
                self.redirect(next);
                Ok(())
            }
            Err(error) if self.no_js => {
                // Waits and outages get a page of their own (with their status); other errors
                // go back to the form, which shows them with what was typed.
                let page = matches!(error, AppError::RateLimited(_) | AppError::Unavailable);
                let flash = Flash {
                    form,
                    error,
                    fields: crate::forms::bounded_fields(fields),
                };
                // What is stored is bounded by the session itself (see `session::RecordGuard`):
                // a client past its allowance of new records gets the error on its own page.
                let kept = self.session.set_flash(&flash).await;
                if page || matches!(kept, Err(AppError::RateLimited(_))) {
                    self.error_page(&flash.error, form.page());
                    return Ok(());
                }
                kept?;
                self.redirect(form.page());
                Ok(())
            }
            Err(error) => {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(error.status());
                    set_retry_after(&res, &error);
                }
                Err(error)
            }
        }
    }

    /// Answers with a page of its own for `error` (and its status), with a way `back` to the
    /// form (see [`crate::error_page`]).
    fn error_page(&self, error: &AppError, back: &str) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(error.status());
            set_retry_after(&res, error);
            crate::error_page::answer_with(error, back);
        }
    }

    fn redirect(&self, path: &str) {
        leptos_axum::redirect(path);
        if self.no_js {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::SEE_OTHER);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing;
    use aws_smithy_mocks::mock_client;

    fn ctx(overrides: &[(&str, &str)]) -> Ctx {
        let client = mock_client!(aws_sdk_cognitoidentityprovider, []);
        Ctx {
            state: testing::state_with(client, overrides),
            session: testing::session(),
            no_js: false,
            ip: "192.0.2.7".parse().unwrap(),
            page_render: false,
            device_cookie: None,
        }
    }

    #[tokio::test]
    async fn a_step_takes_at_least_its_time_whatever_the_outcome() {
        let c = ctx(&[]);
        let step = Step::audited("test").at_least(Duration::from_millis(150));
        for outcome in [Ok(()), Err(AppError::WrongCode)] {
            let started = std::time::Instant::now();
            let got = c.step(step, Some("jane"), async { outcome.clone() }).await;
            assert_eq!(got, outcome);
            assert!(started.elapsed() >= Duration::from_millis(150));
        }
    }

    #[tokio::test]
    async fn a_refused_step_runs_no_logic_and_is_audited() {
        let c = ctx(&[("RATE_LIMIT_USER", "2/15m")]);
        let (_guard, logs) = testing::capture_logs();
        let ran = std::sync::atomic::AtomicU32::new(0);
        let step = Step::limited(Action::SignIn, "sign_in");
        let mut outcomes = vec![];
        for _ in 0..3 {
            let logic = async {
                ran.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok::<(), AppError>(())
            };
            outcomes.push(c.step(step, Some("jane"), logic).await);
        }
        assert!(
            matches!(outcomes[2], Err(AppError::RateLimited(_))),
            "{outcomes:?}"
        );
        assert_eq!(ran.load(std::sync::atomic::Ordering::SeqCst), 2);
        let text = logs.text();
        assert!(text.contains("rate_limited"), "{text}");
        assert_eq!(
            text.matches("event=\"sign_in\"").count() + text.matches("event=sign_in").count(),
            3,
            "{text}"
        );
    }
}
