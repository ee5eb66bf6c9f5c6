//! Second factors against moto, which checks authenticator codes for real when started with
//! `MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP=true` (the test harness and scripts do): set-up
//! right after a temporary password, sign-in with a code, a wrong code, text-message codes,
//! a change of password for an MFA user, the step running out, and skipping a step.

use std::time::Duration;

use crate::common::*;
use serde_json::json;

const TEMP: &str = "Temp-Passw0rd!";
const NEW_PW: &str = "New-Passw0rd!";

/// A pool that requires a second factor and offers authenticator apps and text messages.
pub async fn mfa_pool(mode: &str) -> Pool {
    let pool = create_pool(false).await;
    moto_call(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool.id, "MfaConfiguration": mode,
            "SoftwareTokenMfaConfiguration": {"Enabled": true},
            "SmsMfaConfiguration": {"SmsConfiguration": {"SnsCallerArn": "arn:aws:iam::123456789012:role/sms"}}}),
    )
    .await;
    pool
}

/// Makes `pool` require a second factor (authenticator apps) again: `totp_user` leaves it at
/// OPTIONAL.
pub async fn require_mfa(pool: &Pool) {
    moto_call(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool.id, "MfaConfiguration": "ON",
            "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
}

/// RFC 6238 (SHA-1, 6 digits, 30 s) for a base32 `secret`, the way an authenticator app does.
fn totp_at(secret: &str, unix: u64) -> String {
    use hmac::{Hmac, Mac};
    let mut bits = 0u64;
    let mut n = 0;
    let mut key = vec![];
    for c in secret.chars().filter(|c| c.is_ascii_alphanumeric()) {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
            .find(c.to_ascii_uppercase())
            .expect("base32") as u64;
        bits = (bits << 5) | v;
        n += 5;
        if n >= 8 {
            key.push((bits >> (n - 8)) as u8);
            n -= 8;
        }
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(&key).unwrap();
    mac.update(&(unix / 30).to_be_bytes());
    let h = mac.finalize().into_bytes();
    let o = (h[19] & 0xf) as usize;
    let v = u32::from_be_bytes([h[o] & 0x7f, h[o + 1], h[o + 2], h[o + 3]]) % 1_000_000;
    format!("{v:06}")
}

/// The current code, waiting for a fresh 30-second step when this one is nearly over (moto
/// accepts only the current step).
pub async fn totp(secret: &str) -> String {
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    if now() % 30 >= 27 {
        tokio::time::sleep(Duration::from_secs(31 - now() % 30)).await;
    }
    totp_at(secret, now())
}

/// The key the set-up page shows (`<code id="totp-key">`), as typed.
pub fn shown_key(page: &str) -> String {
    let start = page.find("id=\"totp-key\"").expect("the key is shown");
    let rest = &page[start..];
    let text = &rest[rest.find('>').unwrap() + 1..rest.find("</code>").unwrap()];
    text.split_whitespace().collect()
}

/// A user with an authenticator app set up and preferred (through Cognito's own calls).
pub async fn totp_user(pool: &Pool, name: &str) -> String {
    confirmed_user(pool, name, NEW_PW).await;
    moto_call(
        "SetUserPoolMfaConfig",
        json!({"UserPoolId": pool.id, "MfaConfiguration": "OPTIONAL",
            "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
    )
    .await;
    let auth = moto_call(
        "InitiateAuth",
        json!({"ClientId": pool.client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": name, "PASSWORD": NEW_PW}}),
    )
    .await;
    let access = auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = moto_call("AssociateSoftwareToken", json!({"AccessToken": access})).await;
    let secret = secret["SecretCode"].as_str().unwrap().to_string();
    moto_call(
        "VerifySoftwareToken",
        json!({"AccessToken": access, "UserCode": totp(&secret).await}),
    )
    .await;
    moto_call(
        "SetUserMFAPreference",
        json!({"AccessToken": access,
            "SoftwareTokenMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    secret
}

#[tokio::test]
async fn a_temporary_password_then_an_authenticator_app_set_up_then_signed_in() {
    for no_js in [false, true] {
        let pool = mfa_pool("ON").await;
        // (With recovery codes on in one round: the account page then offers them, once.)
        let codes: &[(&str, &str)] = if no_js {
            &[("RECOVERY_CODES", "true")]
        } else {
            &[]
        };
        let app = spawn_on(&pool, codes).await;
        let user = random_user();
        temporary_user(&app.pool, &user, TEMP).await;
        let form = [("username", user.as_str()), ("password", TEMP)];
        let r = if no_js {
            app.post_form("/sign-in", "sign-in", &form).await
        } else {
            app.call("sign-in", &form).await
        };
        assert_eq!(location(&r), "/new-password");
        let form = [("new_password", NEW_PW), ("confirm_password", NEW_PW)];
        let r = app.post_form("/new-password", "new-password", &form).await;
        assert_eq!(location(&r), "/sign-in/setup", "no_js={no_js}");
        let page = app.page("/sign-in/setup").await;
        assert!(
            page.contains("<svg"),
            "a QR code drawn on the server: {page}"
        );
        let key = shown_key(&page);
        assert!(key.len() >= 12, "{key}");
        let again = app.page("/sign-in/setup").await;
        assert_eq!(shown_key(&again), key, "the same key on every load");
        // A wrong code stays on the page with its message.
        let wrong = [("code", "000000"), ("device_name", "My phone")];
        let r = app.call("mfa/setup", &wrong).await;
        assert_eq!(error_of(r).await, (400, json!("WrongAppCode")));
        let code = totp(&key).await;
        let form = [("code", code.as_str()), ("device_name", "My phone")];
        let r = if no_js {
            app.post_form("/sign-in/setup", "mfa/setup", &form).await
        } else {
            app.call("mfa/setup", &form).await
        };
        assert_eq!(location(&r), "/account", "no_js={no_js}");
        let page = app.page("/account").await;
        assert!(page.contains(&user));
        let offer = "href=\"/account/security#recovery-codes\"";
        assert_eq!(
            page.contains(offer),
            no_js,
            "offered with RECOVERY_CODES: {page}"
        );
        assert!(!app.page("/account").await.contains(offer), "once");
    }
}

#[tokio::test]
async fn sign_in_with_an_authenticator_code_and_a_wrong_one_first() {
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &[]).await;
    let user = random_user();
    let secret = totp_user(&pool, &user).await;
    let r = app
        .call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/sign-in/code");
    let page = app.page("/sign-in/code").await;
    assert!(page.contains("authenticator app"), "{page}");
    assert!(page.contains("Time left for this step"), "{page}");
    let r = app.call("mfa/code", &[("code", "000000")]).await;
    assert_eq!(error_of(r).await, (400, json!("WrongAppCode")));
    let code = totp(&secret).await;
    let r = app
        .post_form("/sign-in/code", "mfa/code", &[("code", &code)])
        .await;
    assert_eq!(location(&r), "/account");
    assert!(app.page("/account").await.contains(&user));
    // The step is gone: the same answer again is not a second sign-in.
    let r = app.call("mfa/code", &[("code", &code)]).await;
    assert_eq!(error_of(r).await.0, 409);
}

#[tokio::test]
async fn a_text_message_code_and_send_a_new_one() {
    let pool = mfa_pool("ON").await;
    let app = spawn_on(&pool, &[]).await;
    let user = random_user();
    confirmed_user(&pool, &user, NEW_PW).await;
    moto_call(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool.id, "Username": user, "UserAttributes": [
            {"Name": "phone_number", "Value": "+15555550123"},
            {"Name": "phone_number_verified", "Value": "true"}]}),
    )
    .await;
    moto_call(
        "AdminSetUserMFAPreference",
        json!({"UserPoolId": pool.id, "Username": user,
            "SMSMfaSettings": {"Enabled": true, "PreferredMfa": true}}),
    )
    .await;
    let form = [("username", user.as_str()), ("password", NEW_PW)];
    let r = app.post_form("/sign-in", "sign-in", &form).await;
    assert_eq!(location(&r), "/sign-in/code");
    let page = app.page("/sign-in/code").await;
    assert!(page.contains("text message"), "{page}");
    // "Send a new code" starts the sign-in again with the username filled in.
    let r = app.post_form("/sign-in/code", "mfa/restart", &[]).await;
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(page.contains(&format!("value=\"{user}\"")), "prefilled");
    assert!(page.contains("new code"), "{page}");
    let r = app.post_form("/sign-in", "sign-in", &form).await;
    assert_eq!(location(&r), "/sign-in/code");
    // moto accepts any text-message code.
    let r = app
        .post_form("/sign-in/code", "mfa/code", &[("code", "123456")])
        .await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn an_mfa_user_changes_the_password_while_signed_in() {
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &[]).await;
    let user = random_user();
    let secret = totp_user(&pool, &user).await;
    app.call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    let code = totp(&secret).await;
    let r = app.call("mfa/code", &[("code", &code)]).await;
    assert_eq!(location(&r), "/account");
    let form = [
        ("current_password", NEW_PW),
        ("new_password", "Other-Passw0rd!"),
        ("confirm_password", "Other-Passw0rd!"),
    ];
    let r = app.call("account/password", &form).await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn a_step_that_runs_out_sends_the_user_to_sign_in_with_the_reason() {
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &[("CHALLENGE_TTL_SECS", "1")]).await;
    let user = random_user();
    totp_user(&pool, &user).await;
    app.call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = app
        .post_form("/sign-in/code", "mfa/code", &[("code", "123456")])
        .await;
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(page.contains("the step expired"), "{page}");
}

#[tokio::test]
async fn steps_cannot_be_skipped() {
    let pool = mfa_pool("ON").await;
    let app = spawn_on(&pool, &[]).await;
    let user = random_user();
    temporary_user(&pool, &user, TEMP).await;
    app.call("sign-in", &[("username", &user), ("password", TEMP)])
        .await;
    // The new password comes first: no code or set-up is taken before it.
    let r = app.call("mfa/setup", &[("code", "123456")]).await;
    assert_eq!(error_of(r).await.0, 409);
    let r = app.call("mfa/code", &[("code", "123456")]).await;
    assert_eq!(error_of(r).await.0, 409);
    // The set-up page sends the browser to the step it is at.
    let r = app.get("/sign-in/setup").await;
    assert_eq!(location(&r), "/new-password");
}
