//! The account states that used to dead-end, end to end against moto through the launcher's
//! emulation (`scripts/moto_server.py`: temporary passwords expire, `ForgotPassword` refuses
//! invited and unconfirmed users as Cognito does, `ResendConfirmationCode` and a checked
//! `ConfirmSignUp`).

use crate::common::*;
use serde_json::json;

const TEMP_PW: &str = "Temp-Passw0rd!";
const NEW_PW: &str = "New-Passw0rd!";

/// A pool whose temporary passwords expire at once (`TemporaryPasswordValidityDays: 0`).
async fn expiring_pool() -> Pool {
    create_pool_with(
        false,
        json!({"Policies": {"PasswordPolicy": {"MinimumLength": 8, "RequireUppercase": true,
            "RequireLowercase": true, "RequireNumbers": true, "RequireSymbols": true,
            "TemporaryPasswordValidityDays": 0}}}),
    )
    .await
}

/// The user's password as moto holds it (the new temporary password of an invitation).
async fn password_of(pool: &Pool, name: &str) -> String {
    moto_data().await["cognitoidp"]["CognitoIdpUser"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["user_pool_id"] == pool.id.as_str() && u["username"] == name)
        .and_then(|u| u["password"].as_str())
        .unwrap()
        .to_string()
}

/// The pool's temporary passwords are valid for a week again (so a new one can be used).
async fn week_long_invitations(pool: &Pool) {
    moto_call(
        "UpdateUserPool",
        json!({"UserPoolId": pool.id, "Policies": {"PasswordPolicy": {"MinimumLength": 8,
            "TemporaryPasswordValidityDays": 7}}}),
    )
    .await;
}

#[tokio::test]
async fn an_expired_invitation_is_renewed_by_the_user_and_the_new_one_gets_them_in() {
    let pool = expiring_pool().await;
    let app = spawn_on(&pool, &[("REINVITE", "true")]).await;
    let user = random_user();
    temporary_user(&pool, &user, TEMP_PW).await;

    // A wrong password still hears nothing about the account.
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Wrong-Passw0rd!")],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("WrongCredentials")));

    let r = app
        .call("sign-in", &[("username", &user), ("password", TEMP_PW)])
        .await;
    assert_eq!(location(&r), "/sign-in/invitation");
    let page = app.page("/sign-in/invitation").await;
    assert!(page.contains("Your invitation has expired"), "{page}");
    assert!(page.contains("Send me a new invitation"), "{page}");
    assert!(!page.contains(&user), "the username is not echoed");

    // Without JavaScript: a plain post and a 303 to sign-in, the username filled in.
    let r = app
        .post_form("/sign-in/invitation", "sign-in/invitation", &[])
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/sign-in".into())
    );
    let page = app.page("/sign-in").await;
    assert!(
        page.contains("We&#x27;ve sent you a new invitation")
            || page.contains("sent you a new invitation"),
        "{page}"
    );
    assert!(
        page.contains(&format!("value=\"{user}\"")),
        "username prefilled"
    );

    // The invitation carries a new temporary password, and it works.
    let new_temporary = password_of(&pool, &user).await;
    assert_ne!(new_temporary, TEMP_PW);
    week_long_invitations(&pool).await;
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", &new_temporary)],
        )
        .await;
    assert_eq!(location(&r), "/new-password");
    // The page serves one invitation per sign-in that found it.
    let r = app.fresh().call("sign-in/invitation", &[]).await;
    assert_eq!(r.status().as_u16() / 100, 4, "no flow, no invitation");
}

#[tokio::test]
async fn without_reinvite_the_page_says_whom_to_ask_and_sends_nothing() {
    let pool = expiring_pool().await;
    let app = spawn_on(&pool, &[("SUPPORT_URL", "https://help.example.com/")]).await;
    let user = random_user();
    temporary_user(&pool, &user, TEMP_PW).await;
    let r = app
        .call("sign-in", &[("username", &user), ("password", TEMP_PW)])
        .await;
    assert_eq!(location(&r), "/sign-in/invitation");
    let page = app.page("/sign-in/invitation").await;
    assert!(
        page.contains("Ask the person or team who invited you"),
        "{page}"
    );
    assert!(page.contains("https://help.example.com/"), "{page}");
    assert!(!page.contains("Send me a new invitation"), "{page}");
    let r = app.call("sign-in/invitation", &[]).await;
    assert_eq!(r.status().as_u16() / 100, 4);
    assert_eq!(password_of(&pool, &user).await, TEMP_PW, "nothing was sent");
}

#[tokio::test]
async fn a_reset_for_an_invited_user_sends_a_new_invitation_behind_the_page_everyone_gets() {
    // Cognito's answer for an unknown user follows the pool's recovery setting (moto's too).
    let email_first = json!({"AccountRecoverySetting": {"RecoveryMechanisms":
        [{"Name": "verified_email", "Priority": 1}]}});
    let pool = create_pool_with(false, email_first).await;
    let app = spawn_on(&pool, &[("REINVITE", "true")]).await;
    let invited = format!("{}@example.com", random_user());
    temporary_user(&pool, &invited, TEMP_PW).await;

    let r = app.call("reset/request", &[("username", &invited)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let page = app.page("/reset/confirm").await;
    let unknown = app.fresh();
    let nobody = format!("{}@example.com", random_user());
    let r = unknown
        .call("reset/request", &[("username", &nobody)])
        .await;
    assert_eq!(location(&r), "/reset/confirm");
    let other = unknown.page("/reset/confirm").await;
    assert_eq!(
        visible_delivery_shape(&page),
        visible_delivery_shape(&other)
    );
    for p in [&page, &other] {
        assert!(p.contains("id=\"invited-help\""), "every code page says it");
    }
    assert_ne!(
        password_of(&pool, &invited).await,
        TEMP_PW,
        "a new invitation went"
    );
}

/// A user who signed up (password `Passw0rd-1!`) and never confirmed.
async fn signed_up_user(pool: &Pool) -> String {
    let user = random_user();
    moto_call(
        "SignUp",
        json!({"ClientId": pool.client_id, "Username": user, "Password": "Passw0rd-1!",
               "UserAttributes": [{"Name": "email", "Value": format!("{user}@example.com")}]}),
    )
    .await;
    user
}

#[tokio::test]
async fn a_sign_up_never_confirmed_is_confirmed_at_sign_in_and_the_user_signs_in() {
    let app = spawn_app(false).await;
    let user = signed_up_user(&app.pool).await;
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Wrong-Passw0rd!")],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("WrongCredentials")));

    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Passw0rd-1!")],
        )
        .await;
    assert_eq!(location(&r), "/sign-in/confirm");
    let page = app.page("/sign-in/confirm").await;
    assert!(page.contains("Confirm your account"), "{page}");
    // The right password was typed: where the code went is the user's to see.
    assert!(page.contains(&format!("{}***@e***", &user[..1])), "{page}");

    let r = app.call("sign-in/confirm", &[("code", "000000")]).await;
    assert_eq!(error_of(r).await.1, json!("WrongCode"));
    let code = latest_code(&app.pool, &user).await.expect("a sign-up code");
    // Without JavaScript: a 303 to sign-in, the username filled in, a notice.
    let r = app
        .post_form("/sign-in/confirm", "sign-in/confirm", &[("code", &code)])
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/sign-in".into())
    );
    let page = app.page("/sign-in").await;
    assert!(page.contains("Your account is confirmed"), "{page}");
    assert!(
        page.contains(&format!("value=\"{user}\"")),
        "username prefilled"
    );
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Passw0rd-1!")],
        )
        .await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn a_sign_up_never_confirmed_is_confirmed_from_the_reset_page_and_the_reset_completes() {
    let app = spawn_app(false).await;
    let user = signed_up_user(&app.pool).await;
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let code = latest_code(&app.pool, &user).await.expect("a sign-up code");
    let r = app.confirm(&code, NEW_PW).await;
    assert_eq!(location(&r), "/reset/confirm");
    let page = app.page("/reset/confirm").await;
    assert!(page.contains("id=\"sign-up-confirmed\""), "{page}");
    let code = latest_code(&app.pool, &user).await.expect("a reset code");
    assert!(code.starts_with("moto-confirmation-code:"), "{code}");
    let r = app.confirm(&code, NEW_PW).await;
    assert_eq!(location(&r), "/sign-in");
    let r = app
        .call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/account");
}
