//! `server admin …` against moto: every command succeeds for a real user and is refused
//! (exit 1) for one Cognito refuses; usage and configuration errors exit 2.

use std::{
    io::Write,
    process::{Command, Stdio},
};

use crate::common::*;
use serde_json::Value;

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn admin(pool: &Pool, args: &[&str], stdin: Option<&str>) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("admin")
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", moto())
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("COGNITO_USER_POOL_ID", &pool.id)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    {
        let mut si = child.stdin.take().unwrap();
        if let Some(s) = stdin {
            si.write_all(s.as_bytes()).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into(),
        stderr: String::from_utf8_lossy(&out.stderr).into(),
    }
}

fn json(out: &Out) -> Value {
    serde_json::from_str(out.stdout.trim()).unwrap_or_else(|_| panic!("not JSON: {}", out.stdout))
}

async fn pool_with_user() -> (Pool, String) {
    let pool = create_pool(false).await;
    let user = random_user();
    confirmed_user(&pool, &user, "Old-Passw0rd!").await;
    (pool, user)
}

#[tokio::test]
async fn show_reports_status_and_verification_without_secrets() {
    let (pool, user) = pool_with_user().await;
    let out = admin(&pool, &["show", &user, "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json(&out);
    assert_eq!(v["user"]["status"], "CONFIRMED");
    assert_eq!(v["user"]["email_verified"], true);
    assert_eq!(v["user"]["enabled"], true);
    assert!(!out.stdout.contains("Passw0rd"));
    let human = admin(&pool, &["show", &user], None);
    assert!(
        human
            .stdout
            .contains("Status:          CONFIRMED (can sign in normally)"),
        "{}",
        human.stdout
    );

    let missing = admin(&pool, &["show", "nobody", "--json"], None);
    assert_eq!(missing.code, 1);
    assert_eq!(json(&missing)["error"], "user_not_found");
}

#[tokio::test]
async fn reset_password_puts_the_user_in_reset_required() {
    let (pool, user) = pool_with_user().await;
    let out = admin(&pool, &["reset-password", &user], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Password reset for"));
    let v = json(&admin(&pool, &["show", &user, "--json"], None));
    assert_eq!(v["user"]["status"], "RESET_REQUIRED");

    let refused = admin(&pool, &["reset-password", "nobody"], None);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("no user named nobody"),
        "{}",
        refused.stderr
    );
}

#[tokio::test]
async fn set_password_temporary_generates_one_and_prints_it_once() {
    let (pool, user) = pool_with_user().await;
    let out = admin(
        &pool,
        &["set-password", &user, "--temporary", "--json"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json(&out);
    let pw = v["temporary_password"].as_str().unwrap();
    assert_eq!(pw.len(), 20);
    let status = json(&admin(&pool, &["show", &user, "--json"], None));
    assert_eq!(status["user"]["status"], "FORCE_CHANGE_PASSWORD");

    let refused = admin(&pool, &["set-password", "nobody", "--temporary"], None);
    assert_eq!(refused.code, 1);
}

#[tokio::test]
async fn set_password_permanent_reads_stdin_only() {
    let (pool, user) = pool_with_user().await;
    let out = admin(
        &pool,
        &["set-password", &user, "--permanent"],
        Some("Brand-New-Passw0rd!\n"),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("Brand-New"));
    let empty = admin(&pool, &["set-password", &user, "--permanent"], Some(""));
    assert_eq!(empty.code, 2, "{}", empty.stderr);
    let refused = admin(
        &pool,
        &["set-password", "nobody", "--permanent"],
        Some("Brand-New-Passw0rd!"),
    );
    assert_eq!(refused.code, 1);
    // A password on the command line is not accepted at all.
    let argv = admin(
        &pool,
        &["set-password", &user, "--permanent", "Brand-New-Passw0rd!"],
        None,
    );
    assert_eq!(argv.code, 2);
}

#[tokio::test]
async fn verify_marks_the_email_verified() {
    let pool = create_pool(false).await;
    let user = random_user();
    moto_call(
        "AdminCreateUser",
        serde_json::json!({"UserPoolId": pool.id, "Username": user, "MessageAction": "SUPPRESS",
            "UserAttributes": [{"Name": "email", "Value": "x@example.com"}]}),
    )
    .await;
    let out = admin(&pool, &["verify", &user, "--email"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = json(&admin(&pool, &["show", &user, "--json"], None));
    assert_eq!(v["user"]["email_verified"], true);
    let refused = admin(&pool, &["verify", "nobody", "--email"], None);
    assert_eq!(refused.code, 1);
}

#[tokio::test]
async fn sign_out_signs_the_user_out_everywhere() {
    let (pool, user) = pool_with_user().await;
    let out = admin(&pool, &["sign-out", &user, "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(json(&out)["ok"], true);
    let refused = admin(&pool, &["sign-out", "nobody"], None);
    assert_eq!(refused.code, 1);
}

#[tokio::test]
async fn usage_and_configuration_errors_exit_2() {
    let pool = create_pool(false).await;
    assert_eq!(admin(&pool, &["set-password", "someone"], None).code, 2);
    assert_eq!(admin(&pool, &["verify", "someone"], None).code, 2);
    let no_pool = Pool {
        id: String::new(),
        ..pool
    };
    let out = admin(&no_pool, &["show", "someone"], None);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("COGNITO_USER_POOL_ID"));
}

#[tokio::test]
async fn the_help_desk_commands_do_what_they_say() {
    let (pool, user) = pool_with_user().await;
    // A lost phone: every second factor off (moto: the authenticator deletion through
    // scripts/moto_server.py, as moto 5.2.5 lacks AdminDeleteSoftwareToken).
    let out = admin(&pool, &["mfa-reset", &user, "--json"], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(json(&out)["command"], "mfa-reset");

    // Disable, then enable again.
    let out = admin(&pool, &["disable", &user], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("can no longer sign in"),
        "{}",
        out.stdout
    );
    assert_eq!(
        json(&admin(&pool, &["show", &user, "--json"], None))["user"]["enabled"],
        false
    );
    assert_eq!(admin(&pool, &["enable", &user], None).code, 0);
    assert_eq!(
        json(&admin(&pool, &["show", &user, "--json"], None))["user"]["enabled"],
        true
    );

    // Find by email address: the user, never a secret; nobody for an unknown address.
    let out = admin(
        &pool,
        &["find", "--email", &format!("{user}@example.com"), "--json"],
        None,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let found = json(&out);
    assert_eq!(found["users"].as_array().map(Vec::len), Some(1), "{found}");
    assert_eq!(found["users"][0]["username"], user.as_str());
    let none = admin(&pool, &["find", "--email", "nobody@example.com"], None);
    assert_eq!(none.code, 0);
    assert!(
        none.stdout.contains("No user has nobody@example.com"),
        "{}",
        none.stdout
    );
    assert_eq!(admin(&pool, &["find"], None).code, 2, "--email or --phone");

    // The invitation again, for a user still on a temporary password.
    let invited = random_user();
    temporary_user(&pool, &invited, "Temp-Passw0rd!").await;
    let out = admin(&pool, &["resend-invite", &invited], None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("new invitation"), "{}", out.stdout);
    // By email (Cognito's default would be a text message the user has no number for).
    assert!(
        out.stdout.contains(&format!("{invited}@example.com")),
        "{}",
        out.stdout
    );

    // Refusals name the user and the IAM action, and the log line above names the code.
    let refused = admin(&pool, &["disable", "nobody"], None);
    assert_eq!(refused.code, 1);
    assert!(
        refused.stderr.contains("no user named nobody"),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("UserNotFoundException"),
        "{}",
        refused.stderr
    );
}
