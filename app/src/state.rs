//! Server state shared by every request, and the per-request context server functions use.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::*;

use crate::{
    cognito::Cognito,
    config::Settings,
    error::AppError,
    forms::{Flash, FormId},
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
}

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

/// What a server function works with: the state, the session, and whether the request is a
/// plain form post (JavaScript off).
pub struct Ctx {
    pub state: AppState,
    pub session: AppSession,
    pub no_js: bool,
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
        let no_js = use_context::<http::request::Parts>()
            .and_then(|p| {
                p.headers
                    .get(http::header::ACCEPT)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| v.contains("text/html"))
            })
            .unwrap_or(false);
        Ok(Self {
            state,
            session: AppSession(session),
            no_js,
        })
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
                let flash = Flash {
                    form,
                    error,
                    fields: fields
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_string()))
                        .collect(),
                };
                self.session.set_flash(&flash).await?;
                self.redirect(form.page());
                Ok(())
            }
            Err(error) => {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(error.status());
                }
                Err(error)
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
