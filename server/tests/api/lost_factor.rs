//! "I can't use my authenticator or phone" without recovery codes, on moto (authenticator
//! codes checked for real, moto's SES recording each email): a code to the verified address,
//! a request kept in the pool that waits `MFA_RESET_DELAY_SECS`, the email that can cancel it,
//! and the first sign-in after the delay removing the factor.

use std::time::Duration;

use crate::{
    common::*,
    mfa::{require_mfa, totp_user},
    notify::{not_me_path, verified_sender, wait_for},
};
use serde_json::{json, Value};

const PW: &str = "New-Passw0rd!";
const ATTRIBUTE: &str = "custom:mfa_reset";

async fn attribute(pool: &Pool, user: &str) -> Option<String> {
    attribute_of(pool, user, ATTRIBUTE).await
}

/// A user with an authenticator app in a pool that requires a second factor, and an app with
/// the delayed reset on (`delay` seconds).
async fn set_up(delay: &str) -> (Pool, TestApp, String) {
    let sender = verified_sender().await;
    let pool = create_pool(false).await;
    let user = random_user();
    let _ = totp_user(&pool, &user).await; // (it leaves the pool at OPTIONAL)
    require_mfa(&pool).await;
    let from = format!("Account security <{sender}>");
    let app = spawn_on(
        &pool,
        &[
            ("MFA_RESET", "true"),
            ("MFA_RESET_DELAY_SECS", delay),
            ("NOTIFY_FROM", &from),
            ("RESEND_COOLDOWN_SECS", "0"),
            // (The per-user limit, as for every code, would stop the five wrong tries below
            // first; raised here so that the code's own count of tries is seen.)
            ("RATE_LIMIT_USER", "100/15m"),
        ],
    )
    .await;
    (pool, app, user)
}

async fn sign_in(app: &TestApp, user: &str) -> String {
    let r = app
        .call("sign-in", &[("username", user), ("password", PW)])
        .await;
    location(&r)
}

/// The six digits of the code email.
fn code_of(message: &Value) -> String {
    let body = message["body"].as_str().unwrap();
    let mark = "letter-spacing:4px\" dir=\"ltr\">";
    let at = body.find(mark).expect("the code") + mark.len();
    body[at..at + 6].to_string()
}

/// From the code page to a recorded request; returns the emails so far (code, request).
async fn request(app: &TestApp, user: &str) -> Vec<Value> {
    assert_eq!(sign_in(app, user).await, "/sign-in/code");
    let email = format!("{user}@example.com");
    let before = wait_for(&email, 0).await.len();
    let r = app.call("mfa/lost/send", &[]).await;
    assert_eq!(location(&r), "/sign-in/lost");
    let sent = wait_for(&email, before + 1).await;
    let code = code_of(&sent[before]);
    let r = app.call("mfa/lost/confirm", &[("code", &code)]).await;
    assert_eq!(location(&r), "/sign-in/lost");
    wait_for(&email, before + 2).await[before..].to_vec()
}

#[tokio::test]
async fn a_lost_authenticator_is_removed_at_the_first_sign_in_after_the_delay() {
    let (pool, app, user) = set_up("3").await;
    assert_eq!(sign_in(&app, &user).await, "/sign-in/code");
    let page = app.page("/sign-in/code").await;
    assert!(page.contains("href=\"/sign-in/lost\""), "{page}");
    let page = app.page("/sign-in/lost").await;
    let masked = format!("{}***@e***", &user[..1]);
    assert!(
        page.contains("Email me a code") && page.contains(&masked),
        "{page}"
    );

    let email = format!("{user}@example.com");
    let r = app.call("mfa/lost/send", &[]).await;
    assert_eq!(location(&r), "/sign-in/lost");
    let sent = wait_for(&email, 1).await;
    assert_eq!(
        sent[0]["subject"],
        "Your code to remove two-step verification"
    );
    let code = code_of(&sent[0]);
    assert!(code.bytes().all(|b| b.is_ascii_digit()), "{code}");
    let page = app.page("/sign-in/lost").await;
    assert!(page.contains("We sent a code to"), "{page}");
    // Five wrong tries, then even the right code needs a new email.
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..5 {
        let r = app.call("mfa/lost/confirm", &[("code", wrong)]).await;
        assert_eq!(error_of(r).await, (400, json!("WrongCode")));
    }
    let r = app.call("mfa/lost/confirm", &[("code", &code)]).await;
    assert_eq!(error_of(r).await, (400, json!("ExpiredCode")));
    assert_eq!(attribute(&pool, &user).await, None, "nothing recorded yet");
    // A new code (JavaScript off this time), entered: the request is recorded.
    let r = app.post_form("/sign-in/lost", "mfa/lost/send", &[]).await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/sign-in/lost".into())
    );
    let code = code_of(&wait_for(&email, 2).await[1]);
    let r = app
        .post_form("/sign-in/lost", "mfa/lost/confirm", &[("code", &code)])
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/sign-in/lost".into())
    );
    let page = app.page("/sign-in/lost").await;
    assert!(
        page.contains("Two-step verification will be removed on"),
        "{page}"
    );
    let kept = attribute(&pool, &user).await.expect("kept in the pool");
    assert!(kept.starts_with("v1:"), "{kept}");

    // Told at once, with the link that cancels it, in the email that says when.
    let told = &wait_for(&email, 3).await[2];
    assert_eq!(
        told["subject"],
        "Two-step verification will be removed from your account"
    );
    let body = told["body"].as_str().unwrap();
    assert!(
        body.contains("Cancel — this wasn") && body.contains("takes effect"),
        "{body}"
    );
    assert!(!body.contains(&code), "no code in it");

    // Not yet: the authenticator is still asked for.
    assert_eq!(sign_in(&app.fresh(), &user).await, "/sign-in/code");
    tokio::time::sleep(Duration::from_secs(3)).await;
    // Then the next sign-in removes it: the pool requires one, so a new one is set up.
    assert_eq!(sign_in(&app.fresh(), &user).await, "/sign-in/setup");
    assert_eq!(attribute(&pool, &user).await, None, "nothing left behind");
    let done = &wait_for(&email, 4).await[3];
    assert_eq!(done["subject"], "Two-step verification was removed");
}

#[tokio::test]
async fn a_request_cancelled_from_its_email_never_takes_effect() {
    let (pool, app, user) = set_up("2").await;
    let emails = request(&app, &user).await;
    assert!(attribute(&pool, &user).await.is_some());
    let link = not_me_path(&emails[1], &app.base);
    assert!(!link.contains(&user), "no username in the link");

    let b = app.fresh();
    assert_eq!(location(&b.get(&link).await), "/not-me");
    let page = b.page("/not-me").await;
    assert!(page.contains("Cancel the request"), "{page}");
    let r = b.post_form("/not-me", "not-me/cancel", &[]).await;
    assert_eq!((r.status().as_u16(), location(&r)), (303, "/not-me".into()));
    let page = b.page("/not-me").await;
    assert!(
        page.contains("Cancelled. Two-step verification stays"),
        "{page}"
    );
    assert_eq!(attribute(&pool, &user).await, None, "nothing left behind");
    // Again: nothing to cancel, said as such.
    let r = b.call("not-me/cancel", &[]).await;
    assert_eq!(location(&r), "/not-me");
    assert!(b.page("/not-me").await.contains("nothing to cancel"));

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        sign_in(&app.fresh(), &user).await,
        "/sign-in/code",
        "the authenticator stays"
    );
}

#[tokio::test]
async fn turned_off_the_page_names_what_is_left_and_sends_nothing() {
    let pool = create_pool(false).await;
    let user = random_user();
    let _ = totp_user(&pool, &user).await;
    let app = spawn_on(&pool, &[("SUPPORT_URL", "https://help.example.com/mfa")]).await;
    // No sign-in in progress: said, with the way back.
    let page = app.page("/sign-in/lost").await;
    assert!(page.contains("href=\"/sign-in\""), "{page}");
    assert_eq!(sign_in(&app, &user).await, "/sign-in/code");
    let page = app.page("/sign-in/lost").await;
    assert!(
        page.contains("You can&#39;t remove two-step verification yourself here")
            || page.contains("You can't remove two-step verification yourself here"),
        "{page}"
    );
    assert!(
        page.contains("href=\"https://help.example.com/mfa\""),
        "{page}"
    );
    assert!(!page.contains("Email me a code"));
    let r = app.call("mfa/lost/send", &[]).await;
    assert_eq!(error_of(r).await, (403, json!("Refused")));
}
