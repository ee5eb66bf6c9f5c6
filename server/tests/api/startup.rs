//! Start-up: bad configuration stops the server with one line naming the variable.

use std::process::Command;

fn run_without(var: &str) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.env_clear()
        .env("COGNITO_USER_POOL_ID", "eu-west-1_Abc123")
        .env("COGNITO_CLIENT_ID", "client1")
        .env("AWS_REGION", "eu-west-1")
        .env("PUBLIC_ORIGIN", "https://reset.example.com")
        .env("COGNITO_CLIENT_SECRET", "super-secret-value")
        .env("LISTEN_ADDR", "127.0.0.1:1")
        .env("CHALLENGE_TTL_SECS", "soon");
    cmd.env_remove(var);
    cmd.output().unwrap()
}

#[test]
fn a_missing_pool_id_stops_start_up_with_one_line_naming_it() {
    let out = run_without("COGNITO_USER_POOL_ID");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("COGNITO_USER_POOL_ID"), "{err}");
    assert!(!err.contains("super-secret-value"));
}

#[test]
fn a_malformed_value_names_the_variable_and_what_was_expected() {
    let out = run_without("NOTHING");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("CHALLENGE_TTL_SECS") && err.contains("expected whole seconds"),
        "{err}"
    );
    assert!(!err.contains("super-secret-value"));
}
