//! The reset link from the email (`/reset/link?u=…&c=…`): it leaves the URL at once for the
//! session, never calls Cognito or uses the code up, fills the code in, and once its code set a
//! password it says so.

use crate::common::*;

const OLD_PW: &str = "Old-Passw0rd!";
const NEW_PW: &str = "Linked-Passw0rd!";

async fn open_link(app: &TestApp, user: &str, code: &str) -> reqwest::Response {
    app.client
        .get(format!("{}/reset/link", app.base))
        .query(&[("u", user), ("c", code)])
        .header("Accept", "text/html")
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_link_fills_in_the_code_sets_the_password_and_then_says_it_was_used() {
    let app = spawn_app(false).await;
    let user = random_user();
    confirmed_user(&app.pool, &user, OLD_PW).await;
    // The code is requested in one browser; the email is opened in another (a phone).
    let asked = app.fresh();
    let r = asked.call("reset/request", &[("username", &user)]).await;
    assert_eq!(location(&r), "/reset/confirm");
    let code = latest_code(&app.pool, &user).await.unwrap();

    // A mail scanner opens it first: it gets a redirect and uses nothing up.
    let scanner = app.fresh();
    let r = open_link(&scanner, &user, &code).await;
    assert_eq!(r.status(), 303);

    let phone = app.fresh();
    let r = open_link(&phone, &user, &code).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/reset/confirm");
    assert_eq!(header(&r, "referrer-policy"), "no-referrer");
    assert_eq!(header(&r, "cache-control"), "no-store");
    assert!(
        r.headers().contains_key("set-cookie"),
        "a session for the reset"
    );
    assert!(
        r.text().await.unwrap().is_empty(),
        "no page is rendered for the link"
    );

    let page = phone.page("/reset/confirm").await;
    assert!(!page.contains(&code), "the code stays on the server");
    assert!(page.contains("We filled in the code from your email"));
    let state = phone
        .call("reset/confirm-state", &[("resent", "false")])
        .await;
    assert!(!state.text().await.unwrap().contains(&code), "nor in JSON");

    // Without JavaScript: the form posts no code; the server uses the link's.
    let r = phone
        .post_form(
            "/reset/confirm",
            "reset/confirm",
            &[
                ("code", ""),
                ("new_password", NEW_PW),
                ("confirm_password", NEW_PW),
            ],
        )
        .await;
    assert_eq!(location(&r), "/sign-in");
    let r = app
        .fresh()
        .call("sign-in", &[("username", &user), ("password", NEW_PW)])
        .await;
    assert_eq!(location(&r), "/account");

    // The same link again, anywhere: "this link was used", a page and not an error.
    let r = open_link(&app.fresh(), &user, &code).await;
    assert_eq!(location(&r), "/reset/link/used");
    let r = app.get("/reset/link/used").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("This link was already used"), "{body}");
    assert!(!body.contains(&code));
}

#[tokio::test]
async fn a_broken_link_explains_on_the_reset_page_and_keeps_the_username() {
    let app = spawn_app(false).await;
    for query in [
        "?u=jane",
        "?c=123456",
        "",
        "?u=jane&c=%20%20",
        "?u=%FF%FE&c=1&u=2",
    ] {
        let b = app.fresh();
        let r = b
            .client
            .get(format!("{}/reset/link{query}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "{query}");
        assert_eq!(location(&r), "/reset", "{query}");
        assert_eq!(header(&r, "referrer-policy"), "no-referrer");
        let page = b.page("/reset").await;
        assert!(page.contains("This reset link is incomplete"), "{query}");
        if query == "?u=jane" {
            assert!(page.contains("value=\"jane\""), "the username is kept");
        }
    }
}
