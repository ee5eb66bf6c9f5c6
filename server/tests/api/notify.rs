//! Security notifications through moto's SES (it records what it was asked to send): one email
//! per change with the right words and a "This wasn't me" link, nothing secret in it, and the
//! link's page signing the user out everywhere and starting a reset, once.

use std::time::Duration;

use crate::common::*;
use serde_json::{json, Value};

const OLD_PW: &str = "Old-Passw0rd!";
const NEW_PW: &str = "Notified-Passw0rd!";

/// A sender moto's SES accepts (SES sends only from verified identities).
pub async fn verified_sender() -> String {
    let sender = format!("security-{}@example.com", rand::random::<u32>());
    let r = reqwest::Client::new()
        .post(format!("{}/v2/email/identities", moto()))
        .header(
            "Authorization",
            "AWS4-HMAC-SHA256 Credential=test/20261202/us-east-1/ses/aws4_request, SignedHeaders=host, Signature=0",
        )
        .json(&json!({ "EmailIdentity": sender }))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    sender
}

/// What moto's SES sent to `to`, oldest first.
async fn sent_to(to: &str) -> Vec<Value> {
    let data = moto_data().await;
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .is_some_and(|a| a.iter().any(|x| x == to))
        })
        .collect()
}

/// Waits (sending runs after the answer) until `n` messages went to `to`.
pub async fn wait_for(to: &str, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let got = sent_to(to).await;
        if got.len() >= n {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{n} messages to {to} expected; have {:?}",
        sent_to(to).await
    );
}

fn notify_env(sender: &str) -> Vec<(&'static str, String)> {
    vec![
        ("NOTIFY_EMAIL", "true".into()),
        ("NOTIFY_FROM", format!("Account security <{sender}>")),
        ("NOT_ME_SIGN_OUT", "true".into()),
    ]
}

fn env_refs<'a>(v: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    v.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The "This wasn't me" link of a message, as a path on the app.
pub fn not_me_path(message: &Value, base: &str) -> String {
    let body = message["body"].as_str().unwrap();
    let start = body
        .find(&format!("{base}/not-me/link?t="))
        .expect("a not-me link");
    let rest = &body[start + base.len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[tokio::test]
async fn a_reset_sends_one_email_and_its_not_me_link_secures_the_account_once() {
    let sender = verified_sender().await;
    let env = notify_env(&sender);
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &env_refs(&env)).await;
    let user = random_user();
    let email = format!("{user}@example.com");
    confirmed_user(&pool, &user, OLD_PW).await;

    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let code = latest_code(&pool, &user).await.unwrap();
    let r = app
        .client
        .post(format!("{}/api/reset/confirm", app.base))
        .header("Accept", "application/json")
        .header("Sec-Fetch-Site", "same-origin")
        .header("Origin", &app.base)
        .header(
            "User-Agent",
            "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
        )
        .form(&[
            ("code", code.as_str()),
            ("new_password", NEW_PW),
            ("confirm_password", NEW_PW),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/sign-in");

    let sent = wait_for(&email, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sent_to(&email).await.len(), 1, "one email per change");
    let m = &sent[0];
    assert_eq!(m["subject"], "Your password was reset");
    assert_eq!(m["source"], format!("Account security <{sender}>"));
    let body = m["body"].as_str().unwrap();
    assert!(body.contains("The password of your account was reset with a code."));
    assert!(
        body.contains("Firefox") && body.contains("127.0.0.1"),
        "{body}"
    );
    for secret in [
        code.as_str(),
        code.trim_start_matches("moto-confirmation-code:"),
        NEW_PW,
        OLD_PW,
    ] {
        assert!(
            !body.contains(secret),
            "the email holds no code or password"
        );
    }
    let link = not_me_path(m, &app.base);
    assert!(!link.contains(&user), "no username in the link");

    // Opened (a mail scanner first: nothing is used up), then acted on.
    let scanner = app.fresh();
    assert_eq!(location(&scanner.get(&link).await), "/not-me");
    let b = app.fresh();
    let r = b.get(&link).await;
    assert_eq!(location(&r), "/not-me");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    let page = b.page("/not-me").await;
    assert!(
        page.contains("Wasn&#39;t you?") || page.contains("Wasn't you?"),
        "{page}"
    );
    assert!(page.contains("Sign me out everywhere and reset my password"));
    let before = latest_code(&pool, &user).await;
    let r = b.post_form("/not-me", "not-me/secure", &[]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let page = b.page("/reset/confirm").await;
    assert!(page.contains("You are now signed out everywhere"), "{page}");
    assert_ne!(
        latest_code(&pool, &user).await,
        before,
        "a new code was sent"
    );

    // Used: the scanner's session, or anyone else, now gets the expired answer.
    let page = scanner.page("/not-me").await;
    assert!(page.contains("This link has expired or was already used"));
    assert!(!page.contains("Sign me out everywhere"));
    let r = scanner.post_form("/not-me", "not-me/secure", &[]).await;
    assert_eq!(location(&r), "/not-me");
    assert!(scanner
        .page("/not-me")
        .await
        .contains("expired or was already used"));
}

#[tokio::test]
async fn a_temporary_password_an_authenticator_and_a_password_change_each_send_their_email() {
    let sender = verified_sender().await;
    let env = notify_env(&sender);
    let pool = crate::mfa::mfa_pool("ON").await;
    let app = spawn_on(&pool, &env_refs(&env)).await;
    let user = random_user();
    let email = format!("{user}@example.com");
    temporary_user(&pool, &user, "Temp-Passw0rd!").await;
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Temp-Passw0rd!")],
        )
        .await;
    assert_eq!(location(&r), "/new-password");
    let r = app
        .call(
            "new-password",
            &[("new_password", NEW_PW), ("confirm_password", NEW_PW)],
        )
        .await;
    assert_eq!(location(&r), "/sign-in/setup");
    let sent = wait_for(&email, 1).await;
    assert_eq!(sent[0]["subject"], "Your new password is set");
    let key = crate::mfa::shown_key(&app.page("/sign-in/setup").await);
    let code = crate::mfa::totp(&key).await;
    let r = app
        .call(
            "mfa/setup",
            &[("code", code.as_str()), ("device_name", "My phone")],
        )
        .await;
    assert_eq!(location(&r), "/account");
    let sent = wait_for(&email, 2).await;
    assert_eq!(sent[1]["subject"], "Two-step verification was set up");
    assert!(
        !sent[1]["body"].as_str().unwrap().contains(&key),
        "no authenticator key"
    );
    let r = app
        .call(
            "account/password",
            &[
                ("current_password", NEW_PW),
                ("new_password", "Third-Passw0rd!"),
                ("confirm_password", "Third-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/account");
    let sent = wait_for(&email, 3).await;
    assert_eq!(sent[2]["subject"], "Your password was changed");
    for m in &sent {
        let body = m["body"].as_str().unwrap();
        for secret in ["Temp-Passw0rd!", NEW_PW, "Third-Passw0rd!"] {
            assert!(!body.contains(secret));
        }
    }
}

#[tokio::test]
async fn an_ses_refusal_never_fails_the_flow_and_is_counted() {
    // Not a verified identity: moto's SES refuses it (MessageRejected), as SES does.
    let env = notify_env("unverified-sender@example.com");
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &env_refs(&env)).await;
    let user = random_user();
    confirmed_user(&pool, &user, OLD_PW).await;
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let code = latest_code(&pool, &user).await.unwrap();
    assert_eq!(location(&app.confirm(&code, NEW_PW).await), "/sign-in");
    let r = app
        .fresh()
        .call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/account");
    let line = "reset_notifications_total{event=\"password_reset\",outcome=\"failed\"}";
    for _ in 0..50 {
        let metrics = app.get("/metrics").await.text().await.unwrap();
        if metrics.lines().any(|l| l.starts_with(line)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{line} missing from /metrics");
}

/// The finding of the second review: an authenticator app turned off sent nothing. Every change
/// to how the user gets in that moto can make is told (passkeys and devices: moto has none;
/// their steps notify the same way, see `security/mod.rs`).
#[tokio::test]
async fn turning_a_second_factor_off_and_signing_out_everywhere_are_told_too() {
    use crate::mfa::{mfa_pool, shown_key, totp};
    let sender = verified_sender().await;
    let env = notify_env(&sender);
    let pool = mfa_pool("OPTIONAL").await;
    let app = spawn_on(&pool, &env_refs(&env)).await;
    let user = random_user();
    let email = format!("{user}@example.com");
    confirmed_user(&pool, &user, OLD_PW).await;
    let r = app
        .call("sign-in", &[("username", &user), ("password", OLD_PW)])
        .await;
    assert_eq!(location(&r), "/account");
    let r = app.call("security/totp", &[]).await;
    assert_eq!(location(&r), "/account/security");
    let key = shown_key(&app.page("/account/security").await);
    let code = totp(&key).await;
    let r = app
        .call(
            "security/totp/verify",
            &[("code", &code), ("device_name", "Phone")],
        )
        .await;
    assert_eq!(location(&r), "/account/security");
    wait_for(&email, 1).await;
    let r = app
        .call(
            "security/mfa",
            &[("method", "SOFTWARE_TOKEN_MFA"), ("change", "off")],
        )
        .await;
    assert_eq!(location(&r), "/account/security");
    wait_for(&email, 2).await;
    let r = app.call("security/sign-out-everywhere", &[]).await;
    assert!(r.status().is_redirection() || r.status().is_success());
    let sent = wait_for(&email, 3).await;
    let subjects: Vec<&str> = sent
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        subjects,
        [
            "Two-step verification was set up",
            "Your two-step verification settings changed",
            "You were signed out everywhere",
        ]
    );
    for m in &sent {
        assert!(m["body"].as_str().unwrap().contains("/not-me/link?t="));
    }
}
