//! The app's pages and the names of its form fields, written once: routes, redirects, the
//! server's page list and tests use these.

pub const HOME: &str = "/";
pub const SIGN_IN: &str = "/sign-in";
pub const RESET: &str = "/reset";
pub const RESET_CONFIRM: &str = "/reset/confirm";
/// The code page right after "Resend code".
pub const RESET_CONFIRM_RESENT: &str = "/reset/confirm?resent";
/// The link in the reset email (`?u=<username>&c=<code>`): not a page, it moves both into
/// the session and redirects to [`RESET_CONFIRM`].
pub const RESET_LINK: &str = "/reset/link";
/// A reset link opened again after its code set a password.
pub const RESET_LINK_USED: &str = "/reset/link/used";
pub const NEW_PASSWORD: &str = "/new-password";
/// "This wasn't me" (from a security notification).
pub const NOT_ME: &str = "/not-me";
/// The link in a security notification (`?t=<token>`): not a page, it moves the token into
/// the session and redirects to [`NOT_ME`].
pub const NOT_ME_LINK: &str = "/not-me/link";
/// A second-factor code (authenticator app, text message or email).
pub const MFA_CODE: &str = "/sign-in/code";
/// Choosing the second factor.
pub const MFA_CHOOSE: &str = "/sign-in/choose";
/// Setting up a second factor the pool requires.
pub const MFA_SETUP: &str = "/sign-in/setup";
/// A recovery code in place of a lost second factor.
pub const MFA_RECOVERY: &str = "/sign-in/recovery";
/// "I can't use my authenticator or phone".
pub const MFA_LOST: &str = "/sign-in/lost";
/// An invitation whose temporary password expired: ask for a new one.
pub const INVITATION: &str = "/sign-in/invitation";
/// A sign-up never confirmed: its code.
pub const CONFIRM_SIGN_UP: &str = "/sign-in/confirm";
/// "Forgot your username?" (`FORGOT_USERNAME`).
pub const FORGOT_USERNAME: &str = "/sign-in/username";
/// The sign-up's code page right after "Resend code".
pub const CONFIRM_SIGN_UP_RESENT: &str = "/sign-in/confirm?resent";
pub const ACCOUNT: &str = "/account";
pub const ACCOUNT_PASSWORD: &str = "/account/password";
/// MFA, authenticator app, remembered devices and passkeys.
pub const ACCOUNT_SECURITY: &str = "/account/security";

/// Every page the router serves (checked against the router by the server's tests).
/// The passkey sign-in's server functions (the passkey button on the sign-in and choose pages
/// calls them; `sign_in::passkey` serves them, and its tests check these are its paths).
pub const PASSKEY_SIGN_IN_OPTIONS: &str = "/api/sign-in/passkey/options";
pub const PASSKEY_SIGN_IN: &str = "/api/sign-in/passkey";

pub const PAGES: [&str; 18] = [
    HOME,
    SIGN_IN,
    RESET,
    RESET_CONFIRM,
    RESET_LINK_USED,
    NOT_ME,
    NEW_PASSWORD,
    MFA_CODE,
    MFA_CHOOSE,
    MFA_SETUP,
    MFA_RECOVERY,
    MFA_LOST,
    INVITATION,
    CONFIRM_SIGN_UP,
    FORGOT_USERNAME,
    ACCOUNT,
    ACCOUNT_PASSWORD,
    ACCOUNT_SECURITY,
];

/// Form field names (the `name` of an input and the server function's argument).
pub mod field {
    pub const USERNAME: &str = "username";
    pub const PASSWORD: &str = "password";
    pub const CURRENT_PASSWORD: &str = "current_password";
    pub const NEW_PASSWORD: &str = "new_password";
    pub const CONFIRM_PASSWORD: &str = "confirm_password";
    pub const CODE: &str = "code";
    /// The second factor chosen on the choice page.
    pub const FACTOR: &str = "factor";
    /// The name the user gives a new authenticator app.
    pub const DEVICE_NAME: &str = "device_name";
    pub const SIGN_OUT_EVERYWHERE: &str = "sign_out_everywhere";
    /// A second factor on the security page (`SOFTWARE_TOKEN_MFA`, `SMS_MFA`, `EMAIL_OTP`).
    pub const METHOD: &str = "method";
    /// What to do with it: `on`, `off` or `prefer`.
    pub const CHANGE: &str = "change";
    /// A remembered device's key.
    pub const DEVICE: &str = "device";
    /// A passkey's credential id.
    pub const PASSKEY: &str = "passkey";
    /// What the browser made of a passkey ceremony (its `toJSON()`).
    pub const CREDENTIAL: &str = "credential";
    /// The attributes Cognito asks for with a new password: `attributes[<name>]`.
    pub const ATTRIBUTES: &str = "attributes";
    /// Which contact a verification code is for (`email` or `phone`).
    pub const CONTACT: &str = "contact";
    /// A new email address.
    pub const NEW_EMAIL: &str = "new_email";
    /// A new phone number.
    pub const NEW_PHONE: &str = "new_phone";
    /// The email address a forgotten username is sent to.
    pub const EMAIL: &str = "email";
    /// A recovery code at sign-in.
    pub const RECOVERY_CODE: &str = "recovery_code";

    /// Every field name above (tests send each, oversized, to every route).
    pub const ALL: [&str; 21] = [
        USERNAME,
        PASSWORD,
        CURRENT_PASSWORD,
        NEW_PASSWORD,
        CONFIRM_PASSWORD,
        CODE,
        FACTOR,
        DEVICE_NAME,
        SIGN_OUT_EVERYWHERE,
        METHOD,
        CHANGE,
        DEVICE,
        PASSKEY,
        CREDENTIAL,
        CONTACT,
        NEW_EMAIL,
        NEW_PHONE,
        EMAIL,
        RECOVERY_CODE,
        "attributes[email]",
        "resent",
    ];

    /// The field of attribute `name` in the new-password form.
    pub fn attribute(name: &str) -> String {
        format!("{ATTRIBUTES}[{name}]")
    }
}

/// `s` percent-encoded: everything but RFC 3986's unreserved characters (letters, digits and
/// `-._~`), for a URI's parts (the authenticator's `otpauth:` URI, a `data:` download).
pub fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
