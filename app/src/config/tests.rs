//! Settings from a map: defaults, and each malformed value named.

use super::*;
use secrecy::ExposeSecret;
use std::collections::HashMap;

fn base() -> HashMap<&'static str, &'static str> {
    HashMap::from([
        ("COGNITO_USER_POOL_ID", "eu-west-1_AbC123"),
        ("COGNITO_CLIENT_ID", "abc123"),
        ("AWS_REGION", "eu-west-1"),
        ("PUBLIC_ORIGIN", "https://reset.example.com"),
    ])
}

fn read(map: &HashMap<&'static str, &'static str>) -> Result<Settings, ConfigError> {
    Settings::from_lookup(|k| map.get(k).map(|v| v.to_string()))?.load_files()
}

#[test]
fn notifications_are_off_by_default_and_need_a_sender_when_on() {
    let s = read(&base()).unwrap();
    assert!(!s.notify.enabled && !s.notify.not_me_action);
    assert_eq!(s.notify.not_me_ttl, Duration::from_secs(7 * 24 * 3600));
    let mut m = base();
    m.insert("NOTIFY_EMAIL", "true");
    assert_eq!(read(&m).unwrap_err().variable, "NOTIFY_FROM");
    for bad in [
        "no-reply",
        "a@b",
        "Security <x@example.com>\nBcc: y@example.com",
    ] {
        m.insert("NOTIFY_FROM", bad);
        assert_eq!(read(&m).unwrap_err().variable, "NOTIFY_FROM", "{bad:?}");
    }
    m.insert("NOTIFY_FROM", "Account security <no-reply@example.com>");
    m.insert("NOT_ME_LINK_TTL_SECS", "60");
    assert_eq!(read(&m).unwrap_err().variable, "NOT_ME_LINK_TTL_SECS");
    m.remove("NOT_ME_LINK_TTL_SECS");
    let s = read(&m).unwrap();
    assert!(s.notify.enabled);
    assert_eq!(s.notify.from, "Account security <no-reply@example.com>");
}

#[test]
fn minimal_environment_gives_safe_defaults() {
    let s = read(&base()).unwrap();
    assert!(s.session.cookie_secure);
    assert_eq!(s.cookie_name(), "__Host-sid");
    assert_eq!(s.flows.challenge_ttl, Duration::from_secs(180));
    assert_eq!(s.flows.password_policy, PasswordPolicy::default());
    assert_eq!(s.http.public_origin, "https://reset.example.com");
}

#[test]
fn missing_pool_id_names_the_variable() {
    let mut m = base();
    m.remove("COGNITO_USER_POOL_ID");
    let e = read(&m).unwrap_err();
    assert_eq!(e.variable, "COGNITO_USER_POOL_ID");
    assert!(!e.to_string().contains('\n'));
}

#[test]
fn plain_http_is_refused_off_loopback() {
    let mut m = base();
    m.insert("PUBLIC_ORIGIN", "http://reset.example.com");
    assert_eq!(read(&m).unwrap_err().variable, "PUBLIC_ORIGIN");
    m.insert("PUBLIC_ORIGIN", "http://127.0.0.1:3000");
    m.insert("SESSION_COOKIE_SECURE", "false");
    assert_eq!(read(&m).unwrap().cookie_name(), "sid");
}

#[test]
fn insecure_cookies_need_a_loopback_origin() {
    let mut m = base();
    m.insert("SESSION_COOKIE_SECURE", "false");
    assert_eq!(read(&m).unwrap_err().variable, "SESSION_COOKIE_SECURE");
}

#[test]
fn region_must_match_the_pool() {
    let mut m = base();
    m.insert("AWS_REGION", "us-east-1");
    assert_eq!(read(&m).unwrap_err().variable, "AWS_REGION");
}

#[test]
fn secret_is_kept_but_never_debug_printed() {
    let mut m = base();
    m.insert("COGNITO_CLIENT_SECRET", "s3cr3t-value");
    let s = read(&m).unwrap();
    assert_eq!(
        s.cognito.client_secret.as_ref().unwrap().expose_secret(),
        "s3cr3t-value"
    );
    assert!(!format!("{s:?}").contains("s3cr3t-value"));
}

#[test]
fn rate_limits_and_proxies_parse_or_name_the_variable() {
    assert_eq!(
        Limit::parse("5/15m"),
        Some(Limit {
            max: 5,
            per: Duration::from_secs(900)
        })
    );
    assert_eq!(Limit::parse("20/1s").unwrap().per, Duration::from_secs(1));
    assert_eq!(Limit::parse("0/1s"), None);
    assert_eq!(Limit::parse("5 per minute"), None);
    let mut m = base();
    m.insert("RATE_LIMIT_IP", "lots");
    assert_eq!(read(&m).unwrap_err().variable, "RATE_LIMIT_IP");
    m.remove("RATE_LIMIT_IP");
    m.insert("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1,::1");
    let s = read(&m).unwrap();
    assert_eq!(s.http.trusted_proxies.len(), 3);
    assert!(s.http.trusted_proxies[0].contains("10.2.3.4".parse().unwrap()));
    assert!(!s.http.trusted_proxies[0].contains("11.2.3.4".parse().unwrap()));
    assert!(s.http.trusted_proxies[1].contains("::ffff:127.0.0.1".parse().unwrap()));
    m.insert("TRUSTED_PROXIES", "10.0.0.0/33");
    assert_eq!(read(&m).unwrap_err().variable, "TRUSTED_PROXIES");
}

#[test]
fn redis_store_endpoint_and_timeouts_are_read() {
    let mut m = base();
    m.insert("SESSION_STORE", "redis://10.0.0.7:6379/0");
    m.insert("AWS_ENDPOINT_URL", "http://127.0.0.1:5000");
    m.insert("METRICS_ADDR", "127.0.0.1:9100");
    let s = read(&m).unwrap();
    assert_eq!(
        s.session.store,
        SessionStoreKind::Redis("redis://10.0.0.7:6379/0".into())
    );
    assert_eq!(s.cognito.endpoint, ("127.0.0.1".to_string(), 5000));
    assert_eq!(s.ops.metrics_addr, Some("127.0.0.1:9100".parse().unwrap()));
    assert_eq!(s.cognito.timeout, Duration::from_secs(10));
    let d = read(&base()).unwrap();
    assert_eq!(
        d.cognito.endpoint,
        ("cognito-idp.eu-west-1.amazonaws.com".to_string(), 443)
    );
    m.insert(
        "SESSION_STORE",
        "rediss://:s3cr3t-token@cache.example:6379/0",
    );
    let store = read(&m).unwrap().session.store;
    assert_eq!(
        store,
        SessionStoreKind::Redis("rediss://:s3cr3t-token@cache.example:6379/0".into())
    );
    let shown = format!("{store:?}");
    assert!(
        !shown.contains("s3cr3t-token") && shown.contains("cache.example"),
        "{shown}"
    );
    m.insert("SESSION_STORE", "postgres://x");
    assert_eq!(read(&m).unwrap_err().variable, "SESSION_STORE");
    m.insert("SESSION_STORE", "memory");
    m.insert("COGNITO_TIMEOUT_MS", "5");
    assert_eq!(read(&m).unwrap_err().variable, "COGNITO_TIMEOUT_MS");
}

#[test]
fn brand_colour_and_logo_are_checked() {
    let mut m = base();
    m.insert("BRAND_COLOR", "orange");
    assert_eq!(read(&m).unwrap_err().variable, "BRAND_COLOR");
    m.insert("BRAND_COLOR", "#ffcc00");
    m.insert("BRAND_LOGO", "/no/such/logo.svg");
    assert_eq!(read(&m).unwrap_err().variable, "BRAND_LOGO");
    m.insert("BRAND_LOGO", "logo.gif");
    assert_eq!(read(&m).unwrap_err().variable, "BRAND_LOGO");
    m.insert("BRAND_LOGO", "https://cdn.example.com/logo.svg");
    let s = read(&m).unwrap();
    assert!(s.brand.colour.unwrap().warning().is_some());
}

#[test]
fn session_lifetimes_and_secret_are_checked() {
    let mut m = base();
    m.insert("SESSION_IDLE_SECS", "3600");
    m.insert("SESSION_ABSOLUTE_SECS", "600");
    assert_eq!(read(&m).unwrap_err().variable, "SESSION_ABSOLUTE_SECS");
    let mut m = base();
    m.insert("SERVER_SECRET", "short");
    assert_eq!(read(&m).unwrap_err().variable, "SERVER_SECRET");
    let s = read(&base()).unwrap();
    assert_eq!(s.flows.code_window, Duration::from_secs(600));
    assert!(s.flows.sign_out_everywhere);
    assert!(
        !s.flows.reinvite,
        "an Admin* call is off until the operator turns it on"
    );
    assert_eq!(s.limits.global.max, 20);
    let mut m = base();
    m.insert("REINVITE", "maybe");
    assert_eq!(read(&m).unwrap_err().variable, "REINVITE");
    // The username goes by email: a sender is needed.
    let mut m = base();
    m.insert("FORGOT_USERNAME", "true");
    assert_eq!(read(&m).unwrap_err().variable, "FORGOT_USERNAME");
    m.insert("NOTIFY_FROM", "no-reply@example.com");
    assert!(read(&m).unwrap().flows.forgot_username);
}

#[test]
fn the_delayed_factor_reset_needs_a_sender_and_an_attribute_of_its_own() {
    assert_eq!(
        read(&base()).unwrap().flows.mfa_reset,
        None,
        "off by default"
    );
    let mut m = base();
    m.insert("MFA_RESET", "true");
    // The code and the cancel link go by email.
    assert_eq!(read(&m).unwrap_err().variable, "MFA_RESET");
    m.insert("NOTIFY_FROM", "no-reply@example.com");
    let on = read(&m).unwrap().flows.mfa_reset.unwrap();
    assert_eq!(on.attribute, "custom:mfa_reset");
    assert_eq!(on.delay, Duration::from_secs(86_400), "a day by default");
    m.insert("MFA_RESET_DELAY_SECS", "0");
    assert_eq!(
        read(&m).unwrap().flows.mfa_reset.unwrap().delay,
        Duration::ZERO
    );
    m.insert("MFA_RESET_DELAY_SECS", "99999999");
    assert_eq!(read(&m).unwrap_err().variable, "MFA_RESET_DELAY_SECS");
    m.remove("MFA_RESET_DELAY_SECS");
    m.insert("MFA_RESET_ATTRIBUTE", "custom:recovery_codes");
    assert_eq!(read(&m).unwrap_err().variable, "MFA_RESET_ATTRIBUTE");
    m.insert("MFA_RESET_ATTRIBUTE", "mfa_reset");
    assert_eq!(read(&m).unwrap_err().variable, "MFA_RESET_ATTRIBUTE");
    m.insert("MFA_RESET_ATTRIBUTE", "custom:lost_factor");
    assert_eq!(
        read(&m).unwrap().flows.mfa_reset.unwrap().attribute,
        "custom:lost_factor"
    );
}

#[test]
fn the_sign_in_flow_is_password_unless_choice() {
    assert_eq!(
        read(&base()).unwrap().flows.sign_in_flow,
        SignInFlow::Password
    );
    let mut m = base();
    m.insert("SIGN_IN_FLOW", "choice");
    assert_eq!(read(&m).unwrap().flows.sign_in_flow, SignInFlow::Choice);
    m.insert("SIGN_IN_FLOW", "srp");
    assert_eq!(read(&m).unwrap_err().variable, "SIGN_IN_FLOW");
    m.remove("SIGN_IN_FLOW");
    m.insert("POOL_FEATURES", "required, sms,passkeys");
    let f = read(&m).unwrap().flows.pool_features;
    assert_eq!(f.mfa, crate::pool::MfaRule::Required);
    assert!(f.sms && f.passkeys && !f.totp && !f.email && !f.devices);
    m.insert("POOL_FEATURES", "required,webauthn");
    let e = read(&m).unwrap_err();
    assert_eq!(e.variable, "POOL_FEATURES");
    assert!(e.problem.contains("webauthn"), "{}", e.problem);
}

#[test]
fn malformed_numbers_are_refused_with_the_name() {
    let mut m = base();
    m.insert("CHALLENGE_TTL_SECS", "three minutes");
    assert_eq!(read(&m).unwrap_err().variable, "CHALLENGE_TTL_SECS");
}

#[test]
fn the_operators_app_comes_with_its_name_and_allowed_origins() {
    assert_eq!(read(&base()).unwrap().brand.app, None);
    let mut m = base();
    m.insert("APP_URL", "https://app.example.com/home");
    assert_eq!(read(&m).unwrap_err().variable, "APP_NAME");
    m.insert("APP_NAME", "Example Corp");
    m.insert(
        "RETURN_TO_ORIGINS",
        "https://shop.example.com, http://localhost:3000",
    );
    let app = read(&m).unwrap().brand.app.unwrap();
    assert_eq!(app.url, "https://app.example.com/home");
    assert_eq!(
        app.origins,
        [
            "https://app.example.com",
            "https://shop.example.com",
            "http://localhost:3000"
        ]
    );
    for (var, bad) in [
        ("APP_URL", "app.example.com"),
        ("APP_URL", "javascript:alert(1)"),
        ("RETURN_TO_ORIGINS", "https://user@shop.example.com"),
        ("RETURN_TO_ORIGINS", "ftp://shop.example.com"),
        ("APP_NAME", " "),
    ] {
        let mut m = m.clone();
        m.insert(var, bad);
        assert_eq!(read(&m).unwrap_err().variable, var, "{bad:?}");
    }
    let mut m = base();
    m.insert("RETURN_TO_ORIGINS", "https://shop.example.com");
    assert_eq!(read(&m).unwrap_err().variable, "RETURN_TO_ORIGINS");
}

#[test]
fn embedded_metrics_are_off_unless_asked_for_and_the_namespace_is_checked() {
    assert!(read(&base()).unwrap().ops.emf.is_none());
    let mut m = base();
    m.insert("METRICS_EMF_SECS", "60");
    let (every, ns) = read(&m).unwrap().ops.emf.unwrap();
    assert_eq!(
        (every, ns.as_str()),
        (Duration::from_secs(60), "CognitoReset")
    );
    for bad in ["AWS/ECS", "has space"] {
        m.insert("METRICS_EMF_NAMESPACE", bad);
        assert_eq!(
            read(&m).unwrap_err().variable,
            "METRICS_EMF_NAMESPACE",
            "{bad}"
        );
    }
    m.insert("METRICS_EMF_NAMESPACE", "CognitoReset/prod-eu");
    assert_eq!(read(&m).unwrap().ops.emf.unwrap().1, "CognitoReset/prod-eu");
}

/// The configuration reference (`docs/src/configuration.md`) names every variable the settings read, and nothing the
/// code does not read (rows that end in "…" name families such as the AWS SDK's own): the
/// reference cannot drift from the code.
#[test]
fn the_configuration_reference_is_the_code() {
    use std::collections::BTreeSet;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let is_name = |t: &str| {
        t.len() >= 3
            && t.starts_with(|c: char| c.is_ascii_uppercase())
            && t.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
    };
    let mut read = BTreeSet::new();
    for entry in std::fs::read_dir(dir.join("src/config")).unwrap() {
        let path = entry.unwrap().path();
        if path.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // Every string literal that is a variable's name (the settings name nothing else so).
        for (i, piece) in text.split('"').enumerate() {
            if i % 2 == 1 && is_name(piece) {
                read.insert(piece.to_string());
            }
        }
    }
    let section = std::fs::read_to_string(dir.join("../docs/src/configuration.md")).unwrap();
    let (mut listed, mut families) = (BTreeSet::new(), BTreeSet::new());
    for row in section.lines().filter(|l| l.starts_with("| `")) {
        let first = row.split('|').nth(1).unwrap();
        let names = first.split('`').skip(1).step_by(2).filter(|t| is_name(t));
        for name in names {
            if first.trim_end().ends_with('…') {
                families.insert(name.to_string());
            } else {
                listed.insert(name.to_string());
            }
        }
    }
    let missing: Vec<_> = read
        .iter()
        .filter(|n| !listed.contains(*n) && !families.contains(*n))
        .collect();
    assert!(
        missing.is_empty(),
        "read by the code, not in the reference: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&read).collect();
    assert!(
        stale.is_empty(),
        "in the reference, read by no code: {stale:?}"
    );
}

#[test]
fn log_format_and_support_url_take_only_what_the_reference_says() {
    let mut m = base();
    m.insert("LOG_FORMAT", "xml");
    assert_eq!(read(&m).unwrap_err().variable, "LOG_FORMAT");
    m.insert("LOG_FORMAT", "text");
    assert!(!read(&m).unwrap().ops.log_json);
    assert!(read(&base()).unwrap().ops.log_json, "json by default");
    let mut m = base();
    for ok in [
        "https://help.example.com",
        "mailto:help@example.com",
        "http://127.0.0.1:8080/help",
    ] {
        m.insert("SUPPORT_URL", ok);
        assert!(read(&m).is_ok(), "{ok}");
    }
    for bad in [
        "http://help.example.com",
        "javascript:alert(1)",
        "help.example.com",
    ] {
        m.insert("SUPPORT_URL", bad);
        assert_eq!(read(&m).unwrap_err().variable, "SUPPORT_URL", "{bad}");
    }
}
