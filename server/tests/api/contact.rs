//! The recovery contact, end to end on moto (through the launcher's emulation of attribute
//! verification): the account page tells a user without a verified email once a sign-in, the
//! security page verifies it and changes it, and the old address is told.

use crate::{
    common::*,
    notify::{verified_sender, wait_for},
};
use serde_json::json;

const PASSWORD: &str = "Old-Passw0rd!";

/// A confirmed user whose email address was never verified.
async fn unverified_user(pool: &Pool) -> (String, String) {
    let user = random_user();
    let email = format!("{user}@example.com");
    moto_call(
        "AdminCreateUser",
        json!({"UserPoolId": pool.id, "Username": user, "TemporaryPassword": "Temp-Passw0rd!",
               "MessageAction": "SUPPRESS",
               "UserAttributes": [{"Name": "email", "Value": email}]}),
    )
    .await;
    moto_call(
        "AdminSetUserPassword",
        json!({"UserPoolId": pool.id, "Username": user, "Password": PASSWORD, "Permanent": true}),
    )
    .await;
    (user, email)
}

#[tokio::test]
async fn a_contact_is_verified_from_the_prompt_and_changed_with_the_old_address_told() {
    let sender = verified_sender().await;
    let from = format!("Account security <{sender}>");
    let app = spawn_app_with(false, &[("NOTIFY_EMAIL", "true"), ("NOTIFY_FROM", &from)]).await;
    let (user, email) = unverified_user(&app.pool).await;
    let r = app
        .call("sign-in", &[("username", &user), ("password", PASSWORD)])
        .await;
    assert_eq!(location(&r), "/account");

    // Told once a sign-in, with the way to fix it.
    let page = app.page("/account").await;
    assert!(page.contains("Your email address isn"), "{page}");
    assert!(page.contains("/account/security#contact"), "{page}");
    assert!(
        !app.page("/account")
            .await
            .contains("Your email address isn"),
        "once"
    );

    let page = app.page("/account/security").await;
    assert!(page.contains("Not verified"), "{page}");
    let r = app
        .call("security/contact/send", &[("contact", "email")])
        .await;
    assert_eq!(location(&r), "/account/security");
    let page = app.page("/account/security").await;
    assert!(page.contains("Verify your email address"), "{page}");
    let r = app
        .call("security/contact/verify", &[("code", "000000")])
        .await;
    assert_eq!(error_of(r).await, (400, json!("WrongCode")));
    let code = latest_code(&app.pool, &user).await.expect("a code");
    let r = app
        .call("security/contact/verify", &[("code", &code)])
        .await;
    assert_eq!(location(&r), "/account/security");
    let page = app.page("/account/security").await;
    assert!(page.contains("we can send a code there"), "{page}");
    // The now verified address hears it was verified.
    let sent = wait_for(&email, 1).await;
    assert!(
        sent[0]["subject"].as_str().unwrap().contains("verified"),
        "{sent:?}"
    );

    // Without JavaScript, a typo keeps what was typed and says what to type.
    let r = app
        .post_form(
            "/account/security",
            "security/contact/change",
            &[("new_email", "jane.example.com")],
        )
        .await;
    assert_eq!(r.status().as_u16(), 303);
    let page = app.page("/account/security").await;
    assert!(page.contains("Enter an email address"), "{page}");
    assert!(page.contains("value=\"jane.example.com\""), "{page}");

    // A new address (right after sign-in: no password asked again): its code is asked for, and
    // the old address is told.
    let new = format!("{user}@example.org");
    let r = app
        .call("security/contact/change", &[("new_email", &new)])
        .await;
    assert_eq!(location(&r), "/account/security");
    let sent = wait_for(&email, 2).await;
    assert!(
        sent[1]["subject"]
            .as_str()
            .unwrap()
            .contains("new email address"),
        "{sent:?}"
    );
    let page = app.page("/account/security").await;
    assert!(page.contains("reset codes"), "{page}");
    let code = latest_code(&app.pool, &user).await.expect("a code");
    let r = app
        .call("security/contact/verify", &[("code", &code)])
        .await;
    assert_eq!(location(&r), "/account/security");
    let shown = moto_call(
        "AdminGetUser",
        json!({"UserPoolId": app.pool.id, "Username": user}),
    )
    .await;
    let attrs = shown["UserAttributes"].as_array().unwrap();
    let has = |n: &str, v: &str| attrs.iter().any(|a| a["Name"] == n && a["Value"] == v);
    assert!(
        has("email", &new) && has("email_verified", "true"),
        "{attrs:?}"
    );
}
