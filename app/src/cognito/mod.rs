//! The one module that names `aws_sdk_cognitoidentityprovider` types (server only).
//!
//! It turns each Cognito call into a plain async method with domain inputs and outputs, and
//! sorts every exception into an [`IdpError`] kind ([`errors`]). Flows decide what a kind means
//! to the user. The SDK's own error text is never logged or passed on. One file per purpose:
//! [`client`] (the pool, the app client, its secret hash, timeouts, timing), [`sign_in`] (every
//! sign-in and challenge, passkeys included), [`recovery`] (forgotten passwords), [`account`]
//! (the user's own calls with their access token), [`pool`] (what the pool is), [`admin`] (the
//! IAM-credentialed calls) and [`errors`].

mod account;
mod admin;
mod client;
mod errors;
mod pool;
mod recovery;
mod sign_in;
#[cfg(test)]
mod tests;

pub use account::{
    document_json, json_document, MfaPreference, Passkey, RememberedDevice, UserSecurity,
};
pub use admin::UserSummary;
pub use client::{secret_hash, Cognito};
use errors::classify;
pub use errors::{kind_of, IdpError, KINDS};
pub use pool::PoolDescription;
pub use sign_in::outcome_of;

use std::fmt;

use serde::{Deserialize, Serialize};

/// A token kept only in the server-side session. `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Token(String);

impl Token {
    /// The token text, for the Cognito call that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl From<&str> for Token {
    fn from(s: &str) -> Self {
        Token(s.to_string())
    }
}

/// The tokens Cognito issues at sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access: Token,
    pub id: Option<Token>,
    pub refresh: Option<Token>,
    /// Seconds the access token is valid for.
    pub expires_in: i64,
}

/// The outcome of a sign-in step.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in.
    Tokens(Tokens),
    /// Cognito asks for another step before it issues tokens.
    Challenge {
        step: Challenge,
        /// Cognito's challenge session (kept server-side only); each answer gets a new one.
        session: Token,
        /// Cognito's canonical username for the challenge responses (`USER_ID_FOR_SRP`).
        username: Option<String>,
    },
    /// A challenge this app does not handle.
    Unsupported(String),
}

/// A step Cognito asks for during a password sign-in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Challenge {
    /// A temporary password was used: a new one must be set, with these attributes (without
    /// the `userAttributes.` prefix).
    NewPassword { required_attributes: Vec<String> },
    /// A code of this kind; for SMS and email, where Cognito said it went
    /// (`CODE_DELIVERY_DESTINATION`, as Cognito masked it).
    Code {
        kind: MfaKind,
        destination: Option<String>,
    },
    /// The user picks the second factor (`SELECT_MFA_TYPE`, from `MFAS_CAN_CHOOSE`).
    SelectMfa { options: Vec<MfaKind> },
    /// The pool requires a second factor the user has not set up (`MFA_SETUP`, from
    /// `MFAS_CAN_SETUP`).
    MfaSetup { options: Vec<MfaKind> },
    /// Choice-based sign-in: the user picks the first factor (`SELECT_CHALLENGE`, from
    /// `AvailableChallenges`).
    SelectFactor { options: Vec<Factor> },
    /// A passkey (`WEB_AUTHN`): the `PublicKeyCredentialRequestOptions` (JSON) for the
    /// browser's `navigator.credentials.get`.
    Passkey { options: String },
}

pub use crate::forms::Medium;
pub use crate::forms::{Delivery, Factor, MfaKind};
