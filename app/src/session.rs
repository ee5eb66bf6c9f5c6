//! The typed server-side session (tower-sessions). Only the server reads or writes it; the
//! browser holds nothing but an opaque cookie. Each flow keeps just what its next step needs.
//!
//! **The one way a request creates or grows a session record** is [`AppSession`]'s private
//! `set`, and it applies the bounds itself (see [`RecordGuard`]): each value within its size,
//! and at most the client's allowance of new records. An `AppSession` can only be made with
//! the request's guard ([`AppSession::from_parts`]), which the server installs for every route;
//! a route without it cannot write at all. The server's route walk
//! (`server/tests/api/walk.rs`) checks every route and server function the router knows.

use std::{net::IpAddr, sync::Arc};

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::{
    cognito::{Challenge, Delivery, Token, Tokens},
    error::AppError,
    forms::{Flash, Notice},
};

const RESET: &str = "reset";
const CHALLENGE: &str = "challenge";
const AUTH: &str = "auth";
const FLASH: &str = "flash";
const NOTICE: &str = "notice";
/// A "This wasn't me" token from a notification's link.
const NOT_ME: &str = "not_me";
/// Set while a sign-in challenge confirms a signed-in user again (step-up): where it ends.
const STEP_UP: &str = "step_up";
/// The secret key of an authenticator app being added on the security page.
const NEW_TOTP: &str = "new_totp";
/// Unix seconds when this session record was created (for the absolute lifetime).
const STARTED: &str = "started";
/// The username whose password was just reset here: its next sign-in in this browser offers a
/// passkey.
const RECOVERED: &str = "recovered";
/// The account page offers a passkey once (after a reset or a temporary password).
const PASSKEY_OFFER: &str = "passkey_offer";
/// An account whose state stops sign-in (an expired invitation, a sign-up never confirmed),
/// found by a sign-in with the right password.
const STUCK: &str = "stuck";
/// The account page checks once a sign-in whether the user has a verified recovery contact.
const CONTACT_CHECK: &str = "contact_check";
/// A code sent to the signed-in user's email or phone, to verify it (security page).
const VERIFYING: &str = "verifying";
/// A new set of recovery codes, shown on the security page until the user says they are saved.
const NEW_CODES: &str = "new_codes";
/// "I lost my authenticator" (`MFA_RESET`) in progress.
const LOST_FACTOR: &str = "lost_factor";
/// An authenticator was just set up at sign-in: the account page offers recovery codes once.
const CODES_OFFER: &str = "codes_offer";

/// "I lost my authenticator", from the second-factor page: whose (the password was right),
/// the emailed code (hashed) and, once it was entered, when the removal takes effect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostFactor {
    pub username: String,
    /// Where the code went (masked).
    pub to: String,
    /// The code's keyed hash (`flow::factor_reset::code_hash`), until it is entered.
    pub code: Option<String>,
    /// Unix seconds of the latest code.
    pub sent_at: i64,
    /// Wrong tries of the latest code.
    pub tries: u8,
    /// The request is recorded: it takes effect then (Unix seconds).
    pub due: Option<i64>,
}

/// A code sent to verify the user's email or phone, while the security page asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verifying {
    /// Which contact (`Email`: the email address, `Sms`: the phone number).
    pub contact: crate::forms::Medium,
    /// Where the code went (masked), when Cognito said.
    pub delivery: Option<Delivery>,
    /// Unix seconds of the latest code.
    pub sent_at: i64,
    /// The contact was just changed (its new value waits for this code).
    pub changed: bool,
}

/// What a reset actually sent: the page is the same for all (no one can tell an account's state
/// from it); what the code is checked against is not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sent {
    /// A reset code (`ForgotPassword`): the usual case, and every unknown user's.
    #[default]
    ResetCode,
    /// The sign-up's confirmation code (`ResendConfirmationCode`): the user never confirmed;
    /// confirming it verifies the contact, and a reset code follows.
    SignUpCode,
    /// A new invitation with a new temporary password (`AdminCreateUser` `RESEND`, with
    /// `REINVITE`): the user never chose a password.
    Invitation,
}

/// Why a sign-in with the right password cannot go on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stuck {
    /// The temporary password from the invitation is past its validity.
    InvitationExpired,
    /// The sign-up was never confirmed (`UNCONFIRMED`).
    NotConfirmed,
}

/// An account whose state stops sign-in, while the user fixes it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StuckFlow {
    pub username: String,
    pub state: Stuck,
    /// Where the latest code or invitation went (`None` before one was sent, or when Cognito
    /// did not say).
    pub delivery: Option<Delivery>,
    /// Unix seconds of the latest code or invitation (0: none sent yet).
    pub sent_at: i64,
}

/// A password reset in progress (between "Forgot password" and "Enter code").
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ResetFlow {
    pub username: String,
    /// Where Cognito said the code went (`None` when it did not say).
    pub delivery: Option<Delivery>,
    /// Unix seconds of the latest code.
    pub sent_at: i64,
    /// The reset was started by an administrator (sign-in raised PasswordResetRequired).
    pub admin_reset: bool,
    /// The code from the email's link, filled into the code field (never logged).
    #[serde(default)]
    pub link_code: Option<Token>,
    /// Started from "This wasn't me": the user was signed out everywhere first.
    #[serde(default)]
    pub secured: bool,
    /// What was sent (never shown: the page is the same for every kind).
    #[serde(default)]
    pub sent: Sent,
    /// The sign-up's code was just confirmed here, and this reset code followed it.
    #[serde(default)]
    pub confirmed: bool,
}

/// A sign-in challenge in progress (a new password, an MFA code, a choice, an enrolment).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChallengeFlow {
    /// The username to answer with (Cognito's own when it said, else the one typed).
    pub username: String,
    /// Cognito's challenge session token; each answer replaces it.
    pub session: Token,
    /// Unix seconds when Cognito issued this step.
    pub started_at: i64,
    /// What Cognito asks for now.
    pub step: Challenge,
    /// While an authenticator app is being set up: its secret key (shown to the user on the
    /// setup page, never logged).
    pub secret: Option<Token>,
}

impl ChallengeFlow {
    /// The attributes a new password must come with (none for other steps).
    pub fn required_attributes(&self) -> &[String] {
        match &self.step {
            Challenge::NewPassword {
                required_attributes,
            } => required_attributes,
            _ => &[],
        }
    }
}

/// A signed-in user.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SignedIn {
    /// The name the user signed in with (shown on the account page).
    pub username: String,
    /// Cognito's `cognito:username`, needed for `SECRET_HASH` on refresh.
    pub hash_username: String,
    pub email: Option<String>,
    /// The user's `locale` attribute from the ID token (see [`crate::text::adopt_user_locale`]).
    #[serde(default)]
    pub locale: Option<String>,
    pub tokens: Tokens,
    /// Unix seconds when the access token expires.
    pub access_expires_at: i64,
    /// Unix seconds when the user last proved who they are (a sign-in or a step-up); a record
    /// without it counts as long ago.
    #[serde(default)]
    pub authenticated_at: i64,
}

/// The largest a signed-in user's value may be (Cognito's three tokens and the names).
pub const MAX_SIGNED_IN_BYTES: usize = 16 * 1024;
/// The largest a challenge in progress may be (Cognito's session, a passkey's options).
pub const MAX_CHALLENGE_BYTES: usize = 8 * 1024;
/// The largest any other value may be (a flash with its bounded fields, a reset, a notice).
pub const MAX_VALUE_BYTES: usize = 2 * 1024;

/// The most one key of a record may hold, serialised.
fn max_bytes(key: &str) -> usize {
    match key {
        AUTH => MAX_SIGNED_IN_BYTES,
        CHALLENGE => MAX_CHALLENGE_BYTES,
        _ => MAX_VALUE_BYTES,
    }
}

/// The bounds of one request's writes to its session: who is asking (`ip`) and how many new
/// records that client may still create (the per-IP allowance of the rate limiter, counted
/// once per request). The server makes one per request, for every route
/// (`server::guard_sessions`); nothing else can make an [`AppSession`].
#[derive(Clone)]
pub struct RecordGuard(Arc<GuardInner>);

struct GuardInner {
    /// `None`: no allowance to count (unit tests of the flows).
    limiter: Option<crate::limits::RateLimiter>,
    ip: IpAddr,
    /// This request's answer: admitted, or why not.
    admitted: tokio::sync::OnceCell<Result<(), AppError>>,
}

impl RecordGuard {
    /// The guard of one request from `ip`.
    pub fn for_request(limiter: crate::limits::RateLimiter, ip: IpAddr) -> Self {
        RecordGuard(Arc::new(GuardInner {
            limiter: Some(limiter),
            ip,
            admitted: tokio::sync::OnceCell::new(),
        }))
    }

    /// A guard that counts no allowance (the flows' unit tests only; sizes are still bounded).
    #[cfg(test)]
    pub fn unlimited() -> Self {
        RecordGuard(Arc::new(GuardInner {
            limiter: None,
            ip: IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED),
            admitted: tokio::sync::OnceCell::new(),
        }))
    }

    /// Whether this request may create a new record (asked once per request).
    async fn admit(&self) -> Result<(), AppError> {
        let Some(limiter) = &self.0.limiter else {
            return Ok(());
        };
        self.0
            .admitted
            .get_or_init(|| async { limiter.new_record(self.0.ip).await })
            .await
            .clone()
    }
}

/// Ends `session` when it is older than `max_age` seconds, used or not (the absolute
/// lifetime; the idle timeout is the store's expiry). Returns whether it ended. (It only
/// deletes, so it needs no guard: the server runs it before any handler.)
pub async fn enforce_lifetime(session: &Session, max_age: i64) -> Result<bool, AppError> {
    let started = match session.get::<i64>(STARTED).await {
        Ok(v) => v,
        Err(tower_sessions::session::Error::SerdeJson(_)) => None,
        Err(e) => return Err(store_err(e)),
    };
    match started {
        Some(t) if crate::clock::now() - t > max_age => {
            session.flush().await.map_err(store_err)?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The app's view of a tower-sessions `Session`, with named keys; every write bounded by the
/// request's [`RecordGuard`].
#[derive(Clone)]
pub struct AppSession {
    session: Session,
    guard: RecordGuard,
}

/// Axum handlers take an `AppSession` like any extractor; without the server's session layer
/// and guard the request is refused (500), never served with an unguarded session.
impl<S: Send + Sync> axum::extract::FromRequestParts<S> for AppSession {
    type Rejection = http::StatusCode;

    async fn from_request_parts(
        parts: &mut http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        AppSession::from_parts(parts).ok_or_else(|| {
            tracing::error!("session layer or record guard missing");
            http::StatusCode::INTERNAL_SERVER_ERROR
        })
    }
}

fn store_err(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session store failed");
    AppError::Unavailable
}

impl AppSession {
    /// The session of the request whose parts these are, with its guard; `None` when the
    /// server installed either no session or no guard (then nothing may be written).
    pub fn from_parts(parts: &http::request::Parts) -> Option<Self> {
        Some(AppSession {
            session: parts.extensions.get::<Session>()?.clone(),
            guard: parts.extensions.get::<RecordGuard>()?.clone(),
        })
    }

    /// A session with `guard` (the unit tests' sessions).
    #[cfg(test)]
    pub fn with_guard(session: Session, guard: RecordGuard) -> Self {
        AppSession { session, guard }
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, AppError> {
        match self.session.get::<T>(key).await {
            Ok(v) => Ok(v),
            // A record written by another version of the app: treat it as absent.
            Err(tower_sessions::session::Error::SerdeJson(_)) => Ok(None),
            Err(e) => Err(store_err(e)),
        }
    }

    /// The one write. The value must fit its key's bound; a write that would create a new
    /// record (none stored, or the old one dropped) must be admitted by the guard, except the
    /// signed-in user's (Cognito has just said who it is).
    async fn set<T: Serialize>(&self, key: &str, value: &T) -> Result<(), AppError> {
        let value = serde_json::to_value(value).map_err(|e| {
            tracing::error!(error = %e, "session value not serialisable");
            AppError::Unexpected
        })?;
        let size = value.to_string().len();
        if size > max_bytes(key) {
            tracing::warn!(key, size, "session value over its bound: not stored");
            return Err(AppError::TooLarge);
        }
        if self
            .session
            .get_value(STARTED)
            .await
            .map_err(store_err)?
            .is_none()
        {
            if key != AUTH {
                self.guard.admit().await?;
            }
            self.session
                .insert(STARTED, crate::clock::now())
                .await
                .map_err(store_err)?;
        }
        self.session
            .insert_value(key, value)
            .await
            .map_err(store_err)?;
        Ok(())
    }

    async fn take<T: serde::de::DeserializeOwned>(&self, key: &str) -> Result<Option<T>, AppError> {
        let v = self.get::<T>(key).await?;
        if v.is_some() {
            self.session
                .remove::<serde_json::Value>(key)
                .await
                .map_err(store_err)?;
            // Nothing left to carry: delete the server-side record (and the cookie).
            if self.holds_nothing().await? {
                self.drop_record().await?;
            }
        }
        Ok(v)
    }

    /// Deletes the server-side record (if one was stored) and forgets the id.
    async fn drop_record(&self) -> Result<(), AppError> {
        if self.session.id().is_some() {
            self.session.flush().await.map_err(store_err)
        } else {
            self.session.clear().await;
            Ok(())
        }
    }

    async fn holds_nothing(&self) -> Result<bool, AppError> {
        for key in [
            RESET,
            CHALLENGE,
            AUTH,
            FLASH,
            NOTICE,
            NOT_ME,
            STEP_UP,
            NEW_TOTP,
            RECOVERED,
            PASSKEY_OFFER,
            STUCK,
            CONTACT_CHECK,
            VERIFYING,
            NEW_CODES,
            LOST_FACTOR,
            CODES_OFFER,
        ] {
            if self
                .session
                .get_value(key)
                .await
                .map_err(store_err)?
                .is_some()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Ends the session when it is older than `max_age` seconds, used or not (the absolute
    /// lifetime; the idle timeout is the store's expiry). Returns whether it ended.
    pub async fn enforce_lifetime(&self, max_age: i64) -> Result<bool, AppError> {
        enforce_lifetime(&self.session, max_age).await
    }

    /// Whether this browser already has a stored session record (its cookie named one).
    pub fn is_stored(&self) -> bool {
        self.session.id().is_some()
    }

    /// The reset in progress, if any.
    pub async fn reset(&self) -> Result<Option<ResetFlow>, AppError> {
        self.get(RESET).await
    }
    /// Starts or updates a reset.
    pub async fn set_reset(&self, flow: &ResetFlow) -> Result<(), AppError> {
        self.set(RESET, flow).await
    }

    /// The challenge in progress, if any.
    pub async fn challenge(&self) -> Result<Option<ChallengeFlow>, AppError> {
        self.get(CHALLENGE).await
    }
    /// Keeps a new challenge.
    pub async fn set_challenge(&self, flow: &ChallengeFlow) -> Result<(), AppError> {
        self.set(CHALLENGE, flow).await
    }

    /// The signed-in user, if any.
    pub async fn signed_in(&self) -> Result<Option<SignedIn>, AppError> {
        self.get(AUTH).await
    }
    /// Replaces the signed-in user's tokens (after a refresh).
    pub async fn set_signed_in(&self, user: &SignedIn) -> Result<(), AppError> {
        self.set(AUTH, user).await
    }

    /// Takes the one-time form state left by a failed no-JS post.
    /// The "This wasn't me" token this browser opened, if any.
    pub async fn not_me(&self) -> Result<Option<Token>, AppError> {
        self.get(NOT_ME).await
    }

    /// Keeps the "This wasn't me" token from a notification's link: a new session id (no
    /// fixation: a flow starts here), whatever else this browser had kept.
    pub async fn start_not_me(&self, token: &Token) -> Result<(), AppError> {
        self.session.cycle_id().await.map_err(store_err)?;
        self.set(NOT_ME, token).await
    }

    pub async fn take_flash(&self) -> Result<Option<Flash>, AppError> {
        self.take(FLASH).await
    }
    /// Leaves form state for the page the no-JS post redirects to.
    /// Its fields are bounded here, whoever made it (see [`crate::forms::bounded_fields`]).
    pub async fn set_flash(&self, flash: &Flash) -> Result<(), AppError> {
        let fields: Vec<(&str, &str)> = flash
            .fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let bounded = Flash {
            form: flash.form,
            error: flash.error.clone(),
            fields: crate::forms::bounded_fields(&fields),
        };
        self.set(FLASH, &bounded).await
    }

    /// Takes the one-time notice for the next page.
    pub async fn take_notice(&self) -> Result<Option<Notice>, AppError> {
        self.take(NOTICE).await
    }

    /// Leaves a one-time notice for the next page.
    pub async fn set_notice(&self, notice: &Notice) -> Result<(), AppError> {
        self.set(NOTICE, notice).await
    }

    /// Leaves `notice` unless an earlier step of the same chain left one (which says more:
    /// "your new password is set" before the authenticator set up at the same sign-in).
    pub async fn add_notice(&self, notice: &Notice) -> Result<(), AppError> {
        if self.get::<Notice>(NOTICE).await?.is_none() {
            self.set(NOTICE, notice).await?;
        }
        Ok(())
    }

    /// Marks the challenge about to start as a step-up of the signed-in user.
    pub async fn set_step_up(&self) -> Result<(), AppError> {
        self.set(STEP_UP, &true).await
    }

    /// Whether the challenge in progress is a step-up.
    pub async fn is_step_up(&self) -> Result<bool, AppError> {
        Ok(self.get::<bool>(STEP_UP).await?.unwrap_or(false))
    }

    /// The key of the authenticator app being added, if any.
    pub async fn new_totp(&self) -> Result<Option<Token>, AppError> {
        self.get(NEW_TOTP).await
    }

    /// Keeps (or, with `None`, drops) the key of the authenticator app being added.
    pub async fn set_new_totp(&self, secret: Option<&Token>) -> Result<(), AppError> {
        match secret {
            Some(s) => self.set(NEW_TOTP, s).await,
            None => self.take::<Token>(NEW_TOTP).await.map(|_| ()),
        }
    }

    /// Ends every flow and sign-in: the server-side record is deleted and the next write gets
    /// a fresh id. `notice` (if any) is kept for the next page in a new session.
    pub async fn end_all(&self, notice: Option<&Notice>) -> Result<(), AppError> {
        self.drop_record().await?;
        if let Some(n) = notice {
            // Everything has ended either way; a client past its allowance of new records
            // only misses the notice.
            match self.set(NOTICE, n).await {
                Err(AppError::RateLimited(_)) => {}
                other => other?,
            }
        }
        Ok(())
    }

    /// Signs the user in: new session id (no fixation), flows cleared, tokens stored. The
    /// first sign-in after this browser reset the same user's password leaves a passkey offer
    /// (`key`: the user's `AppState::user_hash`, which compares usernames as the pool does).
    pub async fn sign_in(&self, user: &SignedIn, key: &str) -> Result<(), AppError> {
        let recovered = self.get::<String>(RECOVERED).await?;
        // A notice left by an earlier step of this sign-in ("your new password is set")
        // is for the page the sign-in ends on.
        let notice = self.get::<Notice>(NOTICE).await?;
        self.drop_record().await?;
        self.session.cycle_id().await.map_err(store_err)?;
        self.set(AUTH, user).await?;
        if let Some(n) = notice {
            self.set(NOTICE, &n).await?;
        }
        if recovered.is_some_and(|r| r == key) {
            self.set(PASSKEY_OFFER, &true).await?;
        }
        self.set(CONTACT_CHECK, &true).await?;
        crate::text::adopt_user_locale(user.locale.as_deref());
        Ok(())
    }

    /// Whether the account page checks the user's recovery contact now; taken, so it is
    /// checked (and the user told) once a sign-in.
    pub async fn take_contact_check(&self) -> Result<bool, AppError> {
        Ok(self.take::<bool>(CONTACT_CHECK).await?.unwrap_or(false))
    }

    /// A new set of recovery codes waiting to be saved, if any.
    pub async fn new_codes(&self) -> Result<Option<Vec<String>>, AppError> {
        self.get(NEW_CODES).await
    }

    /// Keeps a new set of recovery codes for the page (or, with `None`, drops them).
    pub async fn set_new_codes(&self, codes: Option<&[String]>) -> Result<(), AppError> {
        match codes {
            Some(c) => self.set(NEW_CODES, &c).await,
            None => self.take::<serde_json::Value>(NEW_CODES).await.map(|_| ()),
        }
    }

    /// Has the account page offer recovery codes (after an authenticator set up at sign-in).
    pub async fn offer_codes(&self) -> Result<(), AppError> {
        self.set(CODES_OFFER, &true).await
    }

    /// Whether the account page offers recovery codes now; taken, so it is offered once.
    pub async fn take_codes_offer(&self) -> Result<bool, AppError> {
        Ok(self.take::<bool>(CODES_OFFER).await?.unwrap_or(false))
    }

    /// "I lost my authenticator" in progress, if it is.
    pub async fn lost_factor(&self) -> Result<Option<LostFactor>, AppError> {
        self.get(LOST_FACTOR).await
    }

    /// Keeps (or, with `None`, ends) "I lost my authenticator".
    pub async fn set_lost_factor(&self, v: Option<&LostFactor>) -> Result<(), AppError> {
        match v {
            Some(v) => self.set(LOST_FACTOR, v).await,
            None => self
                .take::<serde_json::Value>(LOST_FACTOR)
                .await
                .map(|_| ()),
        }
    }

    /// The verification code in progress on the security page, if any.
    pub async fn verifying(&self) -> Result<Option<Verifying>, AppError> {
        self.get(VERIFYING).await
    }

    /// Starts (or, with `None`, ends) a contact's verification.
    pub async fn set_verifying(&self, v: Option<&Verifying>) -> Result<(), AppError> {
        match v {
            Some(v) => self.set(VERIFYING, v).await,
            None => self.take::<serde_json::Value>(VERIFYING).await.map(|_| ()),
        }
    }

    /// Remembers that the user whose `AppState::user_hash` is `key` just reset the password in
    /// this browser (after [`Self::end_all`]), so that its next sign-in here can offer a passkey.
    pub async fn set_recovered(&self, key: &str) -> Result<(), AppError> {
        self.set(RECOVERED, &key.to_string()).await
    }

    /// Whether the account page offers a passkey now; taken, so it is offered once.
    pub async fn take_passkey_offer(&self) -> Result<bool, AppError> {
        Ok(self.take::<bool>(PASSKEY_OFFER).await?.unwrap_or(false))
    }

    /// Starts a reset: new session id (no fixation), any earlier flow in this session dropped.
    pub async fn start_reset(&self, flow: &ResetFlow) -> Result<(), AppError> {
        self.session
            .remove::<serde_json::Value>(CHALLENGE)
            .await
            .map_err(store_err)?;
        self.session.cycle_id().await.map_err(store_err)?;
        self.set(RESET, flow).await
    }

    /// The account state a sign-in found, while the user fixes it.
    pub async fn stuck(&self) -> Result<Option<StuckFlow>, AppError> {
        self.get(STUCK).await
    }

    /// Starts fixing an account's state (new session id, earlier flows dropped).
    pub async fn start_stuck(&self, flow: &StuckFlow) -> Result<(), AppError> {
        self.drop_record().await?;
        self.session.cycle_id().await.map_err(store_err)?;
        self.set(STUCK, flow).await
    }

    /// The account state's flow after a code or invitation was sent again (same session).
    pub async fn set_stuck(&self, flow: &StuckFlow) -> Result<(), AppError> {
        self.set(STUCK, flow).await
    }

    /// The next step of a challenge in progress: same session id (the browser is the one
    /// that answered the last step), the step and Cognito's session replaced.
    pub async fn next_challenge(&self, flow: &ChallengeFlow) -> Result<(), AppError> {
        self.set(CHALLENGE, flow).await
    }

    /// Ends the challenge in progress (other values stay).
    pub async fn end_challenge(&self) -> Result<(), AppError> {
        self.take::<serde_json::Value>(CHALLENGE).await.map(|_| ())
    }

    /// Starts a sign-in challenge: new session id, earlier flows dropped (a just-reset
    /// username is kept for the sign-in's end).
    pub async fn start_challenge(&self, flow: &ChallengeFlow) -> Result<(), AppError> {
        let recovered = self.get::<String>(RECOVERED).await?;
        self.drop_record().await?;
        self.session.cycle_id().await.map_err(store_err)?;
        if let Some(r) = recovered {
            self.set(RECOVERED, &r).await?;
        }
        self.set(CHALLENGE, flow).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_session_past_its_absolute_lifetime_is_ended() {
        let s = crate::testing::session();
        s.set_notice(&Notice::SignedOut).await.unwrap();
        assert!(!s.enforce_lifetime(60).await.unwrap(), "young enough");
        s.session
            .insert(STARTED, crate::clock::now() - 61)
            .await
            .unwrap();
        assert!(s.enforce_lifetime(60).await.unwrap());
        assert_eq!(s.take_notice().await.unwrap(), None, "everything gone");
    }

    fn user(name: &str) -> SignedIn {
        SignedIn {
            username: name.into(),
            hash_username: name.into(),
            email: None,
            locale: None,
            tokens: Tokens {
                access: Token::from("access"),
                id: None,
                refresh: None,
                expires_in: 3600,
            },
            access_expires_at: 0,
            authenticated_at: 0,
        }
    }

    #[tokio::test]
    async fn the_first_sign_in_after_a_reset_here_offers_a_passkey_once() {
        let s = crate::testing::session();
        s.end_all(Some(&Notice::SignedOut)).await.unwrap();
        s.set_recovered("key-of-jane").await.unwrap();
        // The sign-in page takes its notice; the reset is still remembered.
        s.take_notice().await.unwrap();
        let flow = ChallengeFlow {
            username: "jane".into(),
            session: Token::from("cognito-session"),
            started_at: 0,
            step: Challenge::Code {
                kind: crate::forms::MfaKind::Totp,
                destination: None,
            },
            secret: None,
        };
        s.start_challenge(&flow).await.unwrap();
        s.sign_in(&user("jane"), "key-of-jane").await.unwrap();
        assert!(s.take_passkey_offer().await.unwrap(), "offered");
        assert!(!s.take_passkey_offer().await.unwrap(), "once");
        s.sign_in(&user("jane"), "key-of-jane").await.unwrap();
        assert!(
            !s.take_passkey_offer().await.unwrap(),
            "not at the next sign-in"
        );
    }

    #[tokio::test]
    async fn someone_else_signing_in_after_a_reset_gets_no_offer() {
        let s = crate::testing::session();
        s.set_recovered("key-of-jane").await.unwrap();
        s.sign_in(&user("bob"), "key-of-bob").await.unwrap();
        assert!(!s.take_passkey_offer().await.unwrap());
    }

    #[tokio::test]
    async fn taking_the_last_value_deletes_the_record() {
        let s = crate::testing::session();
        s.set_notice(&Notice::SignedOut).await.unwrap();
        s.session.save().await.unwrap();
        assert!(s.session.id().is_some());
        s.take_notice().await.unwrap();
        assert!(
            s.session.id().is_none(),
            "flushed: the store record and cookie go"
        );
    }
}
