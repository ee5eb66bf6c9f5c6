//! Cognito's exceptions, sorted into the few kinds the flows tell apart: one table for every
//! operation the app calls.

use aws_sdk_cognitoidentityprovider::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::http::Response as HttpResponse;

/// What went wrong in a Cognito call, by kind. Every exception of every operation we call maps
/// to exactly one kind (see [`KINDS`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdpError {
    /// `NotAuthorizedException`: wrong password, bad/expired token or session, disabled user.
    NotAuthorized,
    /// `UserNotFoundException`.
    UserNotFound,
    /// `UserNotConfirmedException`.
    UserNotConfirmed,
    /// `PasswordResetRequiredException`: an administrator reset the password.
    PasswordResetRequired,
    /// `CodeMismatchException`.
    CodeMismatch,
    /// `ExpiredCodeException`.
    ExpiredCode,
    /// `InvalidPasswordException`: the pool's policy refused the password.
    InvalidPassword,
    /// `PasswordHistoryPolicyViolationException`: a recently used password.
    PasswordReused,
    /// `InvalidParameterException`: e.g. no verified email or phone for a reset.
    InvalidParameter,
    /// `CodeDeliveryFailureException`.
    CodeDeliveryFailure,
    /// `AliasExistsException`.
    AliasExists,
    /// `LimitExceededException`, `TooManyRequestsException`, `TooManyFailedAttemptsException`.
    Throttled,
    /// A Lambda trigger or AWS WAF refused the request.
    Refused,
    /// The pool or app client is set up in a way this call cannot work with (operator's fix).
    Misconfigured,
    /// Cognito could not be reached or failed internally; worth a retry later.
    Unavailable,
    /// `RefreshTokenReuseException`: a refresh token already replaced by rotation (another
    /// tab or instance refreshed first, or a stolen copy): this sign-in is over.
    RefreshTokenReused,
    /// `OperationNotEnabledException`: not in this Region (a multi-Region pool's replica refuses
    /// resets and attribute changes) or not for this pool's configuration.
    NotEnabledHere,
    /// `UnsupportedUserStateException`: the user is not in a state the call works in (an
    /// invitation re-sent to a user who already chose a password).
    WrongUserState,
    /// `NotAuthorizedException` saying the temporary password is right but past the pool's
    /// `TemporaryPasswordValidityDays` (only the right password gets this answer): a new
    /// invitation is the way in.
    TemporaryPasswordExpired,
    /// `NotAuthorizedException` from `ForgotPassword` saying the user's state allows no reset:
    /// an invited user who never chose a password (`FORCE_CHANGE_PASSWORD`).
    ResetRefusedInState,
    /// `WebAuthnNotEnabledException`: the pool does not offer passkeys.
    PasskeysOff,
    /// `WebAuthnChallengeNotFoundException`, `WebAuthnClientMismatchException`: the passkey
    /// ceremony Cognito started is gone (too slow, or begun by another app client): start
    /// again.
    PasskeyCeremonyGone,
    /// `WebAuthnCredentialNotSupportedException`: the authenticator made a kind of passkey
    /// Cognito does not take.
    PasskeyNotSupported,
    /// Anything else.
    Unexpected,
}

use IdpError::*;

/// Every exception code the operations this app calls can raise, with its kind. One table
/// serves all of them: each of these codes means the same thing wherever Cognito raises it
/// (checked against the 27 operations called here), so no operation needs an override. What
/// a kind means to the user (a wrong code, a decoy answer for an unknown user) is each flow's
/// decision, not this table's.
pub const KINDS: &[(&str, IdpError)] = &[
    ("AliasExistsException", AliasExists),
    ("CodeDeliveryFailureException", CodeDeliveryFailure),
    ("CodeMismatchException", CodeMismatch),
    // Cognito's own retryable conflict (e.g. two enrolments of one user at once).
    ("ConcurrentModificationException", Unavailable),
    // VerifySoftwareToken: the first code of a new authenticator did not match.
    ("EnableSoftwareTokenMFAException", CodeMismatch),
    ("ExpiredCodeException", ExpiredCode),
    ("FeatureUnavailableInTierException", Misconfigured),
    ("ForbiddenException", Refused),
    ("InternalErrorException", Unavailable),
    ("InvalidEmailRoleAccessPolicyException", Misconfigured),
    ("InvalidLambdaResponseException", Misconfigured),
    ("InvalidParameterException", InvalidParameter),
    ("InvalidPasswordException", InvalidPassword),
    ("InvalidSmsRoleAccessPolicyException", Misconfigured),
    ("InvalidSmsRoleTrustRelationshipException", Misconfigured),
    ("InvalidUserPoolConfigurationException", Misconfigured),
    ("LimitExceededException", Throttled),
    ("MFAMethodNotFoundException", Misconfigured),
    ("NotAuthorizedException", NotAuthorized),
    ("OperationNotEnabledException", NotEnabledHere),
    ("PasswordHistoryPolicyViolationException", PasswordReused),
    ("PasswordResetRequiredException", PasswordResetRequired),
    // AdminCreateUser: a precondition of the pool's (e.g. a required attribute's) not met.
    ("PreconditionNotMetException", Misconfigured),
    ("RefreshTokenReuseException", RefreshTokenReused),
    ("ResourceNotFoundException", Misconfigured),
    ("SoftwareTokenMFANotFoundException", Misconfigured),
    ("TooManyFailedAttemptsException", Throttled),
    ("TooManyRequestsException", Throttled),
    // RevokeToken's name for a bad client secret or a token of another client.
    ("UnauthorizedException", NotAuthorized),
    ("UnexpectedLambdaException", Misconfigured),
    ("UnsupportedOperationException", Misconfigured),
    ("UnsupportedUserStateException", WrongUserState),
    ("UnsupportedTokenTypeException", Misconfigured),
    ("UserLambdaValidationException", Refused),
    ("UserNotConfirmedException", UserNotConfirmed),
    ("UserNotFoundException", UserNotFound),
    // Threat protection (the add-on the auth events need) is off in the pool: the operator's
    // setting ("This wasn't me" then reports nothing to the risk model, and says so in the log).
    ("UserPoolAddOnNotEnabledException", Misconfigured),
    ("UserPoolTaggingException", Misconfigured),
    // AdminCreateUser: the username is taken (like an alias that is).
    ("UsernameExistsException", AliasExists),
    ("WebAuthnChallengeNotFoundException", PasskeyCeremonyGone),
    ("WebAuthnClientMismatchException", PasskeyCeremonyGone),
    // The relying-party id is not set, or does not match the domain the app is served from:
    // the operator's fix (docs "Passkeys").
    ("WebAuthnConfigurationMissingException", Misconfigured),
    (
        "WebAuthnCredentialNotSupportedException",
        PasskeyNotSupported,
    ),
    ("WebAuthnNotEnabledException", PasskeysOff),
    ("WebAuthnOriginNotAllowedException", Misconfigured),
    ("WebAuthnRelyingPartyMismatchException", Misconfigured),
];

/// The kind of an exception code; a code this app does not know is `Unexpected`.
pub fn kind_of(code: &str) -> IdpError {
    KINDS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, k)| *k)
        .unwrap_or(Unexpected)
}

/// Sorts a failed call: Cognito's own answers by their exception code ([`KINDS`]); anything
/// that is not an answer (timeouts, connection errors, garbled responses) is `Unavailable`.
pub(super) fn classify<E>(e: SdkError<E, HttpResponse>, operation: &str) -> IdpError
where
    E: ProvideErrorMetadata + std::error::Error,
{
    log_sdk(&e, operation);
    match e {
        SdkError::ServiceError(s) => {
            let code = s.err().code().unwrap_or("unknown");
            let kind = kind_of(code);
            if kind == NotAuthorized && wrong_secret(s.err().message()) {
                // Not the user's fault: every user would be told "incorrect password". The
                // app client's secret is wrong (removed in a rotation before the instances
                // had the new one): the operator's fix, and a 503 for users meanwhile.
                tracing::error!(
                    operation,
                    "cognito refused the app client's secret: COGNITO_CLIENT_SECRET is not one \
                     of the client's secrets (a rotation removed it?)"
                );
                return Unavailable;
            }
            if kind == NotAuthorized {
                if let Some(state) = user_state(s.err().message()) {
                    return state;
                }
            }
            if kind == Unexpected {
                tracing::error!(
                    operation,
                    code,
                    "cognito answered with an exception this app does not know"
                );
            }
            kind
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            Unavailable
        }
        _ => Unexpected,
    }
}

/// Whether Cognito's message on a `NotAuthorizedException` is about the client secret
/// ("Unable to verify secret hash for client …", "Client … is configured with secret but
/// SECRET_HASH was not received"), not the user's credentials. The message is read, never
/// logged.
fn wrong_secret(message: Option<&str>) -> bool {
    let m = message.unwrap_or("").to_ascii_lowercase();
    m.contains("secret hash") || m.contains("secret_hash") || m.contains("client secret")
}

/// What a `NotAuthorizedException`'s message says about the user's state, when it says more
/// than "incorrect username or password": a temporary password that expired ("Temporary
/// password has expired and must be reset by an administrator.") or a state no reset works in
/// ("User password cannot be reset in the current state."). The message is read, never logged
/// or shown.
fn user_state(message: Option<&str>) -> Option<IdpError> {
    let m = message.unwrap_or("").to_ascii_lowercase();
    if m.contains("temporary password has expired") {
        Some(TemporaryPasswordExpired)
    } else if m.contains("cannot be reset in the current state") {
        Some(ResetRefusedInState)
    } else {
        None
    }
}

/// Logs an SDK failure: the operation and the exception code. Cognito's free-text message is
/// never logged: it can name the user (e.g. a wrong current password on `ChangePassword`).
/// Transport failures are logged by kind.
pub(super) fn log_sdk<E, R>(e: &SdkError<E, R>, operation: &str)
where
    E: ProvideErrorMetadata + std::error::Error,
{
    match e {
        SdkError::ServiceError(s) => {
            let err = s.err();
            tracing::warn!(
                operation,
                code = err.code().unwrap_or("unknown"),
                "cognito refused the call"
            );
        }
        SdkError::TimeoutError(_) => tracing::error!(operation, "cognito call timed out"),
        SdkError::DispatchFailure(d) => {
            tracing::error!(
                operation,
                io = d.is_io(),
                timeout = d.is_timeout(),
                "cognito unreachable"
            )
        }
        _ => tracing::error!(operation, "cognito call failed: unreadable response"),
    }
}

/// The exception code of a failed call, or what kind of transport failure it was.
pub(super) fn failure_code<E, R>(e: &SdkError<E, R>) -> String
where
    E: ProvideErrorMetadata,
{
    match e {
        SdkError::ServiceError(s) => s.err().code().unwrap_or("unknown").to_string(),
        SdkError::TimeoutError(_) => "timeout".into(),
        SdkError::DispatchFailure(_) => "unreachable".into(),
        _ => "unreadable response".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_not_authorized_message_tells_the_user_states_apart_and_nothing_else() {
        let expired = "Temporary password has expired and must be reset by an administrator.";
        assert_eq!(user_state(Some(expired)), Some(TemporaryPasswordExpired));
        let refused = "User password cannot be reset in the current state.";
        assert_eq!(user_state(Some(refused)), Some(ResetRefusedInState));
        for other in [
            "Incorrect username or password.",
            "User is disabled.",
            "Password attempts exceeded",
            "",
        ] {
            assert_eq!(user_state(Some(other)), None, "{other}");
        }
        assert_eq!(user_state(None), None);
    }

    #[test]
    fn the_table_names_each_code_once_and_unknown_codes_are_unexpected() {
        let mut codes: Vec<&str> = KINDS.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), KINDS.len(), "a code is listed twice");
        assert_eq!(KINDS.len(), 46);
        assert_eq!(kind_of("CodeMismatchException"), CodeMismatch);
        assert_eq!(kind_of("AccessDeniedException"), Unexpected);
        assert_eq!(kind_of(""), Unexpected);
    }

    /// The operations this module calls (`.client` … `.operation()` in its files).
    fn operations_called() -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/cognito");
        let mut ops = std::collections::BTreeSet::new();
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == "tests.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (i, _) in text.match_indices(".client") {
                let rest = text[i + ".client".len()..].trim_start();
                let Some(rest) = rest.strip_prefix('.') else {
                    continue;
                };
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect();
                if !name.is_empty() && rest[name.len()..].starts_with("()") {
                    ops.insert(name);
                }
            }
        }
        ops.into_iter().collect()
    }

    /// The source of the SDK this crate is built with (its version from `Cargo.lock`, in
    /// cargo's registry).
    fn sdk_source() -> std::path::PathBuf {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
        let name = "aws-sdk-cognitoidentityprovider";
        let at = lock
            .find(&format!("name = \"{name}\""))
            .expect("the SDK in Cargo.lock");
        let version = lock[at..].lines().nth(1).unwrap();
        let version = version.trim_start_matches("version = ").trim_matches('"');
        let home = std::env::var("CARGO_HOME")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|_| {
                std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cargo")
            });
        let registry = home.join("registry/src");
        for index in std::fs::read_dir(&registry).unwrap() {
            let dir = index.unwrap().path().join(format!("{name}-{version}"));
            if dir.is_dir() {
                return dir;
            }
        }
        panic!("{name} {version} not found under {}", registry.display());
    }

    /// The variants of `<Operation>Error` in the SDK's source: the exception codes it can raise.
    fn error_variants(sdk: &std::path::Path, op: &str) -> Vec<String> {
        let text = std::fs::read_to_string(sdk.join(format!("src/operation/{op}.rs"))).unwrap();
        // The enum's name is the operation's in Pascal case, give or take an acronym's case
        // (`SetUserMFAPreferenceError`).
        let wanted = format!("{}error", op.replace('_', ""));
        let start = text
            .match_indices("pub enum ")
            .map(|(i, _)| i)
            .find(|&i| {
                let name = text[i + 9..].split(' ').next().unwrap_or("");
                name.eq_ignore_ascii_case(&wanted)
            })
            .unwrap_or_else(|| panic!("no error enum for {op}"));
        let body = &text[start..start + text[start..].find("\n}").unwrap()];
        body.lines()
            .map(str::trim)
            .filter_map(|l| {
                l.split_once("(crate::types::error::")
                    .map(|(v, _)| v.to_string())
            })
            .collect()
    }

    #[test]
    fn every_exception_of_every_operation_called_has_a_deliberate_kind() {
        // Generated from the SDK itself: a new SDK version that adds an exception to an
        // operation the app calls fails here until the table says what it means.
        let sdk = sdk_source();
        let ops = operations_called();
        assert!(ops.len() >= 29, "{ops:?}");
        let mut missing = vec![];
        for op in &ops {
            let variants = error_variants(&sdk, op);
            assert!(!variants.is_empty(), "{op}: no error variants read");
            for v in variants {
                // The SDK's names differ from the wire codes only in case (`Mfa` / `MFA`).
                if !KINDS.iter().any(|(c, _)| c.eq_ignore_ascii_case(&v)) {
                    missing.push(format!("{op}: {v}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "exceptions without a kind in KINDS: {missing:#?}"
        );
    }
}
