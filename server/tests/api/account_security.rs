//! `/account/security` against moto: an authenticator app added while signed in (moto checks
//! the code for real), the step-up once the sign-in is older than `STEP_UP_SECS`, and the page
//! for a signed-out visitor. Moto has no devices or passkeys (`ListDevices`,
//! `*WebAuthn*`): those are covered with mocks in the app crate.

use std::time::Duration;

use crate::{common::*, mfa::*};
use serde_json::json;

const PW: &str = "New-Passw0rd!";

async fn mfa_settings(pool: &Pool, user: &str) -> serde_json::Value {
    let u = moto_call(
        "AdminGetUser",
        json!({"UserPoolId": pool.id, "Username": user}),
    )
    .await;
    u["UserMFASettingList"].clone()
}

#[tokio::test]
async fn an_authenticator_app_is_added_from_the_security_page() {
    let pool = mfa_pool("OPTIONAL").await;
    let app = spawn_on(&pool, &[]).await;
    let user = random_user();
    confirmed_user(&pool, &user, PW).await;
    let r = app
        .call("sign-in", &[("username", &user), ("password", PW)])
        .await;
    assert_eq!(location(&r), "/account");
    let page = app.page("/account").await;
    assert!(
        page.contains("href=\"/account/security\""),
        "the account page links to it"
    );
    let page = app.page("/account/security").await;
    assert!(page.contains("action=\"/api/security/totp\""), "{page}");
    // The authenticator app needs no verified contact (it once said it needed a phone).
    let totp_row = page
        .split("data-method=\"SOFTWARE_TOKEN_MFA\"")
        .nth(1)
        .and_then(|rest| rest.split("</li>").next())
        .expect("the authenticator app's row");
    assert!(!totp_row.contains("Needs a verified"), "{totp_row}");
    let r = app.call("security/totp", &[]).await;
    assert_eq!(location(&r), "/account/security");
    let page = app.page("/account/security").await;
    // The page's state waited on Cognito (GetUser): its island (the key's copy button) still
    // gets the script that wakes it (it was once decided before the state had arrived).
    assert!(
        page.contains("<leptos-island") && page.contains(".wasm"),
        "the island's script: {page}"
    );
    let key = shown_key(&page);
    // A wrong code first: the same key stays on the page.
    let r = app
        .call(
            "security/totp/verify",
            &[("code", "000000"), ("device_name", "Phone")],
        )
        .await;
    let (status, _) = error_of(r).await;
    assert_eq!(status, 400);
    assert_eq!(shown_key(&app.page("/account/security").await), key);
    let code = totp(&key).await;
    let r = app
        .call(
            "security/totp/verify",
            &[("code", &code), ("device_name", "Phone")],
        )
        .await;
    assert_eq!(location(&r), "/account/security");
    assert_eq!(
        mfa_settings(&pool, &user).await,
        json!(["SOFTWARE_TOKEN_MFA"])
    );
    let page = app.page("/account/security").await;
    assert!(
        !page.contains("id=\"totp-key\""),
        "the key is gone once verified"
    );
}

#[tokio::test]
async fn a_change_after_the_step_up_window_needs_the_password_again() {
    let pool = mfa_pool("OPTIONAL").await;
    let app = spawn_on(&pool, &[("STEP_UP_SECS", "30")]).await;
    let user = random_user();
    confirmed_user(&pool, &user, PW).await;
    app.call("sign-in", &[("username", &user), ("password", PW)])
        .await;
    tokio::time::sleep(Duration::from_secs(31)).await;
    let page = app.page("/account/security").await;
    assert!(
        page.contains("action=\"/api/security/confirm\""),
        "asks for the password"
    );
    let r = app.call("security/totp", &[]).await;
    assert_eq!(error_of(r).await.0, 401);
    let r = app
        .call(
            "security/confirm",
            &[("current_password", "Wrong-Passw0rd!")],
        )
        .await;
    assert_eq!(error_of(r).await.0, 401);
    let r = app
        .call("security/confirm", &[("current_password", PW)])
        .await;
    assert_eq!(location(&r), "/account/security");
    let r = app.call("security/totp", &[]).await;
    assert_eq!(location(&r), "/account/security");
}

#[tokio::test]
async fn signed_out_the_security_page_sends_to_sign_in() {
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &[]).await;
    let r = app.call("security/totp", &[]).await;
    assert_eq!(error_of(r).await.0, 401);
    let r = app.get("/account/security").await;
    let to = location(&r);
    let body = r.text().await.unwrap();
    assert!(to == "/sign-in" || body.contains("/sign-in"), "{to} {body}");
}

/// The pool has passkeys (said by `POOL_FEATURES`: moto's pool cannot say it).
const WITH_PASSKEYS: &[(&str, &str)] = &[
    ("DESCRIBE_USER_POOL", "false"),
    ("POOL_FEATURES", "optional,totp,passkeys"),
];

const OFFER: &str = "Make your next sign-in easier and safer";

/// A user whose password `app` resets (the sign-in page shown after it), then signs in with.
async fn reset_then_sign_in(app: &TestApp) {
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    app.call("reset/request", &[("username", &user)]).await;
    let code = latest_code(&app.pool, &user).await.unwrap();
    let r = app.confirm(code.as_str(), PW).await;
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(!page.contains(OFFER), "not before the sign-in");
    let r = app
        .call("sign-in", &[("username", &user), ("password", PW)])
        .await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn the_first_sign_in_after_a_reset_offers_a_passkey_once() {
    let app = spawn_app_with(false, WITH_PASSKEYS).await;
    reset_then_sign_in(&app).await;
    let page = app.page("/account").await;
    assert!(
        page.contains(OFFER) && page.contains("href=\"/account/security#passkeys\""),
        "{page}"
    );
    let page = app.page("/account").await;
    assert!(!page.contains(OFFER), "offered once");
}

#[tokio::test]
async fn a_sign_in_without_a_reset_or_in_a_pool_without_passkeys_offers_nothing() {
    let app = spawn_app_with(false, WITH_PASSKEYS).await;
    app.signed_in_user(PW).await;
    assert!(!app.page("/account").await.contains(OFFER));

    let app = spawn_app(false).await;
    reset_then_sign_in(&app).await;
    assert!(!app.page("/account").await.contains(OFFER));
}
