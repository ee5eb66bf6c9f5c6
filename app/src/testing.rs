//! Test helpers: an `AppState` around a mocked Cognito client and an in-memory session.

use std::{collections::HashMap, sync::Arc};

use aws_sdk_cognitoidentityprovider::Client;
use leptos::prelude::LeptosOptions;
use tower_sessions::{MemoryStore, Session};

use crate::{
    cognito::Cognito, config::Settings, policy::PasswordPolicy, session::AppSession,
    state::AppState,
};

/// Settings for tests, with `overrides` applied.
pub fn settings(overrides: &[(&str, &str)]) -> Settings {
    let mut m: HashMap<String, String> = [
        ("COGNITO_USER_POOL_ID", "eu-west-1_Test123"),
        ("COGNITO_CLIENT_ID", "client1"),
        ("AWS_REGION", "eu-west-1"),
        ("PUBLIC_ORIGIN", "https://reset.example.com"),
        ("SERVER_SECRET", "test-secret-test-secret-test-secret-0123"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in overrides {
        m.insert(k.to_string(), v.to_string());
    }
    Settings::from_lookup(|k| m.get(k).cloned()).expect("test settings")
}

/// A state whose Cognito calls go to `client` (built with `mock_client!`).
pub fn state(client: Client) -> AppState {
    state_with(client, &[])
}

/// Like [`state`], with settings overridden (e.g. a client secret).
pub fn state_with(client: Client, overrides: &[(&str, &str)]) -> AppState {
    let s = settings(overrides);
    let cognito = Cognito::new(
        client,
        s.cognito.user_pool_id.clone(),
        s.cognito.client_id.clone(),
        s.cognito.client_secret.clone(),
    );
    AppState::new(
        s,
        cognito,
        PasswordPolicy::default(),
        LeptosOptions::builder().output_name("reset").build(),
        Arc::new(crate::limits::MemoryLimits::default()),
    )
}

/// A username as the server function would pass it on.
pub fn user(raw: &str) -> crate::flow::Username {
    crate::flow::Username::parse(raw).expect("a valid username")
}

/// A password as the server function would pass it on.
pub fn secret(raw: &str) -> secrecy::SecretString {
    secrecy::SecretString::from(raw.to_string())
}

/// A code as the server function would pass it on.
pub fn code(raw: &str) -> crate::flow::Code {
    crate::flow::Code::new(raw)
}

/// A new password and its confirmation as the server function would pass them on.
pub fn new_password(password: &str, confirmation: &str) -> crate::flow::NewPassword {
    crate::flow::NewPassword::new(password.into(), confirmation.into())
}

/// The sign-in outcome an `InitiateAuth` answer means.
pub fn sign_in_outcome_of(
    out: aws_sdk_cognitoidentityprovider::operation::initiate_auth::InitiateAuthOutput,
) -> crate::cognito::SignIn {
    crate::cognito::outcome_of(&out)
}

/// A fresh session in a memory store.
pub fn session() -> AppSession {
    AppSession::with_guard(
        Session::new(None, Arc::new(MemoryStore::default()), None),
        crate::session::RecordGuard::unlimited(),
    )
}

/// A modeled Cognito exception as the SDK reads it off the wire, code included (the SDK's
/// Rust names write `MFA` as `Mfa`): `exception!(ForgotPasswordError::UserNotFoundException)`.
#[macro_export]
macro_rules! exception {
    ($err:ident :: $variant:ident, $message:expr) => {
        $err::$variant(
            aws_sdk_cognitoidentityprovider::types::error::$variant::builder()
                .meta(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code(stringify!($variant).replace("Mfa", "MFA"))
                        .message($message)
                        .build(),
                )
                .build(),
        )
    };
    ($err:ident :: $variant:ident) => {
        $err::$variant(
            aws_sdk_cognitoidentityprovider::types::error::$variant::builder()
                .meta(
                    aws_smithy_types::error::ErrorMetadata::builder()
                        .code(stringify!($variant).replace("Mfa", "MFA"))
                        .build(),
                )
                .build(),
        )
    };
}

/// Builds `(name, constructor, expected)` rows, one per exception variant of an operation's
/// error enum, for table-driven mapping tests.
#[macro_export]
macro_rules! error_cases {
    ($err:ident => $expected_ty:ty; $($variant:ident => $expected:expr),* $(,)?) => {{
        let rows: Vec<(&'static str, fn() -> $err, $expected_ty)> = vec![$(
            (
                stringify!($variant),
                (|| $crate::exception!($err::$variant)) as fn() -> $err,
                $expected,
            )
        ),*];
        rows
    }};
}

/// Log lines written while the returned guard lives (on this thread: `#[tokio::test]` runs on
/// one), as plain text.
pub fn capture_logs() -> (tracing::subscriber::DefaultGuard, LogBuffer) {
    let buffer = LogBuffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    (tracing::subscriber::set_default(subscriber), buffer)
}

/// What [`capture_logs`] collected.
#[derive(Clone, Default)]
pub struct LogBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl LogBuffer {
    /// Everything logged so far.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A `ForgotPassword` answer: the code went to a masked email.
pub fn delivered(
) -> aws_sdk_cognitoidentityprovider::operation::forgot_password::ForgotPasswordOutput {
    aws_sdk_cognitoidentityprovider::operation::forgot_password::ForgotPasswordOutput::builder()
        .code_delivery_details(
            aws_sdk_cognitoidentityprovider::types::CodeDeliveryDetailsType::builder()
                .destination("j***@e***.com")
                .delivery_medium(aws_sdk_cognitoidentityprovider::types::DeliveryMediumType::Email)
                .attribute_name("email")
                .build(),
        )
        .build()
}

/// `AdminGetUser` of an invited user (`FORCE_CHANGE_PASSWORD`) with an email address.
pub fn invited_user(
) -> aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput {
    use aws_sdk_cognitoidentityprovider::types::{AttributeType, UserStatusType};
    let email = AttributeType::builder()
        .name("email")
        .value("jane@example.com")
        .build()
        .expect("name");
    aws_sdk_cognitoidentityprovider::operation::admin_get_user::AdminGetUserOutput::builder()
        .username("jane")
        .user_status(UserStatusType::ForceChangePassword)
        .enabled(true)
        .user_attributes(email)
        .build()
        .expect("username")
}

/// A mocked `AdminCreateUser` that answers only a `RESEND` by email (what the app sends for a
/// user with an address).
pub fn resend_invitation_by_email() -> aws_smithy_mocks::Rule {
    use aws_sdk_cognitoidentityprovider::{
        operation::admin_create_user::AdminCreateUserOutput,
        types::{DeliveryMediumType, MessageActionType},
        Client,
    };
    aws_smithy_mocks::mock!(Client::admin_create_user)
        .match_requests(|r| {
            r.message_action() == Some(&MessageActionType::Resend)
                && r.desired_delivery_mediums() == [DeliveryMediumType::Email]
        })
        .then_output(|| AdminCreateUserOutput::builder().build())
}

/// A mocked `ResendConfirmationCode` that sent the sign-up's code by email.
pub fn sign_up_code_sent() -> aws_smithy_mocks::Rule {
    use aws_sdk_cognitoidentityprovider::{
        operation::resend_confirmation_code::ResendConfirmationCodeOutput,
        types::{CodeDeliveryDetailsType, DeliveryMediumType},
        Client,
    };
    aws_smithy_mocks::mock!(Client::resend_confirmation_code).then_output(|| {
        ResendConfirmationCodeOutput::builder()
            .code_delivery_details(
                CodeDeliveryDetailsType::builder()
                    .destination("j***@e***.com")
                    .delivery_medium(DeliveryMediumType::Email)
                    .build(),
            )
            .build()
    })
}

/// A session of `jane`, signed in `ago` seconds ago, with an access token good for an hour
/// (`access`, refresh token `old-refresh`).
pub async fn signed_in(ago: i64) -> AppSession {
    use crate::cognito::{Token, Tokens};
    let s = session();
    s.set_signed_in(&crate::session::SignedIn {
        username: "jane".into(),
        hash_username: "jane".into(),
        email: None,
        locale: None,
        tokens: Tokens {
            access: Token::from("access"),
            id: None,
            refresh: Some(Token::from("old-refresh")),
            expires_in: 3600,
        },
        access_expires_at: crate::clock::now() + 3600,
        authenticated_at: crate::clock::now() - ago,
    })
    .await
    .expect("a session in memory");
    s
}

/// Where the tests' requests come from, as a notification tells it.
#[cfg(feature = "ssr")]
pub fn origin() -> crate::notify::Origin {
    crate::notify::Origin {
        ip: "203.0.113.7".parse().unwrap(),
        browser: "Firefox",
        at: crate::clock::now(),
        locale: crate::i18n::Locale::en,
        due: None,
    }
}
