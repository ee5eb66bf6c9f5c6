//! The client: the pool, the app client and its secret (`SECRET_HASH`), bounded timeouts, the
//! user's IP address for threat protection, and every call timed into the metrics.

use std::{fmt, sync::Arc, time::Duration};

use aws_config::{timeout::TimeoutConfig, BehaviorVersion, Region};
use aws_sdk_cognitoidentityprovider::{types::UserContextDataType, Client};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::config::Settings;

/// The Cognito user pool and app client this app works with.
#[derive(Clone)]
pub struct Cognito {
    pub(super) client: Client,
    // Shared, so that the per-request copy (`for_user_at`) costs no allocation.
    pub(super) user_pool_id: Arc<str>,
    pub(super) client_id: Arc<str>,
    pub(super) client_secret: Option<Arc<SecretString>>,
    /// The end user's IP address, sent as `UserContextData` so Cognito's threat protection
    /// sees the user, not this server (see [`Cognito::for_user_at`]).
    pub(super) user_ip: Option<std::net::IpAddr>,
}

impl fmt::Debug for Cognito {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cognito")
            .field("user_pool_id", &self.user_pool_id)
            .field("client_id", &self.client_id)
            .field("has_secret", &self.client_secret.is_some())
            .finish()
    }
}

/// Computes Cognito's `SECRET_HASH`: Base64(HMAC-SHA256(client_secret, username + client_id)).
pub fn secret_hash(client_secret: &str, username: &str, client_id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(client_secret.as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

impl Cognito {
    /// Builds the client from the AWS SDK's standard configuration chain (credentials,
    /// profiles, `AWS_ENDPOINT_URL`) with the pool's region and bounded timeouts.
    pub async fn from_settings(settings: &Settings) -> Self {
        let total = settings.cognito.timeout;
        let sdk = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(settings.cognito.region.clone()))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(total.min(Duration::from_secs(3)))
                    .operation_attempt_timeout(total.min(Duration::from_secs(5)))
                    .operation_timeout(total)
                    .build(),
            )
            // The SDK's standard retries: throttling and transient errors only, with backoff,
            // all inside the operation timeout above.
            .retry_config(aws_config::retry::RetryConfig::standard().with_max_attempts(3))
            .load()
            .await;
        let mut config =
            aws_sdk_cognitoidentityprovider::config::Builder::from(&sdk).interceptor(Timing);
        if let Some(url) = &settings.cognito.endpoint_url {
            config = config.endpoint_url(url);
        }
        let config = config.build();
        Self::new(
            Client::from_conf(config),
            settings.cognito.user_pool_id.clone(),
            settings.cognito.client_id.clone(),
            settings.cognito.client_secret.clone(),
        )
    }

    /// Wraps an existing SDK client (tests build one with `aws-smithy-mocks`).
    pub fn new(
        client: Client,
        user_pool_id: String,
        client_id: String,
        client_secret: Option<SecretString>,
    ) -> Self {
        Self {
            client,
            user_pool_id: user_pool_id.into(),
            client_id: client_id.into(),
            client_secret: client_secret.map(Arc::new),
            user_ip: None,
        }
    }

    /// The same client, for calls made on behalf of a user at `ip`.
    pub fn for_user_at(&self, ip: std::net::IpAddr) -> Self {
        Self {
            user_ip: (!ip.is_unspecified()).then_some(ip),
            ..self.clone()
        }
    }

    /// `UserContextData` with the user's IP address (no `EncodedData`: that needs Cognito's
    /// JavaScript collector in the browser, see the docs).
    pub(super) fn context(&self) -> Option<UserContextDataType> {
        self.user_ip.as_ref().map(|ip| {
            UserContextDataType::builder()
                .ip_address(ip.to_string())
                .build()
        })
    }

    pub(super) fn hash(&self, username: &str) -> Option<String> {
        self.client_secret
            .as_ref()
            .map(|s| secret_hash(s.expose_secret(), username, &self.client_id))
    }
}

/// Times every Cognito operation (retries included) into the latency histogram.
#[derive(Debug)]
struct Timing;

#[derive(Clone, Debug)]
struct Started(std::time::Instant);

impl aws_smithy_types::config_bag::Storable for Started {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Timing {
    fn name(&self) -> &'static str {
        "Timing"
    }

    fn read_before_execution(
        &self,
        _ctx: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        cfg.interceptor_state()
            .store_put(Started(std::time::Instant::now()));
        Ok(())
    }

    fn read_after_execution(
        &self,
        ctx: &aws_smithy_runtime_api::client::interceptors::context::FinalizerInterceptorContextRef<
            '_,
        >,
        _rc: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let op = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| m.name().to_string())
            .unwrap_or_else(|| "unknown".into());
        let outcome = match ctx.output_or_error() {
            Some(Ok(_)) => "ok",
            _ if throttled(ctx.response()) => "throttled",
            _ => "error",
        };
        if let Some(Started(t)) = cfg.load::<Started>() {
            crate::metrics::metrics().cognito(&op, outcome, t.elapsed());
        }
        Ok(())
    }
}

/// Whether Cognito refused a call for too many requests (`TooManyRequestsException`, said in
/// the `x-amzn-ErrorType` header or the JSON body's `__type`).
fn throttled(response: Option<&aws_smithy_runtime_api::http::Response>) -> bool {
    const CODE: &str = "TooManyRequestsException";
    let Some(r) = response else { return false };
    let in_header = r
        .headers()
        .get("x-amzn-errortype")
        .is_some_and(|v| v.starts_with(CODE));
    let in_body = r
        .body()
        .bytes()
        .is_some_and(|b| b.windows(CODE.len()).any(|w| w == CODE.as_bytes()));
    in_header || in_body
}
