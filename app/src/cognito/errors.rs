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
    ("OperationNotEnabledException", Misconfigured),
    ("PasswordHistoryPolicyViolationException", PasswordReused),
    ("PasswordResetRequiredException", PasswordResetRequired),
    ("ResourceNotFoundException", Misconfigured),
    ("SoftwareTokenMFANotFoundException", Misconfigured),
    ("TooManyFailedAttemptsException", Throttled),
    ("TooManyRequestsException", Throttled),
    // RevokeToken's name for a bad client secret or a token of another client.
    ("UnauthorizedException", NotAuthorized),
    ("UnexpectedLambdaException", Misconfigured),
    ("UnsupportedOperationException", Misconfigured),
    ("UnsupportedTokenTypeException", Misconfigured),
    ("UserLambdaValidationException", Refused),
    ("UserNotConfirmedException", UserNotConfirmed),
    ("UserNotFoundException", UserNotFound),
    ("UserPoolTaggingException", Misconfigured),
    ("WebAuthnChallengeNotFoundException", PasskeyCeremonyGone),
    ("WebAuthnClientMismatchException", PasskeyCeremonyGone),
    // The relying-party id is not set, or does not match the domain the app is served from:
    // the operator's fix (README "Passkeys").
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
    fn the_table_names_each_code_once_and_unknown_codes_are_unexpected() {
        let mut codes: Vec<&str> = KINDS.iter().map(|(c, _)| *c).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), KINDS.len(), "a code is listed twice");
        assert_eq!(KINDS.len(), 41);
        assert_eq!(kind_of("CodeMismatchException"), CodeMismatch);
        assert_eq!(kind_of("AccessDeniedException"), Unexpected);
        assert_eq!(kind_of(""), Unexpected);
    }
}
