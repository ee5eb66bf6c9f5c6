//! Server state shared by every request, and the per-request context server functions use.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::{
    cognito::Cognito,
    config::Settings,
    error::AppError,
    forms::{Flash, FormId},
    limits::{Action, LimitStore, RateLimiter},
    password::PasswordPolicy,
    session::AppSession,
};

/// Everything a request may need; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub cognito: Cognito,
    /// The password rules in force (from `DescribeUserPool`, else the settings).
    pub policy: PasswordPolicy,
    pub leptos_options: LeptosOptions,
    /// Key for decoy answers to unknown users (so they are stable per username).
    pub decoy_key: Arc<[u8; 32]>,
    /// Key for the username hashes in audit logs and rate-limit keys.
    pub audit_key: Arc<[u8; 32]>,
    /// Key for the device cookies (see [`crate::device`]).
    pub device_key: Arc<[u8; 32]>,
    /// Rate limits and where they are counted.
    pub limiter: RateLimiter,
}

impl AppState {
    /// Builds the state. Keys come from `SERVER_SECRET`, else are random for this process.
    pub fn new(
        settings: Settings,
        cognito: Cognito,
        policy: PasswordPolicy,
        leptos_options: LeptosOptions,
        limits: Arc<dyn LimitStore>,
    ) -> Self {
        use secrecy::ExposeSecret;
        let secret: Vec<u8> = match &settings.server_secret {
            Some(s) => s.expose_secret().as_bytes().to_vec(),
            None => rand::random::<[u8; 32]>().to_vec(),
        };
        let limiter = RateLimiter {
            store: limits,
            per_user: settings.limit_user,
            per_ip: settings.limit_ip,
            global: settings.limit_global,
            user_ceiling: settings.limit_user_ceiling,
        };
        AppState {
            decoy_key: Arc::new(crate::audit::derive_key(&secret, "decoy")),
            audit_key: Arc::new(crate::audit::derive_key(&secret, "audit")),
            device_key: Arc::new(crate::audit::derive_key(&secret, "device")),
            settings: Arc::new(settings),
            cognito,
            policy,
            leptos_options,
            limiter,
        }
    }

    /// The keyed hash of a username (for audit logs and limit keys).
    pub fn user_hash(&self, username: &str) -> String {
        crate::audit::user_hash(&self.audit_key, username)
    }
}

/// The client's IP address as the server decided it (the peer, or the address a trusted proxy
/// forwarded); put into each request's extensions by the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientIp(pub std::net::IpAddr);

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The password rules in force: the pool's own (`DescribeUserPool`) when the settings allow it
/// and Cognito answers within 10 seconds, else the configured ones.
pub async fn policy_in_force(
    cognito: &crate::cognito::Cognito,
    settings: &Settings,
) -> PasswordPolicy {
    if !settings.describe_user_pool {
        return settings.password_policy.clone();
    }
    match tokio::time::timeout(
        std::time::Duration::from_secs(10),
        cognito.password_policy(),
    )
    .await
    {
        Ok(Ok(p)) => {
            tracing::info!(?p, "password policy read from the user pool");
            p
        }
        Ok(Err(e)) => {
            tracing::warn!(?e, "could not read the user pool's password policy (DescribeUserPool); using the configured rules");
            settings.password_policy.clone()
        }
        Err(_) => {
            tracing::warn!("DescribeUserPool timed out; using the configured rules");
            settings.password_policy.clone()
        }
    }
}

/// Seconds since the Unix epoch.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The header a server function sets (JavaScript off) to be answered with a full error page;
/// the server's middleware removes it and renders the page.
pub const ERROR_PAGE_HEADER: &str = "x-app-error-page";

pub use crate::forms::ErrorPage;

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
        let session: tower_sessions::Session = leptos_axum::extract().await.map_err(|e| {
            tracing::error!(error = %e, "session layer missing");
            AppError::Unexpected
        })?;
        let parts = use_context::<http::request::Parts>();
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
        Ok(Self {
            state,
            session: AppSession(session),
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
            self.state.settings.cookie_secure,
        );
        if let (Some(res), Ok(v)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&cookie),
        ) {
            res.append_header(http::header::SET_COOKIE, v);
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
            Ok(Err(limited)) => {
                crate::metrics::metrics().limited(action.name(), limited.scope.name());
                tracing::warn!(
                    target: "audit",
                    event = "rate_limited",
                    outcome = limited.scope.name(),
                    action = action.name(),
                    client_ip = %self.ip,
                    user = user.as_deref().unwrap_or("-"),
                    retry_after = limited.retry_after_secs(),
                    "audit"
                );
                Err(limited.into())
            }
            Err(e) => {
                tracing::error!(error = %e.0, "rate-limit store failed");
                Err(AppError::Unavailable)
            }
        }
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

    /// Ends a form post. Success goes to `next`. A failure with JavaScript on is returned (with
    /// its HTTP status) for the page to show; with JavaScript off it is kept in the session with
    /// the non-secret `fields`, and the browser is sent back to the form (post/redirect/get).
    pub async fn finish(
        &self,
        form: FormId,
        fields: &[(&str, &str)],
        result: Result<&'static str, AppError>,
    ) -> Result<(), AppError> {
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
                // What is stored for an error is small (bounded fields) and bounded per
                // client: one client may create at most as many new records for errors as
                // its per-IP allowance; past that the error is answered with its own page.
                let keep = self.session.is_stored() || self.state.limiter.new_record(self.ip).await;
                if keep {
                    let kept = self.session.set_flash(&flash).await;
                    if !page {
                        kept?;
                    }
                }
                if page || !keep {
                    self.error_page(&flash.error, form.page());
                    return Ok(());
                }
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
    /// form: see the server's `error_pages` middleware.
    fn error_page(&self, error: &AppError, back: &str) {
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(error.status());
            set_retry_after(&res, error);
            let page = ErrorPage {
                error: error.clone(),
                back: back.to_string(),
            };
            if let Some(v) = serde_json::to_string(&page)
                .ok()
                .and_then(|j| http::HeaderValue::from_str(&j).ok())
            {
                res.insert_header(http::HeaderName::from_static(ERROR_PAGE_HEADER), v);
            }
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
    use aws_sdk_cognitoidentityprovider::{
        operation::describe_user_pool::{DescribeUserPoolError, DescribeUserPoolOutput},
        types::{
            error::NotAuthorizedException, PasswordPolicyType, UserPoolPolicyType, UserPoolType,
        },
        Client,
    };
    use aws_smithy_mocks::{mock, mock_client};

    #[tokio::test]
    async fn the_pools_policy_wins_when_it_can_be_read() {
        let rule = mock!(Client::describe_user_pool).then_output(|| {
            DescribeUserPoolOutput::builder()
                .user_pool(
                    UserPoolType::builder()
                        .policies(
                            UserPoolPolicyType::builder()
                                .password_policy(
                                    PasswordPolicyType::builder()
                                        .minimum_length(12)
                                        .require_symbols(false)
                                        .require_numbers(true)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let p = policy_in_force(&state.cognito, &state.settings).await;
        assert_eq!(p.min_length, 12);
        assert!(!p.require_symbols && p.require_numbers && !p.require_uppercase);
    }

    #[tokio::test]
    async fn without_permission_the_configured_policy_is_used() {
        let rule = mock!(Client::describe_user_pool).then_error(|| {
            DescribeUserPoolError::NotAuthorizedException(NotAuthorizedException::builder().build())
        });
        let state = testing::state(mock_client!(aws_sdk_cognitoidentityprovider, [&rule]));
        let mut settings = (*state.settings).clone();
        settings.password_policy.min_length = 10;
        let p = policy_in_force(&state.cognito, &settings).await;
        assert_eq!(p.min_length, 10);
        assert_eq!(rule.num_calls(), 1);

        settings.describe_user_pool = false;
        let p = policy_in_force(&state.cognito, &settings).await;
        assert_eq!(p.min_length, 10);
        assert_eq!(rule.num_calls(), 1, "no call when DESCRIBE_USER_POOL=false");
    }
}
