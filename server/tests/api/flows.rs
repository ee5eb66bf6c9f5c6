//! Every flow end to end against moto, through HTTP: the JS call (server function) and the
//! no-JS form post (303 post/redirect/get) for each.

use crate::common::*;
use serde_json::json;

const NEW_PW: &str = "New-Passw0rd!";

// ---- Forgot password → enter code -------------------------------------------------------

async fn reset_flow_completes(with_secret: bool) {
    let app = spawn_app(with_secret).await;
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;

    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(r.status(), 200);
    assert_eq!(location(&r), "/reset/confirm");
    assert!(r.headers().contains_key("serverfnredirect"));

    let page = app.page("/reset/confirm").await;
    assert!(page.contains("We sent a code"), "{page}");
    assert!(
        !page.contains(&user),
        "the username is not echoed on the code page"
    );

    let code = latest_code(&app.pool, &user)
        .await
        .expect("moto issued a code");
    let r = app.confirm(&code, NEW_PW).await;
    assert_eq!(r.status(), 200, "{:?}", r.text().await);

    let page = app.page("/sign-in").await;
    assert!(page.contains("Your password has been changed"));
    assert!(
        page.contains(&format!("value=\"{user}\"")),
        "username prefilled"
    );

    let r = app
        .call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/account");
    let r = app
        .fresh()
        .call(
            "sign-in",
            &[("username", &user), ("password", "Old-Passw0rd!")],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("WrongCredentials")));
}

/// A CONFIRMED user (password `Old-Passw0rd!`) who has just asked for a reset code on `app`.
async fn user_who_requested_a_code(app: &TestApp) -> String {
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    let r = app.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    user
}

#[tokio::test]
async fn forgot_password_then_code_then_sign_in_with_the_new_password() {
    reset_flow_completes(false).await;
}

#[tokio::test]
async fn the_reset_flow_works_with_a_client_secret() {
    reset_flow_completes(true).await;
}

#[tokio::test]
async fn without_js_the_reset_request_redirects_303_and_keeps_the_username_out_of_the_url() {
    let app = spawn_app(false).await;
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    let r = app
        .post_form("/reset", "reset/request", &[("username", &user)])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/reset/confirm");
    assert!(!location(&r).contains(&user));
    let page = app.page("/reset/confirm").await;
    assert!(page.contains("We sent a code"));

    let code = latest_code(&app.pool, &user).await.unwrap();
    let r = app
        .post_form(
            "/reset/confirm",
            "reset/confirm",
            &[
                ("code", &code),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sign-in");
}

#[tokio::test]
async fn an_unknown_user_gets_the_same_answer_as_a_real_one() {
    let app = spawn_app(false).await;
    let real = random_user();
    confirmed_user(&app.pool, &real, "Old-Passw0rd!").await;

    let a = app.call("reset/request", &[("username", &real)]).await;
    let page_a = app.page("/reset/confirm").await;
    let other = app.fresh();
    let b = other
        .call("reset/request", &[("username", "nobody-here")])
        .await;
    let page_b = other.page("/reset/confirm").await;

    assert_eq!(a.status(), b.status());
    assert_eq!(location(&a), location(&b));
    let lead = |p: &str| {
        p.split("id=\"delivery\"")
            .nth(1)
            .unwrap_or("")
            .split("</p>")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert!(lead(&page_a).contains("We sent a code"));
    // Same wording either way (moto masks every destination the same way).
    assert_eq!(lead(&page_a), lead(&page_b));
}

#[tokio::test]
async fn a_wrong_code_keeps_the_user_on_the_code_page() {
    let app = spawn_app(false).await;
    user_who_requested_a_code(&app).await;
    let r = app.confirm("moto-confirmation-code:000000", NEW_PW).await;
    // moto answers a wrong code with ExpiredCodeException (real Cognito: CodeMismatchException,
    // whose mapping to WrongCode is covered with aws-smithy-mocks in app/src/reset/tests.rs).
    assert_eq!(error_of(r).await, (400, json!("ExpiredCode")));

    // Without JS: back to the page, with the message.
    let r = app
        .post_form(
            "/reset/confirm",
            "reset/confirm",
            &[
                ("code", "moto-confirmation-code:000000"),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/reset/confirm");
    let page = app.page("/reset/confirm").await;
    assert!(page.contains("That code has expired"), "{page}");
    // One way to another code, the one whose state is the cooldown; the message points to it.
    assert!(page.contains("Get a new code below"), "{page}");
    assert_eq!(
        page.matches("action=\"/api/reset/resend\"").count(),
        1,
        "{page}"
    );
    assert!(!page.contains("Send me a new code"), "{page}");
    // The error is shown once.
    let page = app.page("/reset/confirm").await;
    assert!(!page.contains("That code has expired"));
}

#[tokio::test]
async fn the_confirm_step_cannot_be_skipped() {
    let app = spawn_app(false).await;
    let r = app.confirm("123456", NEW_PW).await;
    assert_eq!(error_of(r).await, (409, json!("NoResetInProgress")));
    let page = app.page("/reset/confirm").await;
    assert!(page.contains("no password reset in progress"));
    assert!(page.contains("href=\"/reset\""));
}

#[tokio::test]
async fn password_rules_are_checked_before_cognito_and_other_fields_kept() {
    let app = spawn_app(false).await;
    let user = user_who_requested_a_code(&app).await;
    let code = latest_code(&app.pool, &user).await.unwrap();

    let r = app.confirm(&code, "short").await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(body["PasswordPolicy"].is_array(), "{body}");

    // No JS: the page says which rules failed and keeps the code the user typed.
    let r = app
        .post_form(
            "/reset/confirm",
            "reset/confirm",
            &[
                ("code", &code),
                ("new_password", "short1!"),
                ("confirm_password", "short1!"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page("/reset/confirm").await;
    assert!(
        page.contains("Your new password needs at least 8 characters"),
        "{page}"
    );
    assert!(page.contains(&format!("value=\"{code}\"")));

    // The code is still valid: nothing reached Cognito.
    let r = app.confirm(&code, NEW_PW).await;
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn resend_is_refused_during_the_cooldown() {
    let app = spawn_app(false).await;
    user_who_requested_a_code(&app).await;
    let r = app.call("reset/resend", &[]).await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, 429);
    assert!(body["ResendCooldown"].as_u64().unwrap() > 50, "{body}");
    let page = app.page("/reset/confirm").await;
    assert!(page.contains("You can request a new code in"), "{page}");
}

#[tokio::test]
async fn resend_after_the_cooldown_sends_a_new_code() {
    let app = spawn_app_with(false, &[("RESEND_COOLDOWN_SECS", "1")]).await;
    let user = user_who_requested_a_code(&app).await;
    let first = latest_code(&app.pool, &user).await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = app.post_form("/reset/confirm", "reset/resend", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/reset/confirm?resent");
    assert!(app
        .page("/reset/confirm?resent")
        .await
        .contains("We sent you a new code"));
    let second = latest_code(&app.pool, &user).await.unwrap();
    assert_ne!(first, second);
}

#[tokio::test]
async fn start_over_drops_the_reset() {
    let app = spawn_app(false).await;
    app.call("reset/request", &[("username", "someone")]).await;
    let r = app
        .post_form("/reset/confirm", "reset/start-over", &[])
        .await;
    assert_eq!(location(&r), "/reset");
    assert!(app
        .page("/reset/confirm")
        .await
        .contains("no password reset in progress"));
}

#[tokio::test]
async fn an_empty_username_is_a_400_with_a_specific_message() {
    let app = spawn_app(false).await;
    let r = app.call("reset/request", &[("username", "  ")]).await;
    assert_eq!(error_of(r).await, (400, json!({"Missing": "Username"})));
    let r = app.call("reset/request", &[]).await;
    assert_eq!(r.status(), 400, "missing argument is a 400, not a 500");
}

// ---- Sign in, temporary password ---------------------------------------------------------

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_message() {
    let app = spawn_app(false).await;
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    let a = error_of(
        app.call(
            "sign-in",
            &[("username", &user), ("password", "Wrong-Passw0rd!")],
        )
        .await,
    )
    .await;
    let b = error_of(
        app.call(
            "sign-in",
            &[("username", "nobody-here"), ("password", "Wrong-Passw0rd!")],
        )
        .await,
    )
    .await;
    assert_eq!(a, (401, json!("WrongCredentials")));
    assert_eq!(a, b);

    // Without JS the username stays in the form, the password does not.
    let r = app
        .post_form(
            "/sign-in",
            "sign-in",
            &[("username", &user), ("password", "Wrong-Passw0rd!")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let page = app.page("/sign-in").await;
    assert!(page.contains("Incorrect username or password"));
    assert!(page.contains(&format!("value=\"{user}\"")));
    assert!(!page.contains("Wrong-Passw0rd!"));
}

#[tokio::test]
async fn a_temporary_password_leads_to_a_new_password_and_signs_in() {
    for no_js in [false, true] {
        let app = spawn_app(true).await;
        let user = random_user();
        temporary_user(&app.pool, &user, "Temp-Passw0rd!").await;
        let form = [("username", user.as_str()), ("password", "Temp-Passw0rd!")];
        let r = if no_js {
            app.post_form("/sign-in", "sign-in", &form).await
        } else {
            app.call("sign-in", &form).await
        };
        assert_eq!(location(&r), "/new-password");
        let page = app.page("/new-password").await;
        assert!(
            page.contains("Time left for this step: 3:00")
                || page.contains("Time left for this step: 2:5"),
            "{page}"
        );
        let form = [("new_password", NEW_PW), ("confirm_password", NEW_PW)];
        let r = if no_js {
            app.post_form("/new-password", "new-password", &form).await
        } else {
            app.call("new-password", &form).await
        };
        assert_eq!(location(&r), "/account", "no_js={no_js}");
        let page = app.page("/account").await;
        assert!(page.contains("You are signed in as"));
        assert!(page.contains(&user));
    }
}

#[tokio::test]
async fn an_expired_challenge_sends_the_user_back_to_sign_in_with_a_message() {
    let app = spawn_app_with(false, &[("CHALLENGE_TTL_SECS", "1")]).await;
    let user = random_user();
    temporary_user(&app.pool, &user, "Temp-Passw0rd!").await;
    app.call(
        "sign-in",
        &[("username", &user), ("password", "Temp-Passw0rd!")],
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let r = app.get("/new-password").await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(page.contains("the step expired"), "{page}");
    assert!(page.contains(&format!("value=\"{user}\"")));
}

#[tokio::test]
async fn the_new_password_step_cannot_be_skipped() {
    let app = spawn_app(false).await;
    let r = app
        .call(
            "new-password",
            &[("new_password", NEW_PW), ("confirm_password", NEW_PW)],
        )
        .await;
    assert_eq!(error_of(r).await, (409, json!("NoChallengeInProgress")));
}

#[tokio::test]
async fn an_anonymous_page_view_creates_no_session() {
    let app = spawn_app(false).await;
    for path in ["/", "/sign-in", "/reset", "/reset/confirm", "/new-password"] {
        let r = app.get(path).await;
        assert!(
            r.headers().get("set-cookie").is_none(),
            "{path} set a cookie"
        );
    }
}

// ---- Signed in: change password, sign out -------------------------------------------------

/// A CONFIRMED user with password `Old-Passw0rd!`, signed in on `app`'s client.
async fn signed_in_user(app: &TestApp) -> String {
    let user = random_user();
    confirmed_user(&app.pool, &user, "Old-Passw0rd!").await;
    let r = app
        .call(
            "sign-in",
            &[("username", &user), ("password", "Old-Passw0rd!")],
        )
        .await;
    assert_eq!(location(&r), "/account");
    user
}

#[tokio::test]
async fn a_signed_in_user_changes_password_and_the_old_one_stops_working() {
    for no_js in [false, true] {
        let app = spawn_app(false).await;
        let user = signed_in_user(&app).await;
        let form = [
            ("current_password", "Old-Passw0rd!"),
            ("new_password", NEW_PW),
            ("confirm_password", NEW_PW),
        ];
        let r = if no_js {
            app.post_form("/account/password", "account/password", &form)
                .await
        } else {
            app.call("account/password", &form).await
        };
        assert_eq!(location(&r), "/account", "no_js={no_js}");
        assert!(app
            .page("/account")
            .await
            .contains("Your password has been changed"));
        let fresh = app.fresh();
        let r = fresh
            .call(
                "sign-in",
                &[("username", &user), ("password", "Old-Passw0rd!")],
            )
            .await;
        assert_eq!(error_of(r).await, (401, json!("WrongCredentials")));
        let r = fresh
            .call("sign-in", &[("username", &user), ("password", NEW_PW)])
            .await;
        assert_eq!(location(&r), "/account");
    }
}

#[tokio::test]
async fn a_wrong_current_password_is_reported() {
    let app = spawn_app(false).await;
    signed_in_user(&app).await;
    let r = app
        .call(
            "account/password",
            &[
                ("current_password", "Nope-Passw0rd!"),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
            ],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("WrongCurrentPassword")));
}

#[tokio::test]
async fn change_password_with_sign_out_everywhere_signs_the_user_out() {
    let app = spawn_app(false).await;
    signed_in_user(&app).await;
    let r = app
        .call(
            "account/password",
            &[
                ("current_password", "Old-Passw0rd!"),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
                ("sign_out_everywhere", "on"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/sign-in");
    let page = app.page("/sign-in").await;
    assert!(page.contains("signed out on all devices"));
    let r = app.get("/account").await;
    assert_eq!(location(&r), "/sign-in");
}

#[tokio::test]
async fn the_account_pages_redirect_anonymous_users_to_sign_in() {
    let app = spawn_app(false).await;
    for path in ["/account", "/account/password"] {
        let r = app.get(path).await;
        assert!(r.status().is_redirection(), "{path}: {}", r.status());
        assert_eq!(location(&r), "/sign-in");
    }
    let r = app
        .call(
            "account/password",
            &[
                ("current_password", "a"),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
            ],
        )
        .await;
    assert_eq!(error_of(r).await, (401, json!("NotSignedIn")));
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn_app(true).await;
    let user = signed_in_user(&app).await;
    assert!(app.page("/account").await.contains(&user));
    let r = app.post_form("/account", "sign-out", &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sign-in");
    assert!(app.page("/sign-in").await.contains("You have signed out"));
    assert_eq!(location(&app.get("/account").await), "/sign-in");
}

// ---- The shell ------------------------------------------------------------------------------

#[tokio::test]
async fn health_home_and_not_found() {
    let app = spawn_app(false).await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok");
    let home = app.page("/").await;
    assert!(home.contains("href=\"/reset\"") && home.contains("href=\"/sign-in\""));
    let r = app.get("/no/such/page").await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn the_product_name_is_configurable() {
    let app = spawn_app_with(false, &[("PRODUCT_NAME", "Acme Accounts")]).await;
    let home = app.page("/").await;
    assert!(home.contains("Acme Accounts"));
}

#[tokio::test]
async fn a_weak_new_password_is_refused_on_the_challenge_and_it_stays_open() {
    let app = spawn_app(false).await;
    let user = random_user();
    temporary_user(&app.pool, &user, "Temp-Passw0rd!").await;
    app.call(
        "sign-in",
        &[("username", &user), ("password", "Temp-Passw0rd!")],
    )
    .await;
    let r = app
        .call(
            "new-password",
            &[
                ("new_password", "password"),
                ("confirm_password", "password"),
            ],
        )
        .await;
    let (status, body) = error_of(r).await;
    assert_eq!(status, 400);
    assert!(body["PasswordPolicy"].is_array(), "{body}");
    let r = app
        .call(
            "new-password",
            &[("new_password", NEW_PW), ("confirm_password", NEW_PW)],
        )
        .await;
    assert_eq!(location(&r), "/account");
}

#[tokio::test]
async fn the_wait_page_offers_the_reset_and_support_and_its_address_reloads_to_the_form() {
    let app = spawn_app_with(
        false,
        &[
            ("RATE_LIMIT_USER", "1/10m"),
            ("SUPPORT_URL", "https://help.example.com/locked-out"),
        ],
    )
    .await;
    let sign_in = || {
        client()
            .post(format!("{}/api/sign-in", app.base))
            .header("Accept", "text/html")
            .header("Origin", &app.base)
            .form(&[("username", "someone"), ("password", "wrong-password")])
            .send()
    };
    let _ = sign_in().await.unwrap();
    let r = sign_in().await.unwrap();
    assert_eq!(r.status(), 429);
    let html = r.text().await.unwrap();
    // Someone made to wait at sign-in has likely forgotten the password: the reset, and the
    // operator's support, are one click away (not only "Go back").
    assert!(html.contains("href=\"/reset\""), "{html}");
    assert!(html.contains("Forgot your password?"), "{html}");
    assert!(
        html.contains("href=\"https://help.example.com/locked-out\""),
        "{html}"
    );
    // The same wait at the reset page does not offer the reset again.
    let reset = |name: &'static str| {
        client()
            .post(format!("{}/api/reset/request", app.base))
            .header("Accept", "text/html")
            .header("Origin", &app.base)
            .header("Referer", format!("{}/reset", app.base))
            .form(&[("username", name)])
            .send()
    };
    let _ = reset("another").await.unwrap();
    let html = reset("another").await.unwrap().text().await.unwrap();
    assert!(html.contains("Please wait a moment"), "{html}");
    assert!(!html.contains("Forgot your password?"), "{html}");
    // Reloading the wait page (a GET of the form's address) gives the form, not a 405.
    let r = client()
        .get(format!("{}/api/sign-in", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/sign-in");
}

#[tokio::test]
async fn the_reset_page_says_what_the_pool_does() {
    // Read from the pool at start-up (DescribeUserPool; here from POOL_FEATURES, the same
    // fields): an email address as the username, codes by text message.
    let app = spawn_app_with(
        false,
        &[
            ("DESCRIBE_USER_POOL", "false"),
            (
                "POOL_FEATURES",
                "optional,totp,email-username,recovery-phone",
            ),
        ],
    )
    .await;
    let page = app.page("/reset").await;
    assert!(page.contains(">Email address</label>"), "{page}");
    assert!(page.contains("type=\"email\""), "{page}");
    assert!(
        page.contains("Enter your email address. We'll send a code by text message"),
        "{page}"
    );
    // An empty form says what is missing in the same words.
    let r = app
        .post_form("/reset", "reset/request", &[("username", "")])
        .await;
    assert_eq!(location(&r), "/reset");
    assert!(app
        .page("/reset")
        .await
        .contains("Enter your email address."));

    // A pool where only an administrator resets passwords: no form that cannot work, but what
    // to do and whom to ask.
    let admin = spawn_app_with(
        false,
        &[
            ("DESCRIBE_USER_POOL", "false"),
            ("POOL_FEATURES", "optional,totp,recovery-admin"),
            ("SUPPORT_URL", "https://help.example.com/"),
        ],
    )
    .await;
    let page = admin.page("/reset").await;
    assert!(page.contains("id=\"admin-only\""), "{page}");
    assert!(page.contains("reset by the support team"), "{page}");
    assert!(
        page.contains("href=\"https://help.example.com/\""),
        "{page}"
    );
    assert!(!page.contains("action=\"/api/reset/request\""), "{page}");
    // Posted anyway: refused the same way for everyone (nothing about the account), back to
    // the page that says what to do; to a script, a 403 with its reason.
    let r = admin
        .post_form("/reset", "reset/request", &[("username", "jane")])
        .await;
    assert_eq!(location(&r), "/reset");
    assert!(admin
        .page("/reset")
        .await
        .contains("reset by the support team"));
    let r = admin.call("reset/request", &[("username", "jane")]).await;
    assert_eq!(error_of(r).await, (403, json!("RecoveryAdminOnly")));
}

#[tokio::test]
async fn the_code_page_says_whom_to_ask_when_no_code_can_come() {
    // A user without a verified email or phone gets the uniform answer (Cognito sends nothing):
    // the code page says, for everyone alike, what that may mean and whom to ask.
    let app = spawn_app_with(false, &[("SUPPORT_URL", "https://help.example.com/")]).await;
    let known = random_user();
    confirmed_user(&app.pool, &known, "Old-Passw0rd!").await;
    let mut pages = vec![];
    for user in [known.as_str(), "nobody-at-all"] {
        let browser = app.fresh();
        let r = browser.call("reset/request", &[("username", user)]).await;
        assert_eq!(location(&r), "/reset/confirm");
        let page = browser.page("/reset/confirm").await;
        let help = page
            .split("id=\"no-contact-help\"")
            .nth(1)
            .and_then(|rest| rest.split("</p>").next())
            .unwrap_or_else(|| panic!("no help for {user}: {page}"))
            .to_string();
        assert!(
            help.contains("isn't verified, no code can be sent"),
            "{help}"
        );
        assert!(
            help.contains("href=\"https://help.example.com/\""),
            "{help}"
        );
        pages.push(help);
    }
    assert_eq!(
        pages[0], pages[1],
        "the same for a real and an unknown user"
    );
}
