//! Recovery codes on moto (authenticator codes checked for real; the launcher holds the app
//! client's read and write attributes and asks a pool that requires MFA for a new factor):
//! made on the security page, kept hashed in a custom attribute the user's own token cannot
//! read or write, and one of them standing in for a lost authenticator.

use crate::{
    common::*,
    mfa::{mfa_pool, require_mfa, totp, totp_user},
};
use serde_json::{json, Value};

const PW: &str = "New-Passw0rd!";
const ATTRIBUTE: &str = "custom:recovery_codes";

/// The codes a page shows (`<li><code>xxxx-xxxx-xxxx-xxxx</code></li>`).
fn shown_codes(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s[..s.find("</code>").unwrap()].to_string())
        .collect()
}

async fn attribute(pool: &Pool, user: &str) -> Option<String> {
    attribute_of(pool, user, ATTRIBUTE).await
}

/// Signs `user` in on `app` up to the authenticator's code page.
async fn to_the_code_page(app: &TestApp, user: &str) {
    let r = app
        .call("sign-in", &[("username", user), ("password", PW)])
        .await;
    assert_eq!(location(&r), "/sign-in/code");
}

#[tokio::test]
async fn codes_are_made_once_kept_hashed_and_one_replaces_a_lost_authenticator() {
    let pool = create_pool(false).await;
    let app = spawn_on(&pool, &[("RECOVERY_CODES", "true")]).await;
    let user = random_user();
    let secret = totp_user(&pool, &user).await;
    to_the_code_page(&app, &user).await;
    let r = app
        .call("mfa/code", &[("code", &totp(&secret).await)])
        .await;
    assert_eq!(location(&r), "/account");

    // A second factor and no codes: the page asks for a set.
    let page = app.page("/account/security").await;
    assert!(page.contains("Create recovery codes now"), "{page}");
    let r = app.call("security/recovery-codes/new", &[]).await;
    assert_eq!(location(&r), "/account/security");
    let page = app.page("/account/security").await;
    let codes = shown_codes(&page);
    assert_eq!(codes.len(), 10, "{page}");
    assert!(page.contains("download=\"recovery-codes.txt\""), "{page}");
    let kept = attribute(&pool, &user).await.expect("kept in the pool");
    assert!(kept.starts_with("v1:") && !codes.iter().any(|c| kept.contains(&c.replace('-', ""))));
    // Shown until saved, then only how many are left.
    let r = app.call("security/recovery-codes/saved", &[]).await;
    assert_eq!(location(&r), "/account/security");
    let page = app.page("/account/security").await;
    assert!(
        shown_codes(&page).is_empty() && page.contains("You have 10 unused recovery codes"),
        "{page}"
    );

    // The phone is gone: another browser, the code page offers a recovery code.
    let lost = app.fresh();
    to_the_code_page(&lost, &user).await;
    assert!(lost
        .page("/sign-in/code")
        .await
        .contains("/sign-in/recovery"));
    let r = lost
        .call(
            "mfa/recovery",
            &[("recovery_code", "0000-0000-0000-0000"), ("password", PW)],
        )
        .await;
    assert_eq!(error_of(r).await, (400, json!("WrongRecoveryCode")));
    // A wrong password uses nothing up.
    let r = lost
        .call(
            "mfa/recovery",
            &[
                ("recovery_code", &codes[0]),
                ("password", "Wrong-Passw0rd!"),
            ],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("WrongCredentials")));
    let r = lost
        .post_form(
            "/sign-in/recovery",
            "mfa/recovery",
            &[("recovery_code", &codes[0]), ("password", PW)],
        )
        .await;
    assert_eq!(
        (r.status().as_u16(), location(&r)),
        (303, "/account".into())
    );
    // The authenticator is gone and the code used.
    let r = app
        .fresh()
        .call("sign-in", &[("username", &user), ("password", PW)])
        .await;
    assert_eq!(location(&r), "/account", "no second factor asked for");
    let left = attribute(&pool, &user).await.unwrap();
    assert_eq!(app::flow::recovery_codes::unused(Some(&left)), 9);
}

#[tokio::test]
async fn where_a_second_factor_is_required_a_recovery_code_leads_to_a_new_one() {
    let pool = mfa_pool("ON").await;
    let app = spawn_on(&pool, &[("RECOVERY_CODES", "true")]).await;
    let user = random_user();
    let _ = totp_user(&pool, &user).await; // (it leaves the pool at OPTIONAL)
    require_mfa(&pool).await;
    let (codes, kept) = app::flow::recovery_codes::generate();
    moto_call(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool.id, "Username": user,
            "UserAttributes": [{"Name": ATTRIBUTE, "Value": kept}]}),
    )
    .await;
    to_the_code_page(&app, &user).await;
    let r = app
        .call(
            "mfa/recovery",
            &[("recovery_code", &codes[4]), ("password", PW)],
        )
        .await;
    assert_eq!(location(&r), "/sign-in/setup");
    // Another sign-in: no factor left, so one is set up first.
    let again = app.fresh();
    let r = again
        .call("sign-in", &[("username", &user), ("password", PW)])
        .await;
    assert_eq!(
        location(&r),
        "/sign-in/setup",
        "no factor left to ask for: set one up"
    );
}

#[tokio::test]
async fn the_users_own_token_neither_reads_nor_writes_the_codes() {
    // How the operator sets up the app client (docs "Recovery codes"): the attribute is in
    // neither its read nor its write attributes.
    let pool = create_pool(false).await;
    let client = moto_call(
        "CreateUserPoolClient",
        json!({"UserPoolId": pool.id, "ClientName": "web", "GenerateSecret": false,
            "ExplicitAuthFlows": ["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
            "ReadAttributes": ["email", "email_verified", "phone_number", "phone_number_verified"],
            "WriteAttributes": ["email", "phone_number"]}),
    )
    .await;
    let client_id = client["UserPoolClient"]["ClientId"].as_str().unwrap();
    let user = random_user();
    confirmed_user(&pool, &user, PW).await;
    moto_call(
        "AdminUpdateUserAttributes",
        json!({"UserPoolId": pool.id, "Username": user,
            "UserAttributes": [{"Name": ATTRIBUTE, "Value": "v1:secret"}]}),
    )
    .await;
    let auth = moto_call(
        "InitiateAuth",
        json!({"ClientId": client_id, "AuthFlow": "USER_PASSWORD_AUTH",
            "AuthParameters": {"USERNAME": user, "PASSWORD": PW}}),
    )
    .await;
    let access = auth["AuthenticationResult"]["AccessToken"]
        .as_str()
        .unwrap();
    let own = moto_call("GetUser", json!({"AccessToken": access})).await;
    let names: Vec<&Value> = own["UserAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["Name"])
        .collect();
    assert!(!names.iter().any(|n| *n == ATTRIBUTE), "{names:?}");
    let http = reqwest::Client::new();
    let refused = moto_json::call(
        &http,
        moto(),
        "UpdateUserAttributes",
        &json!({"AccessToken": access, "UserAttributes": [{"Name": ATTRIBUTE, "Value": "v1:mine"}]}),
    )
    .await;
    assert!(refused.is_err(), "{refused:?}");
    assert_eq!(attribute(&pool, &user).await.as_deref(), Some("v1:secret"));
}
