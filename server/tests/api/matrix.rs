//! The main flows (reset, temporary password, sign-in, change password) against the pool
//! configurations operators run, one moto pool each, read by the app at start-up
//! (`DescribeUserPool`): what users sign in with (a username, an email address or a phone
//! number as the username, aliases), a client with and without a secret, MFA off, optional and
//! required, and recovery by email, by phone and by an administrator only. The docs'
//! pool-settings table points here. (moto does not honour `CaseSensitive=false`: case is
//! covered by `pool::tests` and `state::tests`.)

use crate::common::*;
use serde_json::{json, Value};

const OLD: &str = "Old-Passw0rd!";
const TEMP: &str = "Temp-Passw0rd!";
const NEW: &str = "New-Passw0rd!";

/// One pool configuration.
struct Case {
    name: &'static str,
    secret: bool,
    /// More `CreateUserPool` fields.
    pool: Value,
    /// `SetUserPoolMfaConfig`'s `MfaConfiguration`, when not the pool's default (off).
    mfa: Option<&'static str>,
    /// The username Cognito holds, and what the user types for it.
    user: fn() -> (String, String),
}

fn plain() -> (String, String) {
    let u = random_user();
    (u.clone(), u)
}

fn email() -> (String, String) {
    let u = format!("{}@example.com", random_user());
    (u.clone(), u)
}

fn phone() -> (String, String) {
    // Typed as people write it; Cognito holds E.164.
    let n = rand::random::<u32>() % 10_000_000;
    (
        format!("+1555{n:07}"),
        format!("+1 555 {:03} {:04}", n / 10_000, n % 10_000),
    )
}

/// A user of `pool` named `name` (FORCE_CHANGE_PASSWORD with `TEMP` unless `permanent`), with
/// a verified email address and phone number (`name` itself where it is one of them).
async fn user(pool: &Pool, name: &str, permanent: Option<&str>) {
    let n = rand::random::<u32>() % 10_000_000;
    let email = if name.contains('@') {
        name.to_string()
    } else {
        format!("m{n}@example.com")
    };
    let phone = if name.starts_with('+') {
        name.to_string()
    } else {
        format!("+1666{n:07}")
    };
    moto_call(
        "AdminCreateUser",
        json!({
            "UserPoolId": pool.id, "Username": name, "TemporaryPassword": TEMP,
            "MessageAction": "SUPPRESS",
            "UserAttributes": [
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
                {"Name": "phone_number", "Value": phone},
                {"Name": "phone_number_verified", "Value": "true"}],
        }),
    )
    .await;
    if let Some(p) = permanent {
        moto_call(
            "AdminSetUserPassword",
            json!({"UserPoolId": pool.id, "Username": name, "Password": p, "Permanent": true}),
        )
        .await;
    }
}

/// Where a sign-in with a password lands in a pool with `mfa`, for a user without a second
/// factor: signed in, or (MFA required) setting one up, at every sign-in as Cognito asks (the
/// launcher, `scripts/moto_server.py`, asks as Cognito does).
fn after_sign_in(mfa: Option<&str>) -> &'static str {
    match mfa {
        Some("ON") => "/sign-in/setup",
        _ => "/account",
    }
}

async fn run(case: Case) {
    let pool = create_pool_with(case.secret, case.pool.clone()).await;
    if let Some(mode) = case.mfa {
        moto_call(
            "SetUserPoolMfaConfig",
            json!({"UserPoolId": pool.id, "MfaConfiguration": mode,
                "SoftwareTokenMfaConfiguration": {"Enabled": true}}),
        )
        .await;
    }
    let app = spawn_on(&pool, &[("DESCRIBE_USER_POOL", "true")]).await;
    let name = case.name;
    let admin_only =
        case.pool["AccountRecoverySetting"]["RecoveryMechanisms"][0]["Name"] == "admin_only";

    // Forgot password → code → new password → signed in.
    let (held, typed) = (case.user)();
    user(&pool, &held, Some(OLD)).await;
    let r = app
        .fresh()
        .call("reset/request", &[("username", &typed)])
        .await;
    if admin_only {
        assert_eq!(
            error_of(r).await,
            (403, json!("RecoveryAdminOnly")),
            "{name}"
        );
    } else {
        let reset = app.fresh();
        let r = reset.call("reset/request", &[("username", &typed)]).await;
        assert_eq!(location(&r), "/reset/confirm", "{name}");
        let code = latest_code(&pool, &held).await.expect("a code");
        let r = reset.confirm(&code, NEW).await;
        assert_eq!(r.status(), 200, "{name}: {:?}", r.text().await);
        let r = app
            .fresh()
            .call("sign-in", &[("username", &typed), ("password", NEW)])
            .await;
        assert_eq!(location(&r), after_sign_in(case.mfa), "{name}: reset");
    }

    // A temporary password → a new one.
    let (held, typed) = (case.user)();
    user(&pool, &held, None).await;
    let temp = app.fresh();
    let r = temp
        .call("sign-in", &[("username", &typed), ("password", TEMP)])
        .await;
    assert_eq!(location(&r), "/new-password", "{name}");
    let r = temp
        .call(
            "new-password",
            &[("new_password", NEW), ("confirm_password", NEW)],
        )
        .await;
    assert_eq!(location(&r), after_sign_in(case.mfa), "{name}: temporary");

    // Sign in, then change the password (where no second factor stands in the way).
    if case.mfa != Some("ON") {
        let (held, typed) = (case.user)();
        user(&pool, &held, Some(OLD)).await;
        let me = app.fresh();
        let r = me
            .call("sign-in", &[("username", &typed), ("password", OLD)])
            .await;
        assert_eq!(location(&r), "/account", "{name}");
        let r = me
            .call(
                "account/password",
                &[
                    ("current_password", OLD),
                    ("new_password", NEW),
                    ("confirm_password", NEW),
                ],
            )
            .await;
        assert_eq!(location(&r), "/account", "{name}: change");
    }
}

#[tokio::test]
async fn a_username_with_and_without_a_secret() {
    run(Case {
        name: "username, no secret, recovery by email",
        secret: false,
        pool: json!({"AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "verified_email", "Priority": 1}]}}),
        mfa: None,
        user: plain,
    })
    .await;
    run(Case {
        name: "username, secret, recovery by phone, MFA optional",
        secret: true,
        pool: json!({"AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "verified_phone_number", "Priority": 1}]}}),
        mfa: Some("OPTIONAL"),
        user: plain,
    })
    .await;
}

#[tokio::test]
async fn an_email_or_a_phone_number_as_the_username() {
    run(Case {
        name: "email as username, case-sensitive",
        secret: false,
        pool: json!({"UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": true}}),
        mfa: None,
        user: email,
    })
    .await;
    run(Case {
        name: "phone as username, secret",
        secret: true,
        pool: json!({"UsernameAttributes": ["phone_number"]}),
        mfa: None,
        user: phone,
    })
    .await;
}

#[tokio::test]
async fn aliases_required_mfa_and_admin_only_recovery() {
    run(Case {
        name: "aliases, MFA required",
        secret: false,
        pool: json!({"AliasAttributes": ["email", "phone_number"]}),
        mfa: Some("ON"),
        user: plain,
    })
    .await;
    run(Case {
        name: "admin-only recovery",
        secret: true,
        pool: json!({"AccountRecoverySetting": {"RecoveryMechanisms": [
            {"Name": "admin_only", "Priority": 1}]}}),
        mfa: None,
        user: plain,
    })
    .await;
}
